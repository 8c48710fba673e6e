-- The consumer groups of each hub's built-in endpoint, made and deleted through ARM. $Default is not a row:
-- every hub has it. Tables only: nothing existing changes. Deleting a hub deletes its consumer groups.
CREATE TABLE consumer_groups (
    hub        TEXT   NOT NULL REFERENCES hubs (name) ON DELETE CASCADE ON UPDATE CASCADE,
    name       TEXT   NOT NULL,
    name_key   TEXT   NOT NULL,
    created_ms BIGINT NOT NULL,
    PRIMARY KEY (hub, name_key)
);

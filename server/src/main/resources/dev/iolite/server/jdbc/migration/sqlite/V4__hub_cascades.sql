-- A hub's policies, counters and jobs belong to it: deleting the hub row deletes them in the same
-- transaction. SQLite adds a foreign key only by rebuilding the table; rows left by hubs deleted
-- before this migration are not copied (they leaked the old hub's job history to a hub re-created
-- under its name). Devices keep no foreign key: the import writes them at 100,000 rows a second, and
-- the hub deletion removes them explicitly.
DELETE FROM devices WHERE hub NOT IN (SELECT name FROM hubs);

CREATE TABLE hub_policies_v4 (
    hub           TEXT NOT NULL COLLATE NOCASE REFERENCES hubs (name) ON DELETE CASCADE ON UPDATE CASCADE,
    key_name      TEXT NOT NULL,
    primary_key   TEXT NOT NULL,
    secondary_key TEXT NOT NULL,
    rights        TEXT NOT NULL,
    PRIMARY KEY (hub, key_name)
);
INSERT INTO hub_policies_v4 SELECT hub, key_name, primary_key, secondary_key, rights FROM hub_policies
    WHERE hub IN (SELECT name FROM hubs);
DROP TABLE hub_policies;
ALTER TABLE hub_policies_v4 RENAME TO hub_policies;

CREATE TABLE hub_stats_v4 (
    hub      TEXT    NOT NULL PRIMARY KEY REFERENCES hubs (name) ON DELETE CASCADE ON UPDATE CASCADE,
    total    INTEGER NOT NULL DEFAULT 0,
    enabled  INTEGER NOT NULL DEFAULT 0,
    disabled INTEGER NOT NULL DEFAULT 0
);
INSERT INTO hub_stats_v4 SELECT hub, total, enabled, disabled FROM hub_stats WHERE hub IN (SELECT name FROM hubs);
DROP TABLE hub_stats;
ALTER TABLE hub_stats_v4 RENAME TO hub_stats;

CREATE TABLE jobs_v4 (
    id               TEXT    NOT NULL PRIMARY KEY,
    hub              TEXT    NOT NULL REFERENCES hubs (name) ON DELETE CASCADE ON UPDATE CASCADE,
    type             TEXT    NOT NULL,
    status           TEXT    NOT NULL,
    request          TEXT    NOT NULL,
    created_ms       INTEGER NOT NULL,
    start_ms         INTEGER,
    end_ms           INTEGER,
    progress         INTEGER NOT NULL DEFAULT 0,
    processed        INTEGER NOT NULL DEFAULT 0,
    succeeded        INTEGER NOT NULL DEFAULT 0,
    failed           INTEGER NOT NULL DEFAULT 0,
    rate             REAL    NOT NULL DEFAULT 0,
    failure_reason   TEXT,
    status_message   TEXT,
    cancel_requested INTEGER NOT NULL DEFAULT 0,
    lease_owner      TEXT,
    lease_expires_ms INTEGER,
    checkpoint       TEXT
);
INSERT INTO jobs_v4 SELECT id, hub, type, status, request, created_ms, start_ms, end_ms, progress, processed,
    succeeded, failed, rate, failure_reason, status_message, cancel_requested, lease_owner, lease_expires_ms,
    checkpoint FROM jobs WHERE hub IN (SELECT name FROM hubs);
DROP TABLE jobs;
ALTER TABLE jobs_v4 RENAME TO jobs;
CREATE INDEX jobs_by_hub ON jobs (hub, created_ms);
CREATE INDEX jobs_by_status ON jobs (status, created_ms);

-- ConfigurationService (automatic device management and IoT Edge deployments) of each hub. What the client sent
-- that the server keeps as it is (labels, content, target condition, metric queries) is one JSON document;
-- what the server decides or computes has columns: the version behind the etag, the times, the priority the
-- evaluation orders by, and the metrics' last results. Tables only: nothing existing changes.
CREATE TABLE configurations (
    hub        TEXT    NOT NULL COLLATE NOCASE REFERENCES hubs (name) ON DELETE CASCADE ON UPDATE CASCADE,
    id         TEXT    NOT NULL,
    doc        TEXT    NOT NULL,
    priority   INTEGER NOT NULL,
    created_ms INTEGER NOT NULL,
    updated_ms INTEGER NOT NULL,
    version    INTEGER NOT NULL,
    results    TEXT,
    PRIMARY KEY (hub, id)
);

-- ConfigurationService (automatic device management and IoT Edge deployments) of each hub. What the client sent
-- that the server keeps as it is (labels, content, target condition, metric queries) is one JSON document;
-- what the server decides or computes has columns: the version behind the etag, the times, the priority the
-- evaluation orders by, and the metrics' last results. Tables only: nothing existing changes.
CREATE TABLE configurations (
    hub        TEXT    NOT NULL REFERENCES hubs (name) ON DELETE CASCADE ON UPDATE CASCADE,
    id         TEXT    NOT NULL,
    doc        TEXT    NOT NULL,
    priority   INTEGER NOT NULL,
    created_ms BIGINT  NOT NULL,
    updated_ms BIGINT  NOT NULL,
    version    BIGINT  NOT NULL,
    results    TEXT,
    PRIMARY KEY (hub, id)
);

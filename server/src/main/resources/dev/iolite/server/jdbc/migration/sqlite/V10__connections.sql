-- Connection state of devices and modules (connectionState, connectionStateUpdatedTime, lastActivityTime):
-- a table of its own, so that imports and exports of the devices table never touch it. A row is written
-- when an identity first connects and kept afterwards (Disconnected); node_id and link_id name the
-- connection that set it, so that only that connection's end marks it Disconnected.
CREATE TABLE connections (
    hub              TEXT    NOT NULL,
    device_id        TEXT    NOT NULL,
    module_id        TEXT    NOT NULL,
    connected        INTEGER NOT NULL,
    node_id          TEXT    NOT NULL,
    link_id          INTEGER NOT NULL,
    state_updated_ms INTEGER NOT NULL,
    last_activity_ms INTEGER NOT NULL,
    PRIMARY KEY (hub, device_id, module_id)
);

-- A node's connections, while connected: what a stop, a restart or another node's sweep marks Disconnected.
CREATE INDEX connections_by_node ON connections (node_id) WHERE connected = 1;

-- Each running node's lease, renewed by its heartbeat: a node whose lease expired has its connections
-- marked Disconnected by any other node.
CREATE TABLE node_leases (
    node_id    TEXT    NOT NULL PRIMARY KEY,
    expires_ms INTEGER NOT NULL
);

-- Hubs, their shared access policies and statistics counters.
CREATE TABLE hubs (
    name            TEXT    NOT NULL PRIMARY KEY COLLATE NOCASE,
    subscription_id TEXT    NOT NULL,
    resource_group  TEXT    NOT NULL,
    location        TEXT    NOT NULL,
    sku_name        TEXT    NOT NULL,
    sku_capacity    INTEGER NOT NULL,
    tags            TEXT    NOT NULL,
    version         INTEGER NOT NULL,
    created_at_ms   INTEGER NOT NULL
);

CREATE TABLE hub_policies (
    hub           TEXT NOT NULL COLLATE NOCASE,
    key_name      TEXT NOT NULL,
    primary_key   TEXT NOT NULL,
    secondary_key TEXT NOT NULL,
    rights        TEXT NOT NULL,
    PRIMARY KEY (hub, key_name)
);

-- Counters kept in the same transaction as device writes (DESIGN principle 5).
CREATE TABLE hub_stats (
    hub      TEXT    NOT NULL PRIMARY KEY,
    total    INTEGER NOT NULL DEFAULT 0,
    enabled  INTEGER NOT NULL DEFAULT 0,
    disabled INTEGER NOT NULL DEFAULT 0
);

-- Devices and module identities; module_id is '' for a device row. A rowid table with a unique
-- index rather than WITHOUT ROWID: rows of several hundred bytes make WITHOUT ROWID trees slow to
-- grow (SQLite's own guidance), and the million-device import is what this table is tuned for.
CREATE TABLE devices (
    hub                  TEXT    NOT NULL,
    device_id            TEXT    NOT NULL,
    module_id            TEXT    NOT NULL DEFAULT '',
    version              INTEGER NOT NULL,
    generation_id        TEXT    NOT NULL,
    enabled              INTEGER NOT NULL,
    status_reason        TEXT,
    status_updated_ms    INTEGER NOT NULL,
    auth_type            TEXT    NOT NULL,
    primary_key          TEXT,
    secondary_key        TEXT,
    primary_thumbprint   TEXT,
    secondary_thumbprint TEXT,
    iot_edge             INTEGER NOT NULL,
    device_scope         TEXT,
    parent_scopes        TEXT,
    managed_by           TEXT,
    tags                 TEXT    NOT NULL,
    desired              TEXT    NOT NULL,
    reported             TEXT    NOT NULL,
    twin_version         INTEGER NOT NULL,
    last_updated_ms      INTEGER NOT NULL
);

CREATE UNIQUE INDEX devices_by_id ON devices (hub, device_id, module_id);

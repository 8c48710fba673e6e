-- PostgreSQL schema of the registry: the same tables as SQLite's, with BIGINT times, byte-ordered
-- ids (COLLATE "C", so keyset pages sort as on SQLite) and twin documents as jsonb.
CREATE TABLE hubs (
    name            TEXT    NOT NULL PRIMARY KEY,
    subscription_id TEXT    NOT NULL,
    resource_group  TEXT    NOT NULL,
    location        TEXT    NOT NULL,
    sku_name        TEXT    NOT NULL,
    sku_capacity    BIGINT  NOT NULL,
    tags            TEXT    NOT NULL,
    version         BIGINT  NOT NULL,
    created_at_ms   BIGINT  NOT NULL
);
-- hub names are case-insensitive, as on IoT Hub
CREATE UNIQUE INDEX hubs_by_lower_name ON hubs (lower(name));

CREATE TABLE hub_policies (
    hub           TEXT NOT NULL,
    key_name      TEXT NOT NULL,
    primary_key   TEXT NOT NULL,
    secondary_key TEXT NOT NULL,
    rights        TEXT NOT NULL,
    PRIMARY KEY (hub, key_name)
);

-- Counters kept in the same transaction as device writes (DESIGN principle 5).
CREATE TABLE hub_stats (
    hub      TEXT   NOT NULL PRIMARY KEY,
    total    BIGINT NOT NULL DEFAULT 0,
    enabled  BIGINT NOT NULL DEFAULT 0,
    disabled BIGINT NOT NULL DEFAULT 0
);

-- Devices and module identities; module_id is '' for a device row. body packs the identity fields
-- that no query reads (DeviceBody, format 2: without the twin documents, which are jsonb here).
CREATE TABLE devices (
    hub          TEXT COLLATE "C" NOT NULL,
    device_id    TEXT COLLATE "C" NOT NULL,
    module_id    TEXT COLLATE "C" NOT NULL DEFAULT '',
    version      BIGINT  NOT NULL,
    twin_version BIGINT  NOT NULL,
    enabled      INTEGER NOT NULL,
    body         BYTEA   NOT NULL,
    tags         JSONB   NOT NULL,
    desired      JSONB   NOT NULL,
    reported     JSONB   NOT NULL,
    PRIMARY KEY (hub, device_id, module_id)
);

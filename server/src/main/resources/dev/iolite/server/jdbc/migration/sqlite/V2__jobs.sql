-- Import and export jobs: rows any node may claim with a lease; the checkpoint is committed in the
-- same transaction as each batch's device writes and counter changes (DESIGN principle 4).
CREATE TABLE jobs (
    id               TEXT    NOT NULL PRIMARY KEY,
    hub              TEXT    NOT NULL,
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

CREATE INDEX jobs_by_hub ON jobs (hub, created_ms);
CREATE INDEX jobs_by_status ON jobs (status, created_ms);

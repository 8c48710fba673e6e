-- Import and export jobs: rows any node may claim with a lease (FOR UPDATE SKIP LOCKED); the
-- checkpoint is committed in the same transaction as each batch's writes (DESIGN principle 4).
CREATE TABLE jobs (
    id               TEXT    NOT NULL PRIMARY KEY,
    hub              TEXT    NOT NULL,
    type             TEXT    NOT NULL,
    status           TEXT    NOT NULL,
    request          TEXT    NOT NULL,
    created_ms       BIGINT  NOT NULL,
    start_ms         BIGINT,
    end_ms           BIGINT,
    progress         INTEGER NOT NULL DEFAULT 0,
    processed        BIGINT  NOT NULL DEFAULT 0,
    succeeded        BIGINT  NOT NULL DEFAULT 0,
    failed           BIGINT  NOT NULL DEFAULT 0,
    rate             DOUBLE PRECISION NOT NULL DEFAULT 0,
    failure_reason   TEXT,
    status_message   TEXT,
    cancel_requested INTEGER NOT NULL DEFAULT 0,
    lease_owner      TEXT,
    lease_expires_ms BIGINT,
    checkpoint       TEXT
);

CREATE INDEX jobs_by_hub ON jobs (hub, created_ms);
CREATE INDEX jobs_by_status ON jobs (status, created_ms);

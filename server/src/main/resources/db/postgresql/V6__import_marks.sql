-- An import notes on each row it writes which job (a 63-bit tag of the job id) and which line of its
-- blob wrote it, in the batch's own transaction: a later line naming the same identity is then
-- refused as named twice (400011) without any set of seen identities in memory, and a resumed job
-- needs no replay. Null for rows written outside an import.
ALTER TABLE devices ADD COLUMN import_job BIGINT;
ALTER TABLE devices ADD COLUMN import_line BIGINT;

-- The identities a running import named on lines that left no row of theirs: failed lines and
-- deletes (a device's modules included). Emptied when the job ends; gone with the job's row.
CREATE TABLE import_seen (
    job_id    TEXT COLLATE "C" NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    device_id TEXT COLLATE "C" NOT NULL,
    module_id TEXT COLLATE "C" NOT NULL,
    line      BIGINT NOT NULL,
    PRIMARY KEY (job_id, device_id, module_id)
);

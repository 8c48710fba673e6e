-- An import marks each row it writes with its job's tag and the blob line that wrote it (at the end of
-- the row's body, in the batch's own transaction), so a later line naming the same identity is refused
-- as named twice (400011) without any set of seen identities in memory, and a resumed job replays
-- nothing. This table holds the rest: the identities a running import named on lines that left no row
-- of theirs (failed lines, deletes, a deleted device's modules). Emptied when the job ends.
CREATE TABLE import_seen (
    job_id    TEXT COLLATE "C" NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    device_id TEXT COLLATE "C" NOT NULL,
    module_id TEXT COLLATE "C" NOT NULL,
    line      BIGINT NOT NULL,
    PRIMARY KEY (job_id, device_id, module_id)
);

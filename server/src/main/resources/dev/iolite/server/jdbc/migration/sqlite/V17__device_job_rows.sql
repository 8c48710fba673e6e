-- The rows of devices.jobs, smaller: what every row of a scheduled job shares (its type and times) is kept once, in
-- device_job_heads, and a device's row keeps only its own part: its status, its end time (which is also its last
-- update), and its other members as a JSON object (the outcome, or the error). A query of devices.jobs puts each
-- row's document together again from both, with the members and values a row kept whole had. Both tables are
-- WITHOUT ROWID, one tree each rather than a table and its key's index. The rows kept whole so far are split.
CREATE TABLE device_job_heads (
    hub         TEXT NOT NULL COLLATE NOCASE REFERENCES hubs (name) ON DELETE CASCADE ON UPDATE CASCADE,
    job_id      TEXT NOT NULL,
    job_type    TEXT,
    start_utc   TEXT,
    created_utc TEXT,
    PRIMARY KEY (hub, job_id)
) WITHOUT ROWID;
INSERT INTO device_job_heads (hub, job_id, job_type, start_utc, created_utc)
    SELECT hub, job_id, json_extract(doc, '$.jobType'), json_extract(doc, '$.startTimeUtc'),
           json_extract(doc, '$.createdDateTimeUtc')
    FROM device_jobs GROUP BY hub, job_id;
CREATE TABLE device_job_rows (
    hub       TEXT NOT NULL COLLATE NOCASE,
    job_id    TEXT NOT NULL,
    device_id TEXT NOT NULL,
    status    TEXT,
    end_utc   TEXT,
    details   TEXT NOT NULL,
    PRIMARY KEY (hub, job_id, device_id),
    FOREIGN KEY (hub, job_id) REFERENCES device_job_heads (hub, job_id) ON DELETE CASCADE ON UPDATE CASCADE
) WITHOUT ROWID;
INSERT INTO device_job_rows (hub, job_id, device_id, status, end_utc, details)
    SELECT hub, job_id, device_id, json_extract(doc, '$.status'), json_extract(doc, '$.endTimeUtc'),
           json_remove(doc, '$.jobId', '$.jobType', '$.startTimeUtc', '$.createdDateTimeUtc', '$.deviceId', '$.status',
                       '$.endTimeUtc', '$.lastUpdatedDateTimeUtc')
    FROM device_jobs;
DROP TABLE device_jobs;

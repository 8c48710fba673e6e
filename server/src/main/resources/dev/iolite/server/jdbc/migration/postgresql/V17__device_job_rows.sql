-- The rows of devices.jobs, smaller: what every row of a scheduled job shares (its type and times) is kept once, in
-- device_job_heads, and a device's row keeps only its own part: its status, its end time (which is also its last
-- update), and its other members as a JSON object (the outcome, or the error). A query of devices.jobs puts each
-- row's document together again from both, with the members and values a row kept whole had. The rows kept whole
-- so far are split.
CREATE TABLE device_job_heads (
    hub         TEXT NOT NULL REFERENCES hubs (name) ON DELETE CASCADE ON UPDATE CASCADE,
    job_id      TEXT NOT NULL,
    job_type    TEXT,
    start_utc   TEXT,
    created_utc TEXT,
    PRIMARY KEY (hub, job_id)
);
INSERT INTO device_job_heads (hub, job_id, job_type, start_utc, created_utc)
    SELECT DISTINCT ON (hub, job_id) hub, job_id, doc ->> 'jobType', doc ->> 'startTimeUtc', doc ->> 'createdDateTimeUtc'
    FROM device_jobs ORDER BY hub, job_id;
CREATE TABLE device_job_rows (
    hub       TEXT  NOT NULL,
    job_id    TEXT  NOT NULL,
    device_id TEXT  NOT NULL,
    status    TEXT,
    end_utc   TEXT,
    details   JSONB NOT NULL,
    PRIMARY KEY (hub, job_id, device_id),
    FOREIGN KEY (hub, job_id) REFERENCES device_job_heads (hub, job_id) ON DELETE CASCADE ON UPDATE CASCADE
);
INSERT INTO device_job_rows (hub, job_id, device_id, status, end_utc, details)
    SELECT hub, job_id, device_id, doc ->> 'status', doc ->> 'endTimeUtc',
           doc - 'jobId' - 'jobType' - 'startTimeUtc' - 'createdDateTimeUtc' - 'deviceId' - 'status' - 'endTimeUtc'
               - 'lastUpdatedDateTimeUtc'
    FROM device_jobs;
DROP TABLE device_jobs;

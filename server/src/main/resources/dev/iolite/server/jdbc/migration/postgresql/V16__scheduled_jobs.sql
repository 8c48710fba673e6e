-- Scheduled jobs (jobs v2) run on the job queue: a job is not claimed before its start time. Each device a
-- scheduled job reaches gets a row, as the query language's devices.jobs shows it (JSON), written in the
-- transaction of its batch. Deleting a hub deletes its rows; a job's rows go with the job.
ALTER TABLE jobs ADD COLUMN not_before_ms BIGINT;
CREATE TABLE device_jobs (
    hub       TEXT  NOT NULL REFERENCES hubs (name) ON DELETE CASCADE ON UPDATE CASCADE,
    job_id    TEXT  NOT NULL,
    device_id TEXT  NOT NULL,
    doc       JSONB NOT NULL,
    PRIMARY KEY (hub, job_id, device_id)
);

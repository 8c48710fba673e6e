-- How many times each job was resumed after the server failed it (a crash, a lost lease, running out of
-- memory): claims past the bound fail the job instead of resuming it forever.
ALTER TABLE jobs ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;

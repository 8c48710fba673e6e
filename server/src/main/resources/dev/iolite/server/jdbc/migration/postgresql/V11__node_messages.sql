-- Messages between the nodes of one store that are too large for a NOTIFY payload (under 8000 bytes): the
-- NOTIFY names the row, the other nodes read it, and the sender deletes rows older than a minute.
-- SQLite serves a single node and has no such table.
CREATE TABLE node_messages (
    id         BIGSERIAL PRIMARY KEY,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    body       TEXT NOT NULL
);
CREATE INDEX node_messages_created_at ON node_messages (created_at);

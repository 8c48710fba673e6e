-- The built-in endpoint: device-to-cloud messages kept per hub and partition. A partition's counter row
-- gives out sequence numbers and offsets, updated in the transaction that inserts the messages. Tables
-- only: nothing existing changes. Deleting a hub deletes its counters and messages.
CREATE TABLE message_partitions (
    hub           TEXT    NOT NULL COLLATE NOCASE REFERENCES hubs (name) ON DELETE CASCADE ON UPDATE CASCADE,
    partition_id  INTEGER NOT NULL,
    next_sequence INTEGER NOT NULL,
    next_offset   INTEGER NOT NULL,
    PRIMARY KEY (hub, partition_id)
);

-- properties: {"system":{...},"application":{...}} as JSON text, each in its order.
CREATE TABLE messages (
    hub          TEXT    NOT NULL COLLATE NOCASE,
    partition_id INTEGER NOT NULL,
    sequence     INTEGER NOT NULL,
    byte_offset  INTEGER NOT NULL,
    size         INTEGER NOT NULL,
    enqueued_ms  INTEGER NOT NULL,
    device_id    TEXT    NOT NULL,
    module_id    TEXT,
    properties   TEXT    NOT NULL,
    body         BLOB    NOT NULL,
    PRIMARY KEY (hub, partition_id, sequence),
    FOREIGN KEY (hub, partition_id) REFERENCES message_partitions (hub, partition_id) ON DELETE CASCADE ON UPDATE CASCADE
);

-- reads from an enqueued time, and the trim by age
CREATE INDEX messages_by_time ON messages (hub, partition_id, enqueued_ms);

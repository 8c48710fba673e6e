-- Cloud-to-device messages waiting for their device, and the delivery feedback waiting for the service. A
-- message stays until the device acknowledges it, it expires, or its queue is purged; which connection
-- delivers it is decided in memory by the node that holds the device's connection. Tables only: nothing
-- existing changes. Deleting a hub deletes its queues and feedback.
CREATE TABLE c2d_messages (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    hub            TEXT    NOT NULL COLLATE NOCASE REFERENCES hubs (name) ON DELETE CASCADE ON UPDATE CASCADE,
    device_id      TEXT    NOT NULL,
    module_id      TEXT    NOT NULL,  -- '' for the device itself
    enqueued_ms    INTEGER NOT NULL,
    expiry_ms      INTEGER NOT NULL,
    ack            TEXT    NOT NULL,
    delivery_count INTEGER NOT NULL DEFAULT 0,
    properties     TEXT    NOT NULL,  -- {"system":{...},"application":{...}} as JSON text, each in its order
    body           BLOB    NOT NULL
);
CREATE INDEX c2d_messages_by_device ON c2d_messages (hub, device_id, module_id, id);
CREATE INDEX c2d_messages_by_expiry ON c2d_messages (expiry_ms);

-- one delivery outcome that the message's iothub-ack asked for, as IoT Hub's feedback record (JSON text)
CREATE TABLE c2d_feedback (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    hub         TEXT    NOT NULL COLLATE NOCASE REFERENCES hubs (name) ON DELETE CASCADE ON UPDATE CASCADE,
    device_id   TEXT    NOT NULL,
    enqueued_ms INTEGER NOT NULL,
    record      TEXT    NOT NULL
);
CREATE INDEX c2d_feedback_by_hub ON c2d_feedback (hub, id);

package dev.iolite.server.messages;

import java.util.concurrent.CompletableFuture;

/** Where a device surface appends the messages devices send (the hub's built-in endpoint). */
public interface MessageSink {

    /**
     * Appends {@code message}; the future completes once the message is durable (then an MQTT QoS 1
     * PUBACK may go out), or fails with {@code IoliteException} when it was refused (throttled, too
     * large, the hub's store is full) or could not be stored. Never blocks: when the writer's queue is
     * full the future fails at once.
     */
    CompletableFuture<Void> append(DeviceMessage message);
}

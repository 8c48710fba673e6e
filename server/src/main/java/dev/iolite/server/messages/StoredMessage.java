package dev.iolite.server.messages;

import java.time.Instant;
import java.util.Map;

/**
 * A message of a hub's built-in endpoint as it is kept: where it sits in its partition and what the device sent,
 * with the system properties IoT Hub adds ({@code iothub-connection-device-id}, {@code iothub-enqueuedtime}, ...).
 * These are the fields an Event Hubs-compatible reader hands out (sequence number, offset, enqueued time,
 * system and application properties, body).
 *
 * @param hub         the hub
 * @param partition   the partition, from 0; chosen by {@link Partitions#of}
 * @param sequence    the message's number within its partition, from 0, one more than the message before it
 * @param offset      the message's byte position within its partition: the sizes of the messages before it
 * @param enqueued    when the server accepted it (the server's clock)
 * @param deviceId    the device that sent it
 * @param moduleId    the module that sent it, or null
 * @param system      the system properties, in a fixed order (see {@link MessageLog#systemProperties})
 * @param application the application properties, in the order sent
 * @param body        the body as sent
 */
public record StoredMessage(String hub, int partition, long sequence, long offset, Instant enqueued, String deviceId,
                            String moduleId, Map<String, String> system, Map<String, String> application, byte[] body) {

    /** What the message counts against its hub's {@code --telemetry-max-bytes}, and how far it moves the offset. */
    public long size() { return sizeOf(system, application, body); }

    static long sizeOf(Map<String, String> system, Map<String, String> application, byte[] body) {
        long n = body.length;
        for (Map.Entry<String, String> e : system.entrySet()) n += e.getKey().length() + e.getValue().length();
        for (Map.Entry<String, String> e : application.entrySet()) n += e.getKey().length() + e.getValue().length();
        return n;
    }
}

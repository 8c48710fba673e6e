package dev.iolite.server.messages;

import dev.iolite.server.registry.DeviceKey;

import java.time.Instant;
import java.util.Map;

/**
 * A device-to-cloud message as a device sent it, before the built-in endpoint gives it a partition, a
 * sequence number and an enqueued time.
 *
 * @param hub              the hub, as the registry names it
 * @param from             the device, and the module when a module sent it
 * @param system           IoT Hub's system properties that the device set, by their names on the built-in
 *                         endpoint ({@code message-id}, {@code correlation-id}, {@code content-type},
 *                         {@code content-encoding}, {@code iothub-creation-time-utc}, ...)
 * @param application      the application properties, in the order sent
 * @param body             the body as sent
 * @param authMethod       how the device authenticated, as IoT Hub reports it in
 *                         {@code iothub-connection-auth-method} (a small JSON object)
 * @param received         when the server read it
 */
public record DeviceMessage(String hub, DeviceKey from, Map<String, String> system, Map<String, String> application,
                            byte[] body, String authMethod, Instant received) {

    /** The size IoT Hub counts against its 256 KiB limit: the body, system property values, application names and values. */
    public int countedSize() {
        int n = body.length;
        for (String v : system.values()) n += v.length();
        for (Map.Entry<String, String> e : application.entrySet()) n += e.getKey().length() + e.getValue().length();
        return n;
    }
}

package dev.iolite.server.messages;

import java.time.Instant;
import java.util.Map;

/**
 * A cloud-to-device message in its device's queue (https://learn.microsoft.com/azure/iot-hub/iot-hub-devguide-messages-c2d).
 *
 * @param id          the queue's number for it, increasing in the order messages were accepted (0 before it is stored)
 * @param hub         the hub, as the registry names it
 * @param deviceId    the device it is for
 * @param moduleId    the module it is for, or null for the device itself
 * @param enqueued    when the server accepted it
 * @param expiry      when it expires undelivered
 * @param ack         the feedback the sender asked for ({@code iothub-ack})
 * @param system      the system properties the sender set ({@code message-id}, {@code correlation-id},
 *                    {@code user-id}, {@code content-type}, {@code content-encoding}, {@code to}), by those names
 * @param application the application properties, in the order sent
 * @param body        the body as sent
 */
public record CloudMessage(long id, String hub, String deviceId, String moduleId, Instant enqueued, Instant expiry, Ack ack,
                           Map<String, String> system, Map<String, String> application, byte[] body) {

    /** The feedback a sender asks for, as {@code iothub-ack} names it. */
    public enum Ack {
        NONE("none"), POSITIVE("positive"), NEGATIVE("negative"), FULL("full");

        private final String wire;

        Ack(String wire) { this.wire = wire; }

        public String wire() { return wire; }

        /** Whether a delivery that ended with {@code status} yields a feedback record. */
        public boolean wants(FeedbackRecord.Status status) {
            return switch (this) {
                case NONE -> false;
                case FULL -> true;
                case POSITIVE -> status == FeedbackRecord.Status.SUCCESS;
                case NEGATIVE -> status != FeedbackRecord.Status.SUCCESS;
            };
        }

        /**
         * The ack a wire value names, without case; null for an unknown one. The Java service SDK sends its enum's
         * names in lower case ({@code positiveonly}, {@code negativeonly}), which name the same acks.
         */
        public static Ack parse(String wire) {
            if (wire == null) return NONE;
            String w = wire.strip();
            if (w.equalsIgnoreCase("positiveonly")) return POSITIVE;
            if (w.equalsIgnoreCase("negativeonly")) return NEGATIVE;
            for (Ack a : values()) if (a.wire.equalsIgnoreCase(w)) return a;
            return null;
        }
    }

    /** The message id the sender set, or null. */
    public String messageId() { return system.get("message-id"); }

    /**
     * What completing it needs, without its body and other properties: what a connection keeps of a message it
     * delivered until the device acknowledges it.
     */
    public CloudMessage receipt() {
        String messageId = messageId();
        return new CloudMessage(id, hub, deviceId, moduleId, enqueued, expiry, ack,
                messageId == null ? Map.of() : Map.of("message-id", messageId), Map.of(), EMPTY);
    }

    private static final byte[] EMPTY = new byte[0];
}

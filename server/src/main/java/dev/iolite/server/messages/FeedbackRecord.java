package dev.iolite.server.messages;

import java.time.Instant;

/**
 * One outcome of a cloud-to-device message, for the service's feedback receiver, in IoT Hub's form
 * (https://learn.microsoft.com/azure/iot-hub/iot-hub-devguide-messages-c2d#message-feedback).
 *
 * @param id                 the feedback queue's number for it (0 before it is stored)
 * @param hub                the hub
 * @param originalMessageId  the message id the sender set
 * @param enqueued           when the outcome was recorded ({@code enqueuedTimeUtc})
 * @param status             what happened to the message
 * @param description        IoT Hub's words for it
 * @param deviceId           the device the message was for
 * @param deviceGenerationId the device's generation id, or empty when it is no longer known
 */
public record FeedbackRecord(long id, String hub, String originalMessageId, Instant enqueued, Status status, String description,
                             String deviceId, String deviceGenerationId) {

    /** IoT Hub's feedback status codes. */
    public enum Status {
        SUCCESS("Success", "Success"), EXPIRED("Expired", "Message expired"),
        DELIVERY_COUNT_EXCEEDED("DeliveryCountExceeded", "Message delivery count exceeded"),
        REJECTED("Rejected", "Message rejected"), PURGED("Purged", "Message purged");

        private final String wire;
        private final String description;

        Status(String wire, String description) {
            this.wire = wire;
            this.description = description;
        }

        public String wire() { return wire; }

        public String description() { return description; }
    }
}

package dev.iolite.client.models;

import java.time.Instant;

/** A cloud-to-device message the hub queued for its device: its ids, when it was queued and when it expires undelivered. */
public final class SentMessage {
    private final String deviceId;
    private final String messageId;
    private final Instant enqueuedTime;
    private final Instant expiryTime;
    private final String ack;

    /**
     * Creates a result.
     *
     * @param deviceId     the device the message waits for
     * @param messageId    the message id given, or null
     * @param enqueuedTime when the hub queued it
     * @param expiryTime   when it expires if the device has not received it
     * @param ack          the feedback asked for: none, positive, negative or full
     */
    public SentMessage(String deviceId, String messageId, Instant enqueuedTime, Instant expiryTime, String ack) {
        this.deviceId = deviceId;
        this.messageId = messageId;
        this.enqueuedTime = enqueuedTime;
        this.expiryTime = expiryTime;
        this.ack = ack;
    }

    /** @return the device the message waits for */
    public String getDeviceId() { return deviceId; }

    /** @return the message id given, or null */
    public String getMessageId() { return messageId; }

    /** @return when the hub queued the message */
    public Instant getEnqueuedTime() { return enqueuedTime; }

    /** @return when the message expires if the device has not received it */
    public Instant getExpiryTime() { return expiryTime; }

    /** @return the feedback asked for: none, positive, negative or full */
    public String getAck() { return ack; }
}

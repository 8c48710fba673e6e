package dev.iolite.server.devices;

import dev.iolite.server.registry.DeviceKey;

/**
 * One connected device or module, as the domain sees it: what a wire surface (MQTT today) offers the
 * services that reach devices. Every method returns at once: a surface queues the write on the
 * connection's own thread, and drops the connection rather than queue without bound.
 */
public interface DeviceLink {

    /** The hub the identity belongs to, as the registry names it. */
    String hub();

    DeviceKey key();

    /** A number unique among this node's links, so that a replaced link is told from its successor. */
    long id();

    /** Whether the device subscribed to method requests ({@code $iothub/methods/POST/#}). */
    boolean acceptsMethods();

    /** Whether the device subscribed to desired-property notifications. */
    boolean acceptsDesired();

    /**
     * Sends a method request; the device's answer comes back through {@link MethodAnswers#answer}.
     * {@code payload} is the request's JSON text ({@code null} for JSON null).
     */
    void sendMethodRequest(String requestId, String methodName, String payload);

    /** Whether the identity subscribed to its cloud-to-device messages ({@code devices/{id}/messages/devicebound/#}). */
    default boolean acceptsCloudMessages() { return false; }

    /**
     * The identity's cloud-to-device queue gained a message: the link delivers what it has not yet, in order.
     * {@code elsewhere}: another node stored it; its number may be below one this link read already (two nodes'
     * transactions commit in either order), so the link looks through the whole queue again.
     */
    default void cloudMessagesWaiting(boolean elsewhere) { }

    /**
     * This node stored a cloud-to-device message for the identity (told in the order stored): a link that has
     * delivered everything before it and has room sends it as it is, without reading the queue; otherwise as
     * {@link #cloudMessagesWaiting}.
     */
    default void cloudMessageStored(dev.iolite.server.messages.CloudMessage message) { cloudMessagesWaiting(false); }

    /** Sends a desired-property patch (JSON text of an object, without {@code $version}) at {@code version}. */
    void sendDesiredPatch(long version, String patch);

    /** Closes the connection: the identity was disabled or deleted, the server stops, or a new connection replaced it. */
    void close(CloseReason reason);

    /** Why the server ends a connection; a surface logs it with IoT Hub's code. */
    enum CloseReason {
        REPLACED("400027 ConnectionForcefullyClosedOnNewConnection"),
        DISABLED("the identity was disabled"),
        DELETED("the identity was deleted"),
        TOKEN_EXPIRED("401003 IoTHubUnauthorized: the SAS token expired"),
        SHUTDOWN("the server is stopping");

        private final String text;

        CloseReason(String text) { this.text = text; }

        public String text() { return text; }
    }
}

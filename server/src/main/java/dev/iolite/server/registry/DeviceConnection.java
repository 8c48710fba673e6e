package dev.iolite.server.registry;

import java.time.Instant;

/**
 * An identity's connection fields as the service API shows them
 * (https://learn.microsoft.com/azure/iot-hub/iot-hub-devguide-identity-registry#device-identity-properties):
 * whether it is connected now, when that last changed, and when it last connected, sent or received.
 * Times are null for an identity that never connected.
 */
public record DeviceConnection(boolean connected, Instant stateUpdated, Instant lastActivity) {
    /** An identity that never connected. */
    public static final DeviceConnection NEVER = new DeviceConnection(false, null, null);
}

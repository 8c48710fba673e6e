package dev.iolite.server.registry;

import java.time.Instant;
import java.util.List;

/**
 * A device identity, or a module identity when its key has a module id. {@code version} is the
 * counter behind the etag (IoT Hub's device etags are base64 of a decimal counter).
 *
 * @param key            the device id, and the module id of a module
 * @param version        the etag's counter
 * @param generationId   set at creation, never changed
 * @param state          enabled or disabled, why, and since when
 * @param authentication keys, thumbprints or certificate authority
 * @param iotEdge        the IoT Edge capability
 * @param scopes         the device scope and parent scopes of an edge hierarchy
 * @param managedBy      the module's manager, null for devices
 * @param twin           tags, desired and reported properties
 * @param lastUpdated    when the identity or its twin was last written
 */
public record Device(DeviceKey key, long version, String generationId, DeviceState state,
                     Authentication authentication, boolean iotEdge, Scopes scopes, String managedBy, Twin twin,
                     Instant lastUpdated) {

    /**
     * Whether a device is enabled, the reason given, when the status last changed, and its connection (kept apart
     * from the device row: {@link DeviceConnection#NEVER} where a read did not ask for it, and in what the registry
     * writes, since connections are not the registry's to set).
     */
    public record DeviceState(DeviceStatus status, String reason, Instant updated, DeviceConnection connection) {
        public DeviceState {
            connection = connection == null ? DeviceConnection.NEVER : connection;
        }

        public DeviceState(DeviceStatus status, String reason, Instant updated) {
            this(status, reason, updated, DeviceConnection.NEVER);
        }
    }

    /** A device's place in an edge hierarchy: its own scope and its parents' (never null, maybe empty). */
    public record Scopes(String deviceScope, List<String> parentScopes) {
        public static final Scopes NONE = new Scopes(null, List.of());

        public Scopes {
            parentScopes = parentScopes == null ? List.of() : List.copyOf(parentScopes);
        }
    }

    public Device {
        scopes = scopes == null ? Scopes.NONE : scopes;
    }

    public String deviceId() { return key.deviceId(); }

    public String moduleId() { return key.moduleId(); }

    public boolean isModule() { return key.moduleId() != null; }

    public DeviceStatus status() { return state.status(); }

    public String statusReason() { return state.reason(); }

    public Instant statusUpdatedTime() { return state.updated(); }

    public String deviceScope() { return scopes.deviceScope(); }

    public List<String> parentScopes() { return scopes.parentScopes(); }

    public String etag() { return ETags.device(version); }

    public boolean enabled() { return state.status() == DeviceStatus.ENABLED; }

    public DeviceConnection connection() { return state.connection(); }

    /** The same identity with another twin, written at {@code at}; the identity's etag is unchanged. */
    public Device withTwin(Twin newTwin, Instant at) {
        return new Device(key, version, generationId, state, authentication, iotEdge, scopes, managedBy, newTwin, at);
    }

    /** The same identity with its connection fields as the connections table has them. */
    public Device withConnection(DeviceConnection c) {
        return new Device(key, version, generationId, new DeviceState(state.status(), state.reason(), state.updated(), c),
                authentication, iotEdge, scopes, managedBy, twin, lastUpdated);
    }
}

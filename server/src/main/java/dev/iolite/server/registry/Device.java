package dev.iolite.server.registry;

import java.time.Instant;
import java.util.List;

/**
 * A device identity, or a module identity when {@code moduleId} is not null. {@code version}
 * is the counter behind the etag (SPEC §2.3: base64 of a decimal counter).
 */
public record Device(String deviceId, String moduleId, long version, String generationId,
                     DeviceStatus status, String statusReason, Instant statusUpdatedTime,
                     Authentication authentication, boolean iotEdge, String deviceScope,
                     List<String> parentScopes, String managedBy, Twin twin, Instant lastUpdated) {

    public Device {
        parentScopes = parentScopes == null ? List.of() : List.copyOf(parentScopes);
    }

    public boolean isModule() { return moduleId != null; }

    public DeviceKey key() { return new DeviceKey(deviceId, moduleId); }

    public String etag() { return ETags.device(version); }

    public boolean enabled() { return status == DeviceStatus.ENABLED; }
}

package dev.iolite.server.registry;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.List;

/**
 * One requested change: an item of bulk {@code POST /devices}, a line of an import blob, or a
 * single-device request. Fields are null when the request did not carry them. {@code lineNumber}
 * is the blob line (or the array index plus one). {@code checked} means the content rules were
 * already applied and the authentication resolved ({@link RegistryService#check}), so a batch
 * does not repeat them: an import checks on its reading thread, off the writing one.
 */
public record ImportItem(long lineNumber, String deviceId, String moduleId, ImportMode mode,
                         String eTag, String twinETag, DeviceStatus status, String statusReason,
                         Authentication authentication, Boolean iotEdge, String deviceScope,
                         List<String> parentScopes, String managedBy, ObjectNode tags, ObjectNode desired,
                         boolean checked) {

    public ImportItem(long lineNumber, String deviceId, String moduleId, ImportMode mode, String eTag, String twinETag,
                      DeviceStatus status, String statusReason, Authentication authentication, Boolean iotEdge,
                      String deviceScope, List<String> parentScopes, String managedBy, ObjectNode tags,
                      ObjectNode desired) {
        this(lineNumber, deviceId, moduleId, mode, eTag, twinETag, status, statusReason, authentication, iotEdge,
                deviceScope, parentScopes, managedBy, tags, desired, false);
    }

    ImportItem checked(Authentication resolved) {
        return new ImportItem(lineNumber, deviceId, moduleId, mode, eTag, twinETag, status, statusReason, resolved,
                iotEdge, deviceScope, parentScopes, managedBy, tags, desired, true);
    }

    public DeviceKey key() { return new DeviceKey(deviceId, moduleId); }

    public ImportItem withMode(ImportMode newMode, String newETag) {
        return new ImportItem(lineNumber, deviceId, moduleId, newMode, newETag, twinETag, status, statusReason,
                authentication, iotEdge, deviceScope, parentScopes, managedBy, tags, desired, checked);
    }

    public static ImportItem delete(String deviceId, String moduleId, ImportMode mode, String eTag) {
        return new ImportItem(1, deviceId, moduleId, mode, eTag, null, null, null, null, null, null, null,
                null, null, null);
    }
}

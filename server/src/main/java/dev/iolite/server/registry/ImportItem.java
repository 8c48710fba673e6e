package dev.iolite.server.registry;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.List;

/**
 * One requested change: an item of bulk {@code POST /devices}, a line of an import blob, or a
 * single-device request. Fields are null when the request did not carry them. {@code lineNumber}
 * is the blob line (or the array index plus one).
 */
public record ImportItem(long lineNumber, String deviceId, String moduleId, ImportMode mode,
                         String eTag, String twinETag, DeviceStatus status, String statusReason,
                         Authentication authentication, Boolean iotEdge, String deviceScope,
                         List<String> parentScopes, String managedBy, ObjectNode tags, ObjectNode desired) {

    public DeviceKey key() { return new DeviceKey(deviceId, moduleId); }

    public ImportItem withMode(ImportMode newMode, String newETag) {
        return new ImportItem(lineNumber, deviceId, moduleId, newMode, newETag, twinETag, status, statusReason,
                authentication, iotEdge, deviceScope, parentScopes, managedBy, tags, desired);
    }

    public static ImportItem delete(String deviceId, String moduleId, ImportMode mode, String eTag) {
        return new ImportItem(1, deviceId, moduleId, mode, eTag, null, null, null, null, null, null, null,
                null, null, null);
    }
}

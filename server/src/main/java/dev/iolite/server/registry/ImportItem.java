package dev.iolite.server.registry;

import java.util.List;

/**
 * One requested change: an item of bulk {@code POST /devices}, a line of an import blob, or a
 * single-device request. Fields are null when the request did not carry them. {@code lineNumber}
 * is the blob line (or the array index plus one). {@code checked} means the content rules were
 * already applied and the authentication resolved ({@link RegistryService#check}), so a batch
 * does not repeat them: an import checks on its reading thread, off the writing one.
 *
 * @param lineNumber the blob line, or the array index plus one
 * @param key        the device id, and the module id of a module
 * @param mode       what to do
 * @param eTag       the identity's etag that must match, or null
 * @param twinETag   the twin's etag that must match, or null
 * @param fields     the identity's fields as requested
 * @param tags       the twin's tags to set, or null
 * @param desired    the twin's desired properties to set, or null
 * @param checked    the content rules were applied and the authentication resolved
 */
public record ImportItem(long lineNumber, DeviceKey key, ImportMode mode, String eTag, String twinETag,
                         Fields fields, TwinDocument tags, TwinDocument desired, boolean checked) {

    /** The identity's fields a request carries, each null when absent. */
    public record Fields(DeviceStatus status, String statusReason, Authentication authentication, Boolean iotEdge,
                         String deviceScope, List<String> parentScopes, String managedBy) {
        public static final Fields NONE = new Fields(null, null, null, null, null, null, null);

        public Fields withAuthentication(Authentication a) {
            return new Fields(status, statusReason, a, iotEdge, deviceScope, parentScopes, managedBy);
        }
    }

    public ImportItem {
        fields = fields == null ? Fields.NONE : fields;
    }

    public ImportItem(long lineNumber, DeviceKey key, ImportMode mode, String eTag, String twinETag, Fields fields,
                      TwinDocument tags, TwinDocument desired) {
        this(lineNumber, key, mode, eTag, twinETag, fields, tags, desired, false);
    }

    ImportItem checked(Authentication resolved) {
        return new ImportItem(lineNumber, key, mode, eTag, twinETag, fields.withAuthentication(resolved), tags,
                desired, true);
    }

    public String deviceId() { return key.deviceId(); }

    public String moduleId() { return key.moduleId(); }

    public DeviceStatus status() { return fields.status(); }

    public String statusReason() { return fields.statusReason(); }

    public Authentication authentication() { return fields.authentication(); }

    public Boolean iotEdge() { return fields.iotEdge(); }

    public String deviceScope() { return fields.deviceScope(); }

    public List<String> parentScopes() { return fields.parentScopes(); }

    public String managedBy() { return fields.managedBy(); }

    public ImportItem withMode(ImportMode newMode, String newETag) {
        return new ImportItem(lineNumber, key, newMode, newETag, twinETag, fields, tags, desired, checked);
    }

    public static ImportItem delete(String deviceId, String moduleId, ImportMode mode, String eTag) {
        return new ImportItem(1, new DeviceKey(deviceId, moduleId), mode, eTag, null, Fields.NONE, null, null);
    }
}

package dev.iolite.cli;

import dev.iolite.client.DeviceRegistry;
import dev.iolite.client.models.DeviceIdentity;
import dev.iolite.client.models.ModuleIdentity;

/** The symmetric key of a device or module, read through the service API, for connection strings and SAS tokens. */
final class DeviceKeys {
    private DeviceKeys() {}

    /** The primary (or secondary) key; a failure naming the identity when it has no symmetric keys (X.509). */
    static String of(DeviceRegistry registry, String deviceId, String moduleId, boolean secondary) {
        String type;
        String key;
        String what;
        if (moduleId == null) {
            DeviceIdentity d = registry.get(deviceId);
            type = d.getAuthenticationType();
            key = secondary ? d.getSecondaryKey() : d.getPrimaryKey();
            what = "device " + deviceId;
        } else {
            ModuleIdentity m = registry.getModule(deviceId, moduleId);
            type = m.getAuthenticationType();
            key = secondary ? m.getSecondaryKey() : m.getPrimaryKey();
            what = "module " + moduleId + " of device " + deviceId;
        }
        if (key == null || key.isBlank()) {
            throw new Connection.Failure(what + " has no symmetric key (authentication type " + type
                    + "): it authenticates with a certificate, not with a key");
        }
        return key;
    }
}

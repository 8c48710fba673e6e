package dev.iolite.server.registry;

/** Identifies a device ({@code moduleId} null) or a module identity within a hub. */
public record DeviceKey(String deviceId, String moduleId) {

    public static DeviceKey device(String deviceId) { return new DeviceKey(deviceId, null); }

    public DeviceKey parent() { return new DeviceKey(deviceId, null); }

    @Override
    public String toString() { return moduleId == null ? deviceId : deviceId + "/" + moduleId; }
}

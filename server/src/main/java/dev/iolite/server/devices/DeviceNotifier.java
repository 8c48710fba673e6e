package dev.iolite.server.devices;

import dev.iolite.server.registry.Device;
import dev.iolite.server.registry.RegistryListener;

import java.util.List;

/**
 * Tells connected identities what changed in the registry, whichever path changed it (the twin API,
 * bulk, import jobs): a desired-properties change becomes IoT Hub's notification, the difference between
 * the old and new desired documents as a JSON merge patch; a disabled or deleted identity is disconnected
 * (a deleted or disabled device takes its modules' connections along).
 */
public final class DeviceNotifier implements RegistryListener {
    private final DeviceSessions sessions;

    public DeviceNotifier(DeviceSessions sessions) {
        this.sessions = sessions;
    }

    @Override
    public boolean watches(String hub, dev.iolite.server.registry.DeviceKey key) {
        return sessions.holds(hub, key);
    }

    @Override
    public void changed(String hub, List<Change> changes) {
        for (Change c : changes) {
            Device before = c.before();
            Device after = c.after();
            if (after == null || !after.enabled()) {
                DeviceLink.CloseReason why = after == null ? DeviceLink.CloseReason.DELETED : DeviceLink.CloseReason.DISABLED;
                if (c.key().moduleId() == null) {
                    for (DeviceLink l : sessions.ofDevice(hub, c.key().deviceId())) l.close(why);
                } else {
                    sessions.find(hub, c.key()).ifPresent(l -> l.close(why));
                }
                continue;
            }
            if (before.twin().desired().equals(after.twin().desired())) continue;
            sessions.find(hub, c.key()).filter(DeviceLink::acceptsDesired).ifPresent(l ->
                    l.sendDesiredPatch(after.twin().version(), before.twin().desired().patchTo(after.twin().desired()).toString()));
        }
    }
}

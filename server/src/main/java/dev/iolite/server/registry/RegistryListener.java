package dev.iolite.server.registry;

import java.util.List;

/**
 * Learns of committed changes to identities it watches: the device side, which tells connected devices
 * of desired-property changes and disconnects identities that were disabled or deleted. Called on the
 * writer's thread after the commit, so it must return quickly.
 */
public interface RegistryListener {

    /** Whether changes to {@code key} matter; asked for each written identity before any change is made up. */
    boolean watches(String hub, DeviceKey key);

    /** Changes that committed, in the order of the writes that made them. */
    void changed(String hub, List<Change> changes);

    /**
     * One identity's change.
     *
     * @param key    the identity
     * @param before the identity as it was
     * @param after  as it is now, or null when it was deleted (a deleted device takes its modules along)
     */
    record Change(DeviceKey key, Device before, Device after) {}

    RegistryListener NONE = new RegistryListener() {
        @Override public boolean watches(String hub, DeviceKey key) { return false; }
        @Override public void changed(String hub, List<Change> changes) {}
    };
}

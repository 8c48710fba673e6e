package dev.iolite.server.devices;

import java.time.Instant;

/**
 * What the device surfaces report about connections, for {@code connectionState},
 * {@code connectionStateUpdatedTime}, {@code lastActivityTime} and {@code connectedDeviceCount}.
 * Calls return at once; the implementation writes them to the store in batches.
 */
public interface ConnectionEvents {

    /** {@code link} authenticated and is now the identity's connection on this node. */
    void connected(DeviceLink link, Instant at);

    /** {@code link} ended (closed by either side, or replaced). */
    void disconnected(DeviceLink link, Instant at);

    /** The device sent or received something on {@code link}; calls may be coalesced. */
    void active(DeviceLink link, Instant at);

    /** Events that go nowhere: for a server without a connection store, and for tests of other parts. */
    ConnectionEvents NONE = new ConnectionEvents() {
        @Override public void connected(DeviceLink link, Instant at) {}
        @Override public void disconnected(DeviceLink link, Instant at) {}
        @Override public void active(DeviceLink link, Instant at) {}
    };
}

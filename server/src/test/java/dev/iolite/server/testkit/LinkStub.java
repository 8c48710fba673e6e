package dev.iolite.server.testkit;

import dev.iolite.server.devices.DeviceLink;
import dev.iolite.server.registry.DeviceKey;

import java.util.concurrent.atomic.AtomicLong;

/**
 * A connection as a device surface reports it, for tests that drive the server's connection events in-process:
 * it carries the identity and a link id, and records nothing sent to it.
 */
public record LinkStub(String hub, DeviceKey key, long id) implements DeviceLink {
    private static final AtomicLong IDS = new AtomicLong(1_000_000);

    public static LinkStub of(String hub, String deviceId) {
        return new LinkStub(hub, new DeviceKey(deviceId, null), IDS.incrementAndGet());
    }

    public static LinkStub of(String hub, String deviceId, String moduleId) {
        return new LinkStub(hub, new DeviceKey(deviceId, moduleId), IDS.incrementAndGet());
    }

    @Override public boolean acceptsMethods() { return false; }

    @Override public boolean acceptsDesired() { return false; }

    @Override public void sendMethodRequest(String requestId, String methodName, String payload) {}

    @Override public void sendDesiredPatch(long version, String patch) {}

    @Override public void close(CloseReason reason) {}
}

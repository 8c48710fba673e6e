package dev.iolite.cli.simulate;

/**
 * What the hub sent to a simulated device, for a caller that measures it (the benchmark times desired patches).
 * Called on the device's event loop: return quickly and never block.
 */
public interface DeviceEvents {
    /** Nothing to hear. */
    DeviceEvents NONE = new DeviceEvents() {};

    /** A desired-property notification arrived, {@code version} from its topic (-1 when absent). */
    default void onDesired(String deviceId, long version, byte[] patch) {}

    /** A direct method request arrived; the device answers it with status 200 and the same payload. */
    default void onMethod(String deviceId, String method, byte[] payload) {}

    /** The device's twin read after connecting was answered. */
    default void onTwinRead(String deviceId) {}
}

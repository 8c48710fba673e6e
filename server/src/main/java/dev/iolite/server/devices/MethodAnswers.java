package dev.iolite.server.devices;

/** Where a surface hands a device's answer to a method request. */
public interface MethodAnswers {

    /**
     * The device on {@code from} answered request {@code requestId} with {@code status} and
     * {@code payload} (its body as sent, UTF-8; empty for none).
     */
    void answer(DeviceLink from, String requestId, int status, byte[] payload);
}

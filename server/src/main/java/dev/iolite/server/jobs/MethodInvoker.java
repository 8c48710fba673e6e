package dev.iolite.server.jobs;

import java.util.concurrent.CompletableFuture;

/** How a scheduled method job calls a device's direct method (the device side's calls, wherever the device is connected). */
@FunctionalInterface
public interface MethodInvoker {

    /**
     * Calls {@code method} on the device. Completes with the device's answer, or exceptionally with an
     * {@link dev.iolite.server.errors.IoliteException} of IoT Hub's code: 404103 DeviceNotOnline when it did not
     * connect within the connect timeout, 504101 when it did not answer within the response timeout.
     */
    CompletableFuture<Answer> invoke(String hub, String deviceId, Schedule.Method method);

    /** The device's answer: its status and its payload as JSON text (null when it sent none). */
    record Answer(int status, String payload) {}
}

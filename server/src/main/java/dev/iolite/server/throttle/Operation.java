package dev.iolite.server.throttle;

/**
 * The operation classes that IoT Hub throttles per hub, each with a bucket of its own (IoT Hub's
 * "quotas and throttling" page, https://learn.microsoft.com/azure/iot-hub/iot-hub-devguide-quotas-throttling).
 */
public enum Operation {
    /** Identity registry operations: create, get, list, update, delete; each device of a bulk call counts. */
    REGISTRY("identity registry operations"),
    /** {@code POST /devices/query}. */
    QUERY("queries"),
    /** Reading a device or module twin. */
    TWIN_READ("twin reads"),
    /** Replacing or patching a device or module twin. */
    TWIN_UPDATE("twin updates"),
    /** Import and export jobs: create, list, get, cancel. */
    JOBS("jobs operations"),
    /** Configurations and IoT Edge deployments: create, replace, get, list, delete, test queries. */
    CONFIGURATIONS("configurations operations"),
    /**
     * Direct method calls, metered by size as IoT Hub meters them: each call counts one per started 4 KB of its
     * request body.
     */
    METHODS("direct method traffic (in 4 KB units)");

    private final String label;

    Operation(String label) { this.label = label; }

    /** What a person calls it, for messages. */
    public String label() { return label; }
}

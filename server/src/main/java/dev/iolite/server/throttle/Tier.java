package dev.iolite.server.throttle;

/**
 * IoT Hub's standard tiers and their per-hub rates, as "Azure IoT Hub quotas and throttling" documents them
 * (https://learn.microsoft.com/azure/iot-hub/iot-hub-devguide-quotas-throttling): most rates grow with the
 * hub's units; S1's twin rates do not, and S2's are the higher of a floor and a per-unit rate.
 */
public enum Tier {
    S1, S2, S3;

    /** The rate of {@code op} for a hub of this tier with {@code units} units. */
    public Rate rate(Operation op, int units) {
        return switch (this) {
            case S1 -> switch (op) {
                case REGISTRY, JOBS -> Rate.perMinute(100L * units);
                case QUERY, CONFIGURATIONS -> Rate.perMinute(20L * units);
                case TWIN_READ -> Rate.perSecond(100);
                case TWIN_UPDATE -> Rate.perSecond(50);
                case METHODS -> Rate.perSecond(40L * units);  // 160 KB/s per unit, in 4 KB units
            };
            case S2 -> switch (op) {
                case REGISTRY, JOBS -> Rate.perMinute(100L * units);
                case QUERY, CONFIGURATIONS -> Rate.perMinute(20L * units);
                case TWIN_READ -> Rate.perSecond(Math.max(100, 10L * units));
                case TWIN_UPDATE -> Rate.perSecond(Math.max(50, 5L * units));
                case METHODS -> Rate.perSecond(120L * units);  // 480 KB/s per unit
            };
            case S3 -> switch (op) {
                case REGISTRY, JOBS -> Rate.perMinute(5000L * units);
                case QUERY -> Rate.perMinute(1000L * units);
                case CONFIGURATIONS -> Rate.perMinute(20L * units);
                case TWIN_READ -> Rate.perSecond(500L * units);
                case TWIN_UPDATE -> Rate.perSecond(250L * units);
                case METHODS -> Rate.perSecond(6000L * units);  // 24 MB/s per unit
            };
        };
    }
}

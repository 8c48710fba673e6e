package dev.iolite.server.configurations;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The system metrics of a configuration, as the queries IoT Hub shows for them: how many devices (or modules) the
 * target condition selects, how many have the configuration applied, and for an IoT Edge deployment how many edge
 * agents report its version applied with success or failure.
 */
public final class SystemMetrics {
    public static final String TARGETED = "targetedCount";
    public static final String APPLIED = "appliedCount";
    public static final String REPORTED_SUCCESSFUL = "reportedSuccessfulCount";
    public static final String REPORTED_FAILED = "reportedFailedCount";

    private SystemMetrics() {}

    /** The metrics' names and queries, in IoT Hub's order; none for a configuration without a target condition. */
    public static Map<String, String> queries(Configuration c) {
        Map<String, String> out = new LinkedHashMap<>();
        String condition = c.targetCondition().trim();
        if (condition.isEmpty()) return out;
        String status = "configurations.[[" + c.id() + "]].status = 'Applied'";
        if (c.kind() == Configuration.ContentKind.MODULE) {
            out.put(TARGETED, "select deviceId, moduleId " + condition);
            out.put(APPLIED, "select deviceId, moduleId from devices.modules where " + status);
        } else if (c.kind() == Configuration.ContentKind.MODULES) {
            out.put(TARGETED, "select deviceId from devices where capabilities.iotEdge = true"
                    + (condition.equals("*") ? "" : " and " + condition));
            out.put(APPLIED, "select deviceId from devices.modules where moduleId = '$edgeAgent' and " + status);
            String agent = "select deviceId from devices.modules where moduleId = '$edgeAgent' and " + status
                    + " and properties.desired.$version = properties.reported.lastDesiredVersion"
                    + " and properties.reported.lastDesiredStatus.code ";
            out.put(REPORTED_SUCCESSFUL, agent + "= 200");
            out.put(REPORTED_FAILED, agent + "!= 200");
        } else {
            out.put(TARGETED, "select deviceId from devices" + (condition.equals("*") ? "" : " where " + condition));
            out.put(APPLIED, "select deviceId from devices where " + status);
        }
        return out;
    }
}

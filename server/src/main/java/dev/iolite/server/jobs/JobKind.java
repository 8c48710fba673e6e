package dev.iolite.server.jobs;

import dev.iolite.server.errors.ErrorCode;
import dev.iolite.server.errors.IoliteException;

/**
 * The job kinds this registry runs: the bulk jobs (import, export) and IoT Hub's scheduled jobs (jobs v2: a twin
 * update or a direct method over the devices a condition selects).
 */
public enum JobKind {
    EXPORT("export"), IMPORT("import"), SCHEDULE_UPDATE_TWIN("scheduleUpdateTwin"), SCHEDULE_DEVICE_METHOD("scheduleDeviceMethod");

    private final String wireName;

    JobKind(String wireName) { this.wireName = wireName; }

    public String wireName() { return wireName; }

    /** Whether this is a scheduled job (jobs v2) rather than a bulk one. */
    public boolean isScheduled() { return this == SCHEDULE_UPDATE_TWIN || this == SCHEDULE_DEVICE_METHOD; }

    /** Parses a bulk job's type, in any case; other job types of IoT Hub are refused, naming the field. */
    public static JobKind parse(String value, String field) {
        if (EXPORT.wireName.equalsIgnoreCase(value)) return EXPORT;
        if (IMPORT.wireName.equalsIgnoreCase(value)) return IMPORT;
        throw new IoliteException(ErrorCode.ARGUMENT_INVALID,
                "'" + field + "' must be 'export' or 'import', not " + (value == null ? "missing" : "'" + value + "'"));
    }

    /** Parses any kind by its wire name or its Java name, in any case; null when it names none. */
    public static JobKind find(String value) {
        if (value == null) return null;
        for (JobKind k : values()) {
            if (k.wireName.equalsIgnoreCase(value) || k.name().equalsIgnoreCase(value)) return k;
        }
        return null;
    }
}

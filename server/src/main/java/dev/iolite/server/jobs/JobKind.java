package dev.iolite.server.jobs;

import dev.iolite.server.errors.ErrorCode;
import dev.iolite.server.errors.IoliteException;

/** The job kinds this registry runs. */
public enum JobKind {
    EXPORT, IMPORT;

    public String wireName() { return name().toLowerCase(java.util.Locale.ROOT); }

    /** Parses any case; other job types of IoT Hub are refused, naming the field. */
    public static JobKind parse(String value, String field) {
        for (JobKind t : values()) {
            if (t.name().equalsIgnoreCase(value)) return t;
        }
        throw new IoliteException(ErrorCode.ARGUMENT_INVALID,
                "'" + field + "' must be 'export' or 'import', not " + (value == null ? "missing" : "'" + value + "'"));
    }
}

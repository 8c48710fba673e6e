package dev.iolite.client.models;

import com.azure.core.util.ExpandableStringEnum;
import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

import java.util.Collection;

/** The type of a job. Values the client does not know are kept as they were sent. */
public final class JobType extends ExpandableStringEnum<JobType> {
    /** A job of a type the service did not name. */
    public static final JobType UNKNOWN = fromString("unknown");
    /** A bulk export of device identities to a blob. */
    public static final JobType EXPORT = fromString("export");
    /** A bulk import of device identities from a blob. */
    public static final JobType IMPORT = fromString("import");
    /** A scheduled job (jobs v2) that merges a patch into the tags and desired properties of twins. */
    public static final JobType SCHEDULE_UPDATE_TWIN = fromString("scheduleUpdateTwin");
    /** A scheduled job (jobs v2) that calls a direct method on devices. */
    public static final JobType SCHEDULE_DEVICE_METHOD = fromString("scheduleDeviceMethod");

    /**
     * Creates an instance; use {@link #fromString} instead.
     *
     * @deprecated only for the enum machinery of azure-core
     */
    @Deprecated
    public JobType() {}

    /**
     * The job type for a wire value, matched without regard to case.
     *
     * @param name the value as sent, may be null
     * @return the known type of that name, or a new type carrying the value; null for null
     */
    @JsonCreator
    public static JobType fromString(String name) {
        return name == null ? null : fromString(Values.canonical(name, values(JobType.class)), JobType.class);
    }

    /** @return true for the types of scheduled jobs (jobs v2): twin updates and method calls */
    public boolean isScheduled() {
        return equals(SCHEDULE_UPDATE_TWIN) || equals(SCHEDULE_DEVICE_METHOD);
    }

    /** @return the known job types */
    public static Collection<JobType> values() { return values(JobType.class); }

    /** @return the wire value */
    @JsonValue
    @Override
    public String toString() { return super.toString(); }
}

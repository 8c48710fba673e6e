package dev.iolite.client.models;

import com.azure.core.util.ExpandableStringEnum;
import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

import java.util.Collection;

/** The status of a job. Values the client does not know are kept as they were sent. */
public final class JobStatus extends ExpandableStringEnum<JobStatus> {
    /** A status the service did not name. */
    public static final JobStatus UNKNOWN = fromString("unknown");
    /** Waiting for a runner. */
    public static final JobStatus ENQUEUED = fromString("enqueued");
    /** A scheduled job waiting for its start time. */
    public static final JobStatus SCHEDULED = fromString("scheduled");
    /** A scheduled job due to start, waiting for a runner. */
    public static final JobStatus QUEUED = fromString("queued");
    /** Running. */
    public static final JobStatus RUNNING = fromString("running");
    /** Finished; failed lines, if any, are in the error log. */
    public static final JobStatus COMPLETED = fromString("completed");
    /** Stopped by a problem named in the failure reason. */
    public static final JobStatus FAILED = fromString("failed");
    /** Stopped on request. */
    public static final JobStatus CANCELLED = fromString("cancelled");

    /**
     * Creates an instance; use {@link #fromString} instead.
     *
     * @deprecated only for the enum machinery of azure-core
     */
    @Deprecated
    public JobStatus() {}

    /**
     * The job type for a wire value, matched without regard to case.
     *
     * @param name the value as sent, may be null
     * @return the known status of that name, or a new status carrying the value; null for null
     */
    @JsonCreator
    public static JobStatus fromString(String name) {
        return name == null ? null : fromString(Values.canonical(name, values(JobStatus.class)), JobStatus.class);
    }

    /** @return the known job statuses */
    public static Collection<JobStatus> values() { return values(JobStatus.class); }

    /** @return true for completed, failed and cancelled: the job will not change again */
    public boolean isTerminal() {
        return equals(COMPLETED) || equals(FAILED) || equals(CANCELLED);
    }

    /** @return the wire value */
    @JsonValue
    @Override
    public String toString() { return super.toString(); }
}

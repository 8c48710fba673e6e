package dev.iolite.client.models;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;

import java.time.OffsetDateTime;
import java.util.Objects;

/**
 * A scheduled job (jobs v2) as the service API reports it ({@code JobResponse} of
 * https://learn.microsoft.com/rest/api/iothub/service/jobs/get-scheduled-job): a twin update or a direct method call
 * over the devices a condition selects, from a start time.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public final class ScheduledJob {
    @JsonProperty("jobId")
    private String jobId;

    @JsonProperty("type")
    private JobType type;

    @JsonProperty("status")
    private JobStatus status;

    @JsonProperty("queryCondition")
    private String queryCondition;

    @JsonProperty("createdTime")
    @JsonDeserialize(using = FlexibleTimeDeserializer.class)
    private OffsetDateTime createdTime;

    @JsonProperty("startTime")
    @JsonDeserialize(using = FlexibleTimeDeserializer.class)
    private OffsetDateTime startTime;

    @JsonProperty("endTime")
    @JsonDeserialize(using = FlexibleTimeDeserializer.class)
    private OffsetDateTime endTime;

    @JsonProperty("maxExecutionTimeInSeconds")
    private Long maxExecutionTimeInSeconds;

    @JsonProperty("updateTwin")
    private JsonNode updateTwin;

    @JsonProperty("cloudToDeviceMethod")
    private JsonNode cloudToDeviceMethod;

    @JsonProperty("failureReason")
    private String failureReason;

    @JsonProperty("statusMessage")
    private String statusMessage;

    @JsonProperty("deviceJobStatistics")
    private DeviceJobStatistics deviceJobStatistics;

    /** Creates an empty instance, as the service's answer fills it. */
    public ScheduledJob() {}

    /** @return the job id, the caller's own */
    public String getJobId() { return jobId; }

    /** @return {@link JobType#SCHEDULE_UPDATE_TWIN} or {@link JobType#SCHEDULE_DEVICE_METHOD} */
    public JobType getType() { return type; }

    /**
     * @return the status: {@code scheduled} before the start time, {@code queued} when due, then {@code running},
     *         and at the end {@code completed}, {@code failed} or {@code cancelled}
     */
    public JobStatus getStatus() { return status; }

    /** @return the condition that selects the job's devices, as after WHERE */
    public String getQueryCondition() { return queryCondition; }

    /** @return when the job was created */
    public OffsetDateTime getCreatedTime() { return createdTime; }

    /** @return when the job starts, or started */
    public OffsetDateTime getStartTime() { return startTime; }

    /** @return when the job ended; null until then */
    public OffsetDateTime getEndTime() { return endTime; }

    /** @return how long the job may run from its start before it fails, in seconds */
    public Long getMaxExecutionTimeInSeconds() { return maxExecutionTimeInSeconds; }

    /** @return a twin job's patch ({@code tags} and {@code properties.desired}); null for a method job */
    public JsonNode getUpdateTwin() { return updateTwin; }

    /**
     * @return a method job's call ({@code methodName}, {@code payload}, {@code responseTimeoutInSeconds},
     *         {@code connectTimeoutInSeconds}); null for a twin job
     */
    public JsonNode getCloudToDeviceMethod() { return cloudToDeviceMethod; }

    /** @return why the job failed, if it did */
    public String getFailureReason() { return failureReason; }

    /** @return a message about the job's status, if any */
    public String getStatusMessage() { return statusMessage; }

    /** @return the job's device counts; null from a service that sends none */
    public DeviceJobStatistics getDeviceJobStatistics() { return deviceJobStatistics; }

    @Override
    public boolean equals(Object other) {
        if (this == other) return true;
        if (!(other instanceof ScheduledJob o)) return false;
        return Objects.equals(jobId, o.jobId) && Objects.equals(type, o.type) && Objects.equals(status, o.status)
                && Objects.equals(queryCondition, o.queryCondition) && Objects.equals(createdTime, o.createdTime)
                && Objects.equals(startTime, o.startTime) && Objects.equals(endTime, o.endTime)
                && Objects.equals(maxExecutionTimeInSeconds, o.maxExecutionTimeInSeconds)
                && Objects.equals(updateTwin, o.updateTwin) && Objects.equals(cloudToDeviceMethod, o.cloudToDeviceMethod)
                && Objects.equals(failureReason, o.failureReason) && Objects.equals(statusMessage, o.statusMessage)
                && Objects.equals(deviceJobStatistics, o.deviceJobStatistics);
    }

    @Override
    public int hashCode() {
        return Objects.hash(jobId, type, status, queryCondition, createdTime, startTime, endTime, maxExecutionTimeInSeconds,
                updateTwin, cloudToDeviceMethod, failureReason, statusMessage, deviceJobStatistics);
    }

    @Override
    public String toString() {
        return "ScheduledJob{jobId=" + jobId + ", type=" + type + ", status=" + status + ", queryCondition=" + queryCondition
                + ", startTime=" + startTime + ", endTime=" + endTime + ", deviceJobStatistics=" + deviceJobStatistics + "}";
    }
}

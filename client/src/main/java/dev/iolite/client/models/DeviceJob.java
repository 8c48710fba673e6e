package dev.iolite.client.models;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;

import java.time.OffsetDateTime;

/**
 * One device's result in a scheduled job: a row of {@code devices.jobs}, as {@code SELECT * FROM devices.jobs}
 * returns it. A failed row names its error, such as {@code DeviceNotOnline} for a method call to a device that is
 * not connected.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public final class DeviceJob {
    @JsonProperty("deviceId")
    private String deviceId;

    @JsonProperty("jobId")
    private String jobId;

    @JsonProperty("jobType")
    private JobType jobType;

    @JsonProperty("status")
    private JobStatus status;

    @JsonProperty("startTimeUtc")
    @JsonDeserialize(using = FlexibleTimeDeserializer.class)
    private OffsetDateTime startTimeUtc;

    @JsonProperty("endTimeUtc")
    @JsonDeserialize(using = FlexibleTimeDeserializer.class)
    private OffsetDateTime endTimeUtc;

    @JsonProperty("outcome")
    private JsonNode outcome;

    @JsonProperty("error")
    private JsonNode error;

    /** Creates an empty instance, as the service's answer fills it. */
    public DeviceJob() {}

    /** @return the device */
    public String getDeviceId() { return deviceId; }

    /** @return the job */
    public String getJobId() { return jobId; }

    /** @return the job's type */
    public JobType getJobType() { return jobType; }

    /** @return {@code completed} or {@code failed} */
    public JobStatus getStatus() { return status; }

    /** @return when the job started on this device */
    public OffsetDateTime getStartTimeUtc() { return startTimeUtc; }

    /** @return when the job was done with this device */
    public OffsetDateTime getEndTimeUtc() { return endTimeUtc; }

    /** @return the outcome: for a method job {@code deviceMethodResponse} with the device's status and payload */
    public JsonNode getOutcome() { return outcome; }

    /** @return the error, {@code code} and {@code description}; null when the device succeeded */
    public JsonNode getError() { return error; }

    /** @return the error's code, such as {@code DeviceNotOnline}; null when the device succeeded */
    @JsonIgnore
    public String getErrorCode() { return error == null || !error.hasNonNull("code") ? null : error.get("code").asText(); }

    /** @return the error's description; null when the device succeeded */
    @JsonIgnore
    public String getErrorDescription() {
        return error == null || !error.hasNonNull("description") ? null : error.get("description").asText();
    }

    @Override
    public String toString() {
        return "DeviceJob{deviceId=" + deviceId + ", jobId=" + jobId + ", status=" + status + ", error=" + error + "}";
    }
}

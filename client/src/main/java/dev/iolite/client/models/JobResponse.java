package dev.iolite.client.models;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import java.time.OffsetDateTime;
import java.util.Objects;

/** A bulk job as the service reports it. Iolite's extra fields are null from services that do not send them. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public final class JobResponse {
    @JsonProperty("jobId")
    private String jobId;

    @JsonProperty("startTimeUtc")
    @JsonDeserialize(using = FlexibleTimeDeserializer.class)
    private OffsetDateTime startTimeUtc;

    @JsonProperty("endTimeUtc")
    @JsonDeserialize(using = FlexibleTimeDeserializer.class)
    private OffsetDateTime endTimeUtc;

    @JsonProperty("type")
    private JobType type;

    @JsonProperty("status")
    private JobStatus status;

    @JsonProperty("progress")
    private Integer progress;

    @JsonProperty("inputBlobContainerUri")
    private String inputBlobContainerUri;

    @JsonProperty("inputBlobUri")
    private String inputBlobUri;

    @JsonProperty("outputBlobContainerUri")
    private String outputBlobContainerUri;

    @JsonProperty("outputBlobUri")
    private String outputBlobUri;

    @JsonProperty("excludeKeysInExport")
    private Boolean excludeKeysInExport;

    @JsonProperty("failureReason")
    private String failureReason;

    @JsonProperty("statusMessage")
    private String statusMessage;

    @JsonProperty("parentJobId")
    private String parentJobId;

    @JsonProperty("devicesProcessed")
    private Long devicesProcessed;

    @JsonProperty("devicesSucceeded")
    private Long devicesSucceeded;

    @JsonProperty("devicesFailed")
    private Long devicesFailed;

    @JsonProperty("devicesPerSecond")
    private Double devicesPerSecond;

    @JsonProperty("etaSeconds")
    private Long etaSeconds;

    /** Creates an empty instance. */
    public JobResponse() {}

    /** @return the job id */
    public String getJobId() { return jobId; }

    /**
     * Sets the job id.
     *
     * @param jobId the value
     * @return this object
     */
    public JobResponse setJobId(String jobId) {
        this.jobId = jobId;
        return this;
    }

    /** @return when the job started (or was created, while enqueued) */
    public OffsetDateTime getStartTimeUtc() { return startTimeUtc; }

    /**
     * Sets when the job started (or was created, while enqueued).
     *
     * @param startTimeUtc the value
     * @return this object
     */
    public JobResponse setStartTimeUtc(OffsetDateTime startTimeUtc) {
        this.startTimeUtc = startTimeUtc;
        return this;
    }

    /** @return when the job ended; null while it runs */
    public OffsetDateTime getEndTimeUtc() { return endTimeUtc; }

    /**
     * Sets when the job ended.
     *
     * @param endTimeUtc the value
     * @return this object
     */
    public JobResponse setEndTimeUtc(OffsetDateTime endTimeUtc) {
        this.endTimeUtc = endTimeUtc;
        return this;
    }

    /** @return the job type */
    public JobType getType() { return type; }

    /**
     * Sets the job type.
     *
     * @param type the value
     * @return this object
     */
    public JobResponse setType(JobType type) {
        this.type = type;
        return this;
    }

    /** @return the job status */
    public JobStatus getStatus() { return status; }

    /**
     * Sets the job status.
     *
     * @param status the value
     * @return this object
     */
    public JobResponse setStatus(JobStatus status) {
        this.status = status;
        return this;
    }

    /** @return the progress in percent */
    public Integer getProgress() { return progress; }

    /**
     * Sets the progress in percent.
     *
     * @param progress the value
     * @return this object
     */
    public JobResponse setProgress(Integer progress) {
        this.progress = progress;
        return this;
    }

    /** @return the input container, without its SAS */
    public String getInputBlobContainerUri() { return inputBlobContainerUri; }

    /**
     * Sets the input container, without its SAS.
     *
     * @param inputBlobContainerUri the value
     * @return this object
     */
    public JobResponse setInputBlobContainerUri(String inputBlobContainerUri) {
        this.inputBlobContainerUri = inputBlobContainerUri;
        return this;
    }

    /** @return the input blob, without a SAS */
    public String getInputBlobUri() { return inputBlobUri; }

    /**
     * Sets the input blob, without a SAS.
     *
     * @param inputBlobUri the value
     * @return this object
     */
    public JobResponse setInputBlobUri(String inputBlobUri) {
        this.inputBlobUri = inputBlobUri;
        return this;
    }

    /** @return the output container, without its SAS */
    public String getOutputBlobContainerUri() { return outputBlobContainerUri; }

    /**
     * Sets the output container, without its SAS.
     *
     * @param outputBlobContainerUri the value
     * @return this object
     */
    public JobResponse setOutputBlobContainerUri(String outputBlobContainerUri) {
        this.outputBlobContainerUri = outputBlobContainerUri;
        return this;
    }

    /** @return the output blob (export or error log), without a SAS */
    public String getOutputBlobUri() { return outputBlobUri; }

    /**
     * Sets the output blob (export or error log), without a SAS.
     *
     * @param outputBlobUri the value
     * @return this object
     */
    public JobResponse setOutputBlobUri(String outputBlobUri) {
        this.outputBlobUri = outputBlobUri;
        return this;
    }

    /** @return whether an export leaves keys out */
    public Boolean getExcludeKeysInExport() { return excludeKeysInExport; }

    /**
     * Sets whether an export leaves keys out.
     *
     * @param excludeKeysInExport the value
     * @return this object
     */
    public JobResponse setExcludeKeysInExport(Boolean excludeKeysInExport) {
        this.excludeKeysInExport = excludeKeysInExport;
        return this;
    }

    /** @return why the job failed, for a person to act on */
    public String getFailureReason() { return failureReason; }

    /**
     * Sets why the job failed, for a person to act on.
     *
     * @param failureReason the value
     * @return this object
     */
    public JobResponse setFailureReason(String failureReason) {
        this.failureReason = failureReason;
        return this;
    }

    /** @return a message about the job status */
    public String getStatusMessage() { return statusMessage; }

    /**
     * Sets a message about the job status.
     *
     * @param statusMessage the value
     * @return this object
     */
    public JobResponse setStatusMessage(String statusMessage) {
        this.statusMessage = statusMessage;
        return this;
    }

    /** @return the job this one was created from, if any */
    public String getParentJobId() { return parentJobId; }

    /**
     * Sets the job this one was created from, if any.
     *
     * @param parentJobId the value
     * @return this object
     */
    public JobResponse setParentJobId(String parentJobId) {
        this.parentJobId = parentJobId;
        return this;
    }

    /** @return lines or identities handled so far (Iolite) */
    public Long getDevicesProcessed() { return devicesProcessed; }

    /**
     * Sets lines or identities handled so far (Iolite).
     *
     * @param devicesProcessed the value
     * @return this object
     */
    public JobResponse setDevicesProcessed(Long devicesProcessed) {
        this.devicesProcessed = devicesProcessed;
        return this;
    }

    /** @return lines or identities applied or written (Iolite) */
    public Long getDevicesSucceeded() { return devicesSucceeded; }

    /**
     * Sets lines or identities applied or written (Iolite).
     *
     * @param devicesSucceeded the value
     * @return this object
     */
    public JobResponse setDevicesSucceeded(Long devicesSucceeded) {
        this.devicesSucceeded = devicesSucceeded;
        return this;
    }

    /** @return lines that failed and are in the error log (Iolite) */
    public Long getDevicesFailed() { return devicesFailed; }

    /**
     * Sets lines that failed and are in the error log (Iolite).
     *
     * @param devicesFailed the value
     * @return this object
     */
    public JobResponse setDevicesFailed(Long devicesFailed) {
        this.devicesFailed = devicesFailed;
        return this;
    }

    /** @return the job's rate (Iolite) */
    public Double getDevicesPerSecond() { return devicesPerSecond; }

    /**
     * Sets the job's rate (Iolite).
     *
     * @param devicesPerSecond the value
     * @return this object
     */
    public JobResponse setDevicesPerSecond(Double devicesPerSecond) {
        this.devicesPerSecond = devicesPerSecond;
        return this;
    }

    /** @return the estimated seconds left while running (Iolite) */
    public Long getEtaSeconds() { return etaSeconds; }

    /**
     * Sets the estimated seconds left while running (Iolite).
     *
     * @param etaSeconds the value
     * @return this object
     */
    public JobResponse setEtaSeconds(Long etaSeconds) {
        this.etaSeconds = etaSeconds;
        return this;
    }

    @Override
    public boolean equals(Object other) {
        if (this == other) return true;
        if (!(other instanceof JobResponse o)) return false;
        return Objects.equals(jobId, o.jobId)
                && Objects.equals(startTimeUtc, o.startTimeUtc)
                && Objects.equals(endTimeUtc, o.endTimeUtc)
                && Objects.equals(type, o.type)
                && Objects.equals(status, o.status)
                && Objects.equals(progress, o.progress)
                && Objects.equals(inputBlobContainerUri, o.inputBlobContainerUri)
                && Objects.equals(inputBlobUri, o.inputBlobUri)
                && Objects.equals(outputBlobContainerUri, o.outputBlobContainerUri)
                && Objects.equals(outputBlobUri, o.outputBlobUri)
                && Objects.equals(excludeKeysInExport, o.excludeKeysInExport)
                && Objects.equals(failureReason, o.failureReason)
                && Objects.equals(statusMessage, o.statusMessage)
                && Objects.equals(parentJobId, o.parentJobId)
                && Objects.equals(devicesProcessed, o.devicesProcessed)
                && Objects.equals(devicesSucceeded, o.devicesSucceeded)
                && Objects.equals(devicesFailed, o.devicesFailed)
                && Objects.equals(devicesPerSecond, o.devicesPerSecond)
                && Objects.equals(etaSeconds, o.etaSeconds);
    }

    @Override
    public int hashCode() {
        return Objects.hash(jobId, startTimeUtc, endTimeUtc, type, status, progress, inputBlobContainerUri, inputBlobUri, outputBlobContainerUri, outputBlobUri, excludeKeysInExport, failureReason, statusMessage, parentJobId, devicesProcessed, devicesSucceeded, devicesFailed, devicesPerSecond, etaSeconds);
    }

    @Override
    public String toString() {
        return "JobResponse{" + "jobId=" + jobId + ", " + "startTimeUtc=" + startTimeUtc + ", " + "endTimeUtc=" + endTimeUtc + ", " + "type=" + type + ", " + "status=" + status + ", " + "progress=" + progress + ", " + "inputBlobContainerUri=" + inputBlobContainerUri + ", " + "inputBlobUri=" + inputBlobUri + ", " + "outputBlobContainerUri=" + outputBlobContainerUri + ", " + "outputBlobUri=" + outputBlobUri + ", " + "excludeKeysInExport=" + excludeKeysInExport + ", " + "failureReason=" + failureReason + ", " + "statusMessage=" + statusMessage + ", " + "parentJobId=" + parentJobId + ", " + "devicesProcessed=" + devicesProcessed + ", " + "devicesSucceeded=" + devicesSucceeded + ", " + "devicesFailed=" + devicesFailed + ", " + "devicesPerSecond=" + devicesPerSecond + ", " + "etaSeconds=" + etaSeconds + "}";
    }
}

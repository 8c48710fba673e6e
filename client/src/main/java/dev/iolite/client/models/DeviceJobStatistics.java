package dev.iolite.client.models;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;

import java.util.Objects;

/** A scheduled job's device counts ({@code deviceJobStatistics}). */
@JsonIgnoreProperties(ignoreUnknown = true)
public final class DeviceJobStatistics {
    @JsonProperty("deviceCount")
    private long deviceCount;

    @JsonProperty("succeededCount")
    private long succeededCount;

    @JsonProperty("failedCount")
    private long failedCount;

    @JsonProperty("runningCount")
    private long runningCount;

    @JsonProperty("pendingCount")
    private long pendingCount;

    /** Creates an empty instance, as the service's answer fills it. */
    public DeviceJobStatistics() {}

    /** @return the devices the job's condition selected */
    public long getDeviceCount() { return deviceCount; }

    /** @return the devices whose twin was updated, or whose method call was answered */
    public long getSucceededCount() { return succeededCount; }

    /** @return the devices that failed, each with its error in {@code devices.jobs} */
    public long getFailedCount() { return failedCount; }

    /** @return the devices being worked on */
    public long getRunningCount() { return runningCount; }

    /** @return the devices not reached yet */
    public long getPendingCount() { return pendingCount; }

    @Override
    public boolean equals(Object other) {
        return other instanceof DeviceJobStatistics o && deviceCount == o.deviceCount && succeededCount == o.succeededCount
                && failedCount == o.failedCount && runningCount == o.runningCount && pendingCount == o.pendingCount;
    }

    @Override
    public int hashCode() { return Objects.hash(deviceCount, succeededCount, failedCount, runningCount, pendingCount); }

    @Override
    public String toString() {
        return "DeviceJobStatistics{deviceCount=" + deviceCount + ", succeededCount=" + succeededCount + ", failedCount="
                + failedCount + ", runningCount=" + runningCount + ", pendingCount=" + pendingCount + "}";
    }
}

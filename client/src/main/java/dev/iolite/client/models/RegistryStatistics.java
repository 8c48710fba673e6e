package dev.iolite.client.models;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Objects;

/** The device counts of a hub's identity registry. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public final class RegistryStatistics {
    @JsonProperty("totalDeviceCount")
    private Long totalDeviceCount;

    @JsonProperty("enabledDeviceCount")
    private Long enabledDeviceCount;

    @JsonProperty("disabledDeviceCount")
    private Long disabledDeviceCount;

    /** Creates an empty instance. */
    public RegistryStatistics() {}

    /** @return the number of device identities */
    public Long getTotalDeviceCount() { return totalDeviceCount; }

    /**
     * Sets the number of device identities.
     *
     * @param totalDeviceCount the value
     * @return this object
     */
    public RegistryStatistics setTotalDeviceCount(Long totalDeviceCount) {
        this.totalDeviceCount = totalDeviceCount;
        return this;
    }

    /** @return the number of enabled device identities */
    public Long getEnabledDeviceCount() { return enabledDeviceCount; }

    /**
     * Sets the number of enabled device identities.
     *
     * @param enabledDeviceCount the value
     * @return this object
     */
    public RegistryStatistics setEnabledDeviceCount(Long enabledDeviceCount) {
        this.enabledDeviceCount = enabledDeviceCount;
        return this;
    }

    /** @return the number of disabled device identities */
    public Long getDisabledDeviceCount() { return disabledDeviceCount; }

    /**
     * Sets the number of disabled device identities.
     *
     * @param disabledDeviceCount the value
     * @return this object
     */
    public RegistryStatistics setDisabledDeviceCount(Long disabledDeviceCount) {
        this.disabledDeviceCount = disabledDeviceCount;
        return this;
    }

    @Override
    public boolean equals(Object other) {
        if (this == other) return true;
        if (!(other instanceof RegistryStatistics o)) return false;
        return Objects.equals(totalDeviceCount, o.totalDeviceCount)
                && Objects.equals(enabledDeviceCount, o.enabledDeviceCount)
                && Objects.equals(disabledDeviceCount, o.disabledDeviceCount);
    }

    @Override
    public int hashCode() {
        return Objects.hash(totalDeviceCount, enabledDeviceCount, disabledDeviceCount);
    }

    @Override
    public String toString() {
        return "RegistryStatistics{" + "totalDeviceCount=" + totalDeviceCount + ", " + "enabledDeviceCount=" + enabledDeviceCount + ", " + "disabledDeviceCount=" + disabledDeviceCount + "}";
    }
}

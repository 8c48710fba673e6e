package dev.iolite.client.models;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import java.time.OffsetDateTime;
import java.util.Objects;

/** A device identity in a hub's registry (the service API's device, the fields this client uses). */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public final class DeviceIdentity {
    @JsonProperty("deviceId")
    private String deviceId;

    @JsonProperty("status")
    private String status;

    @JsonProperty("statusReason")
    private String statusReason;

    @JsonProperty("etag")
    private String etag;

    @JsonProperty(value = "authenticationType", access = JsonProperty.Access.READ_ONLY)
    private String authenticationType;

    @JsonProperty(value = "primaryKey", access = JsonProperty.Access.READ_ONLY)
    private String primaryKey;

    @JsonProperty(value = "secondaryKey", access = JsonProperty.Access.READ_ONLY)
    private String secondaryKey;

    @JsonProperty("connectionState")
    private String connectionState;

    @JsonProperty("lastActivityTime")
    @JsonDeserialize(using = FlexibleTimeDeserializer.class)
    private OffsetDateTime lastActivityTime;

    /** Creates an empty instance. */
    public DeviceIdentity() {}

    /** @return the device id */
    public String getDeviceId() { return deviceId; }

    /**
     * Sets the device id.
     *
     * @param deviceId the value
     * @return this object
     */
    public DeviceIdentity setDeviceId(String deviceId) {
        this.deviceId = deviceId;
        return this;
    }

    /** @return enabled or disabled */
    public String getStatus() { return status; }

    /**
     * Sets enabled or disabled.
     *
     * @param status the value
     * @return this object
     */
    public DeviceIdentity setStatus(String status) {
        this.status = status;
        return this;
    }

    /** @return why the status was set */
    public String getStatusReason() { return statusReason; }

    /**
     * Sets why the status was set.
     *
     * @param statusReason the value
     * @return this object
     */
    public DeviceIdentity setStatusReason(String statusReason) {
        this.statusReason = statusReason;
        return this;
    }

    /** @return the identity's etag */
    public String getEtag() { return etag; }

    /**
     * Sets the identity's etag.
     *
     * @param etag the value
     * @return this object
     */
    public DeviceIdentity setEtag(String etag) {
        this.etag = etag;
        return this;
    }

    /** @return sas, selfSigned, certificateAuthority or none */
    public String getAuthenticationType() { return authenticationType; }

    /**
     * Sets sas, selfSigned, certificateAuthority or none.
     *
     * @param authenticationType the value
     * @return this object
     */
    public DeviceIdentity setAuthenticationType(String authenticationType) {
        this.authenticationType = authenticationType;
        return this;
    }

    /** @return the primary symmetric key, base64; null for other authentication types */
    public String getPrimaryKey() { return primaryKey; }

    /**
     * Sets the primary symmetric key, base64.
     *
     * @param primaryKey the value
     * @return this object
     */
    public DeviceIdentity setPrimaryKey(String primaryKey) {
        this.primaryKey = primaryKey;
        return this;
    }

    /** @return the secondary symmetric key, base64 */
    public String getSecondaryKey() { return secondaryKey; }

    /**
     * Sets the secondary symmetric key, base64.
     *
     * @param secondaryKey the value
     * @return this object
     */
    public DeviceIdentity setSecondaryKey(String secondaryKey) {
        this.secondaryKey = secondaryKey;
        return this;
    }

    /** @return Connected or Disconnected */
    public String getConnectionState() { return connectionState; }

    /**
     * Sets Connected or Disconnected.
     *
     * @param connectionState the value
     * @return this object
     */
    public DeviceIdentity setConnectionState(String connectionState) {
        this.connectionState = connectionState;
        return this;
    }

    /** @return the last time the device was active */
    public OffsetDateTime getLastActivityTime() { return lastActivityTime; }

    /**
     * Sets the last time the device was active.
     *
     * @param lastActivityTime the value
     * @return this object
     */
    public DeviceIdentity setLastActivityTime(OffsetDateTime lastActivityTime) {
        this.lastActivityTime = lastActivityTime;
        return this;
    }

    @Override
    public boolean equals(Object other) {
        if (this == other) return true;
        if (!(other instanceof DeviceIdentity o)) return false;
        return Objects.equals(deviceId, o.deviceId)
                && Objects.equals(status, o.status)
                && Objects.equals(statusReason, o.statusReason)
                && Objects.equals(etag, o.etag)
                && Objects.equals(authenticationType, o.authenticationType)
                && Objects.equals(primaryKey, o.primaryKey)
                && Objects.equals(secondaryKey, o.secondaryKey)
                && Objects.equals(connectionState, o.connectionState)
                && Objects.equals(lastActivityTime, o.lastActivityTime);
    }

    @Override
    public int hashCode() {
        return Objects.hash(deviceId, status, statusReason, etag, authenticationType, primaryKey, secondaryKey, connectionState, lastActivityTime);
    }

    @Override
    public String toString() {
        return "DeviceIdentity{" + "deviceId=" + deviceId + ", " + "status=" + status + ", " + "statusReason=" + statusReason + ", " + "etag=" + etag + ", " + "authenticationType=" + authenticationType + ", " + "primaryKey=" + primaryKey + ", " + "secondaryKey=" + secondaryKey + ", " + "connectionState=" + connectionState + ", " + "lastActivityTime=" + lastActivityTime + "}";
    }
}

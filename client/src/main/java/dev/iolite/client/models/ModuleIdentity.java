package dev.iolite.client.models;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Objects;

/** A module identity of a device (the service API's module, the fields this client uses). */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public final class ModuleIdentity {
    @JsonProperty("deviceId")
    private String deviceId;

    @JsonProperty("moduleId")
    private String moduleId;

    @JsonProperty("managedBy")
    private String managedBy;

    @JsonProperty("etag")
    private String etag;

    @JsonProperty(value = "authenticationType", access = JsonProperty.Access.READ_ONLY)
    private String authenticationType;

    @JsonProperty(value = "primaryKey", access = JsonProperty.Access.READ_ONLY)
    private String primaryKey;

    @JsonProperty(value = "secondaryKey", access = JsonProperty.Access.READ_ONLY)
    private String secondaryKey;

    /** Creates an empty instance. */
    public ModuleIdentity() {}

    /** @return the id of the device the module belongs to */
    public String getDeviceId() { return deviceId; }

    /** @return the module id */
    public String getModuleId() { return moduleId; }

    /** @return who manages the module (such as IoT Edge), or null */
    public String getManagedBy() { return managedBy; }

    /** @return the module's etag */
    public String getEtag() { return etag; }

    /** @return sas, selfSigned, certificateAuthority or none */
    public String getAuthenticationType() { return authenticationType; }

    /** @return the primary symmetric key, base64, or null */
    public String getPrimaryKey() { return primaryKey; }

    /** @return the secondary symmetric key, base64, or null */
    public String getSecondaryKey() { return secondaryKey; }

    /**
     * Sets the authentication type.
     *
     * @param authenticationType the value
     * @return this object
     */
    public ModuleIdentity setAuthenticationType(String authenticationType) {
        this.authenticationType = authenticationType;
        return this;
    }

    /**
     * Sets the primary key.
     *
     * @param primaryKey the value, base64
     * @return this object
     */
    public ModuleIdentity setPrimaryKey(String primaryKey) {
        this.primaryKey = primaryKey;
        return this;
    }

    /**
     * Sets the secondary key.
     *
     * @param secondaryKey the value, base64
     * @return this object
     */
    public ModuleIdentity setSecondaryKey(String secondaryKey) {
        this.secondaryKey = secondaryKey;
        return this;
    }

    @Override
    public boolean equals(Object other) {
        if (this == other) return true;
        if (!(other instanceof ModuleIdentity m)) return false;
        return Objects.equals(deviceId, m.deviceId) && Objects.equals(moduleId, m.moduleId) && Objects.equals(etag, m.etag)
                && Objects.equals(managedBy, m.managedBy) && Objects.equals(authenticationType, m.authenticationType)
                && Objects.equals(primaryKey, m.primaryKey) && Objects.equals(secondaryKey, m.secondaryKey);
    }

    @Override
    public int hashCode() { return Objects.hash(deviceId, moduleId, etag); }

    @Override
    public String toString() { return "ModuleIdentity{deviceId=" + deviceId + ", moduleId=" + moduleId + ", etag=" + etag + "}"; }
}

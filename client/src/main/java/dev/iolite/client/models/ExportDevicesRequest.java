package dev.iolite.client.models;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Objects;

/** What to export: where the blob goes and whether keys are left out. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public final class ExportDevicesRequest {
    @JsonProperty("exportBlobContainerUri")
    private String exportBlobContainerUri;

    @JsonProperty("excludeKeys")
    private Boolean excludeKeys;

    @JsonProperty("exportBlobName")
    private String exportBlobName;

    @JsonProperty("authenticationType")
    private AuthenticationType authenticationType;

    @JsonProperty("identity")
    private ManagedIdentity identity;

    @JsonProperty("ioliteFilter")
    private String filter;

    @JsonProperty("includeConfigurations")
    private Boolean includeConfigurations;

    @JsonProperty("configurationsBlobName")
    private String configurationsBlobName;

    /** Creates an empty instance. */
    public ExportDevicesRequest() {}

    /** @return the container URI the export blob is written to (with a SAS for key-based authentication) */
    public String getExportBlobContainerUri() { return exportBlobContainerUri; }

    /**
     * Sets the container URI the export blob is written to (with a SAS for key-based authentication).
     *
     * @param exportBlobContainerUri the value
     * @return this request
     */
    public ExportDevicesRequest setExportBlobContainerUri(String exportBlobContainerUri) {
        this.exportBlobContainerUri = exportBlobContainerUri;
        return this;
    }

    /** @return whether keys are written as null */
    public Boolean getExcludeKeys() { return excludeKeys; }

    /**
     * Sets whether keys are written as null.
     *
     * @param excludeKeys the value
     * @return this request
     */
    public ExportDevicesRequest setExcludeKeys(Boolean excludeKeys) {
        this.excludeKeys = excludeKeys;
        return this;
    }

    /** @return the name of the export blob; the service default is devices.txt */
    public String getExportBlobName() { return exportBlobName; }

    /**
     * Sets the name of the export blob.
     *
     * @param exportBlobName the value
     * @return this request
     */
    public ExportDevicesRequest setExportBlobName(String exportBlobName) {
        this.exportBlobName = exportBlobName;
        return this;
    }

    /** @return how the service authenticates to the container */
    public AuthenticationType getAuthenticationType() { return authenticationType; }

    /**
     * Sets how the service authenticates to the container.
     *
     * @param authenticationType the value
     * @return this request
     */
    public ExportDevicesRequest setAuthenticationType(AuthenticationType authenticationType) {
        this.authenticationType = authenticationType;
        return this;
    }

    /** @return the identity used with identity-based authentication */
    public ManagedIdentity getIdentity() { return identity; }

    /**
     * Sets the identity used with identity-based authentication.
     *
     * @param identity the value
     * @return this request
     */
    public ExportDevicesRequest setIdentity(ManagedIdentity identity) {
        this.identity = identity;
        return this;
    }

    /** @return the condition that selects the devices to export (Iolite's extension), or null for all */
    public String getFilter() { return filter; }

    /**
     * Exports only the devices a condition of IoT Hub's query language selects, each with its modules:
     * Iolite's extension (field {@code ioliteFilter}), which Azure IoT Hub does not have.
     *
     * @param filter what follows WHERE in a query, such as {@code tags.site = 'north'}; null exports all
     * @return this request
     */
    public ExportDevicesRequest setFilter(String filter) {
        this.filter = filter;
        return this;
    }

    /** @return whether the job carries the hub's configurations too */
    public Boolean getIncludeConfigurations() { return includeConfigurations; }

    /**
     * Sets whether the job carries the hub's configurations too, in the blob {@link #setConfigurationsBlobName}
     * names ({@code configurations.txt} by default): an export writes them to its container.
     *
     * @param includeConfigurations the value
     * @return this request
     */
    public ExportDevicesRequest setIncludeConfigurations(Boolean includeConfigurations) {
        this.includeConfigurations = includeConfigurations;
        return this;
    }

    /** @return the name of the configurations' blob; the service default is configurations.txt */
    public String getConfigurationsBlobName() { return configurationsBlobName; }

    /**
     * Sets the name of the configurations' blob, used when configurations are included.
     *
     * @param configurationsBlobName the value
     * @return this request
     */
    public ExportDevicesRequest setConfigurationsBlobName(String configurationsBlobName) {
        this.configurationsBlobName = configurationsBlobName;
        return this;
    }

    @Override
    public boolean equals(Object other) {
        if (this == other) return true;
        if (!(other instanceof ExportDevicesRequest o)) return false;
        return Objects.equals(exportBlobContainerUri, o.exportBlobContainerUri)
                && Objects.equals(excludeKeys, o.excludeKeys)
                && Objects.equals(exportBlobName, o.exportBlobName)
                && Objects.equals(authenticationType, o.authenticationType)
                && Objects.equals(identity, o.identity)
                && Objects.equals(filter, o.filter)
                && Objects.equals(includeConfigurations, o.includeConfigurations)
                && Objects.equals(configurationsBlobName, o.configurationsBlobName);
    }

    @Override
    public int hashCode() {
        return Objects.hash(exportBlobContainerUri, excludeKeys, exportBlobName, authenticationType, identity, filter, includeConfigurations, configurationsBlobName);
    }

    @Override
    public String toString() {
        return "ExportDevicesRequest{" + "exportBlobContainerUri=" + exportBlobContainerUri + ", " + "excludeKeys=" + excludeKeys + ", " + "exportBlobName=" + exportBlobName + ", " + "authenticationType=" + authenticationType + ", " + "identity=" + identity + ", filter=" + filter + ", includeConfigurations=" + includeConfigurations + ", configurationsBlobName=" + configurationsBlobName + "}";
    }
}

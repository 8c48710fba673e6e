package dev.iolite.client.models;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Objects;

/** What to import: the input blob and where the error log goes. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public final class ImportDevicesRequest {
    @JsonProperty("inputBlobContainerUri")
    private String inputBlobContainerUri;

    @JsonProperty("outputBlobContainerUri")
    private String outputBlobContainerUri;

    @JsonProperty("inputBlobName")
    private String inputBlobName;

    @JsonProperty("outputBlobName")
    private String outputBlobName;

    @JsonProperty("type")
    private JobType type = JobType.IMPORT;

    @JsonProperty("authenticationType")
    private AuthenticationType authenticationType;

    @JsonProperty("identity")
    private ManagedIdentity identity;

    @JsonProperty("includeConfigurations")
    private Boolean includeConfigurations;

    @JsonProperty("configurationsBlobName")
    private String configurationsBlobName;

    /** Creates an empty instance. */
    public ImportDevicesRequest() {}

    /** @return the container URI the input blob is read from */
    public String getInputBlobContainerUri() { return inputBlobContainerUri; }

    /**
     * Sets the container URI the input blob is read from.
     *
     * @param inputBlobContainerUri the value
     * @return this request
     */
    public ImportDevicesRequest setInputBlobContainerUri(String inputBlobContainerUri) {
        this.inputBlobContainerUri = inputBlobContainerUri;
        return this;
    }

    /** @return the container URI the error log is written to */
    public String getOutputBlobContainerUri() { return outputBlobContainerUri; }

    /**
     * Sets the container URI the error log is written to.
     *
     * @param outputBlobContainerUri the value
     * @return this request
     */
    public ImportDevicesRequest setOutputBlobContainerUri(String outputBlobContainerUri) {
        this.outputBlobContainerUri = outputBlobContainerUri;
        return this;
    }

    /** @return the name of the input blob; the service default is devices.txt */
    public String getInputBlobName() { return inputBlobName; }

    /**
     * Sets the name of the input blob.
     *
     * @param inputBlobName the value
     * @return this request
     */
    public ImportDevicesRequest setInputBlobName(String inputBlobName) {
        this.inputBlobName = inputBlobName;
        return this;
    }

    /** @return the name of the error log blob; the service default is importErrors.log */
    public String getOutputBlobName() { return outputBlobName; }

    /**
     * Sets the name of the error log blob.
     *
     * @param outputBlobName the value
     * @return this request
     */
    public ImportDevicesRequest setOutputBlobName(String outputBlobName) {
        this.outputBlobName = outputBlobName;
        return this;
    }

    /** @return the job type; import unless set, and the service refuses any other value */
    public JobType getType() { return type; }

    /**
     * Sets the job type.
     *
     * @param type the value
     * @return this request
     */
    public ImportDevicesRequest setType(JobType type) {
        this.type = type;
        return this;
    }

    /** @return how the service authenticates to the containers */
    public AuthenticationType getAuthenticationType() { return authenticationType; }

    /**
     * Sets how the service authenticates to the containers.
     *
     * @param authenticationType the value
     * @return this request
     */
    public ImportDevicesRequest setAuthenticationType(AuthenticationType authenticationType) {
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
    public ImportDevicesRequest setIdentity(ManagedIdentity identity) {
        this.identity = identity;
        return this;
    }

    /** @return whether the job carries the hub's configurations too */
    public Boolean getIncludeConfigurations() { return includeConfigurations; }

    /**
     * Sets whether the job carries the hub's configurations too, in the blob {@link #setConfigurationsBlobName}
     * names ({@code configurations.txt} by default): an import reads them from its input container, and writes the lines it could not apply to importConfigErrors.log in its output container.
     *
     * @param includeConfigurations the value
     * @return this request
     */
    public ImportDevicesRequest setIncludeConfigurations(Boolean includeConfigurations) {
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
    public ImportDevicesRequest setConfigurationsBlobName(String configurationsBlobName) {
        this.configurationsBlobName = configurationsBlobName;
        return this;
    }

    @Override
    public boolean equals(Object other) {
        if (this == other) return true;
        if (!(other instanceof ImportDevicesRequest o)) return false;
        return Objects.equals(inputBlobContainerUri, o.inputBlobContainerUri)
                && Objects.equals(outputBlobContainerUri, o.outputBlobContainerUri)
                && Objects.equals(inputBlobName, o.inputBlobName)
                && Objects.equals(outputBlobName, o.outputBlobName)
                && Objects.equals(type, o.type)
                && Objects.equals(authenticationType, o.authenticationType)
                && Objects.equals(identity, o.identity)
                && Objects.equals(includeConfigurations, o.includeConfigurations)
                && Objects.equals(configurationsBlobName, o.configurationsBlobName);
    }

    @Override
    public int hashCode() {
        return Objects.hash(inputBlobContainerUri, outputBlobContainerUri, inputBlobName, outputBlobName, type, authenticationType, identity, includeConfigurations, configurationsBlobName);
    }

    @Override
    public String toString() {
        return "ImportDevicesRequest{" + "inputBlobContainerUri=" + inputBlobContainerUri + ", " + "outputBlobContainerUri=" + outputBlobContainerUri + ", " + "inputBlobName=" + inputBlobName + ", " + "outputBlobName=" + outputBlobName + ", " + "type=" + type + ", " + "authenticationType=" + authenticationType + ", " + "identity=" + identity + ", includeConfigurations=" + includeConfigurations + ", configurationsBlobName=" + configurationsBlobName + "}";
    }
}

package dev.iolite.client;

import com.azure.core.credential.TokenCredential;

/**
 * A client for IoT Hub's device operations through the management API: registry statistics,
 * export and import jobs, and the jobs list. It works against Azure (the default endpoint) and
 * against an Iolite server (an endpoint and truststore given to the {@link #builder()}).
 *
 * <pre>{@code
 * IotHubClient client = IotHubClient.builder().endpoint(url).credential(credential)
 *         .subscriptionId(sub).trustStore(path, password).build();
 * RegistryStatistics stats = client.iotHubResource().getStats("my-resource-group", "my-iot-hub");
 * }</pre>
 */
public final class IotHubClient {
    /** Azure's management endpoint. */
    public static final String AZURE_ENDPOINT = "https://management.azure.com";
    /** The management API version sent unless the builder is given another. */
    public static final String DEFAULT_API_VERSION = "2023-06-30";

    private final IotHubResources resources;

    /**
     * A client for Azure's management endpoint.
     *
     * @param credential     issues bearer tokens for the management API
     * @param subscriptionId the subscription the hubs belong to
     */
    public IotHubClient(TokenCredential credential, String subscriptionId) {
        this(builder().credential(credential).subscriptionId(subscriptionId).build().resources);
    }

    IotHubClient(IotHubResources resources) {
        this.resources = resources;
    }

    /** @return a builder for a client with another endpoint, a truststore or other options */
    public static IotHubClientBuilder builder() { return new IotHubClientBuilder(); }

    /** @return the operations on IoT hubs: statistics, jobs, hubs and their keys */
    public IotHubResources iotHubResource() { return resources; }
}

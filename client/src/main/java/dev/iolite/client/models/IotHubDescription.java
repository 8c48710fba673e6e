package dev.iolite.client.models;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Map;
import java.util.Objects;

/** A hub as the management API describes it (the fields this client uses). */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public final class IotHubDescription {
    @JsonProperty("id")
    private String id;

    @JsonProperty("name")
    private String name;

    @JsonProperty("location")
    private String location;

    @JsonProperty(value = "skuName", access = JsonProperty.Access.READ_ONLY)
    private String skuName;

    @JsonProperty(value = "skuCapacity", access = JsonProperty.Access.READ_ONLY)
    private Long skuCapacity;

    @JsonProperty(value = "hostName", access = JsonProperty.Access.READ_ONLY)
    private String hostName;

    @JsonProperty(value = "tags", access = JsonProperty.Access.READ_ONLY)
    private Map<String, String> tags;

    /** Creates an empty instance. */
    public IotHubDescription() {}

    /** @return the resource id */
    public String getId() { return id; }

    /**
     * Sets the resource id.
     *
     * @param id the value
     * @return this object
     */
    public IotHubDescription setId(String id) {
        this.id = id;
        return this;
    }

    /** @return the hub name */
    public String getName() { return name; }

    /**
     * Sets the hub name.
     *
     * @param name the value
     * @return this object
     */
    public IotHubDescription setName(String name) {
        this.name = name;
        return this;
    }

    /** @return the region */
    public String getLocation() { return location; }

    /**
     * Sets the region.
     *
     * @param location the value
     * @return this object
     */
    public IotHubDescription setLocation(String location) {
        this.location = location;
        return this;
    }

    /** @return the SKU name, such as S1 */
    public String getSkuName() { return skuName; }

    /**
     * Sets the SKU name, such as S1.
     *
     * @param skuName the value
     * @return this object
     */
    public IotHubDescription setSkuName(String skuName) {
        this.skuName = skuName;
        return this;
    }

    /** @return the number of units */
    public Long getSkuCapacity() { return skuCapacity; }

    /**
     * Sets the number of units.
     *
     * @param skuCapacity the value
     * @return this object
     */
    public IotHubDescription setSkuCapacity(Long skuCapacity) {
        this.skuCapacity = skuCapacity;
        return this;
    }

    /** @return the host name of the hub's service API */
    public String getHostName() { return hostName; }

    /**
     * Sets the host name of the hub's service API.
     *
     * @param hostName the value
     * @return this object
     */
    public IotHubDescription setHostName(String hostName) {
        this.hostName = hostName;
        return this;
    }

    @JsonProperty(value = "eventHubEndpoint", access = JsonProperty.Access.READ_ONLY)
    private String eventHubEndpoint;

    @JsonProperty(value = "eventHubPath", access = JsonProperty.Access.READ_ONLY)
    private String eventHubPath;

    @JsonProperty(value = "eventHubPartitionCount", access = JsonProperty.Access.READ_ONLY)
    private Integer eventHubPartitionCount;

    /** @return the built-in endpoint's Event Hubs-compatible address ({@code sb://HOST:PORT/}), or null */
    public String getEventHubEndpoint() { return eventHubEndpoint; }

    /** @return the built-in endpoint's Event Hubs-compatible name (its EntityPath), or null */
    public String getEventHubPath() { return eventHubPath; }

    /** @return the built-in endpoint's partition count, or null */
    public Integer getEventHubPartitionCount() { return eventHubPartitionCount; }

    /**
     * Sets what ARM shows of the built-in endpoint ({@code properties.eventHubEndpoints.events}).
     *
     * @param endpoint       its {@code sb://} address
     * @param path           its Event Hubs-compatible name
     * @param partitionCount its partitions
     * @return this object
     */
    public IotHubDescription setEventHubEndpoint(String endpoint, String path, Integer partitionCount) {
        this.eventHubEndpoint = endpoint;
        this.eventHubPath = path;
        this.eventHubPartitionCount = partitionCount;
        return this;
    }

    /**
     * The built-in endpoint's connection string for Event Hubs clients, with one of the hub's policies
     * (ServiceConnect is enough): {@code Endpoint=...;SharedAccessKeyName=...;SharedAccessKey=...;EntityPath=...}.
     *
     * @param policy a policy of the hub, as {@link dev.iolite.client.IotHubResources#listKeys} returns it
     * @return the connection string, or null when ARM showed no built-in endpoint
     */
    public String eventHubConnectionString(SharedAccessKey policy) {
        if (eventHubEndpoint == null || eventHubPath == null) return null;
        return "Endpoint=" + eventHubEndpoint + ";SharedAccessKeyName=" + policy.getKeyName() + ";SharedAccessKey="
                + policy.getPrimaryKey() + ";EntityPath=" + eventHubPath;
    }

    /** @return the resource tags */
    public Map<String, String> getTags() { return tags; }

    /**
     * Sets the resource tags.
     *
     * @param tags the value
     * @return this object
     */
    public IotHubDescription setTags(Map<String, String> tags) {
        this.tags = tags;
        return this;
    }

    @Override
    public boolean equals(Object other) {
        if (this == other) return true;
        if (!(other instanceof IotHubDescription o)) return false;
        return Objects.equals(id, o.id)
                && Objects.equals(name, o.name)
                && Objects.equals(location, o.location)
                && Objects.equals(skuName, o.skuName)
                && Objects.equals(skuCapacity, o.skuCapacity)
                && Objects.equals(hostName, o.hostName)
                && Objects.equals(tags, o.tags);
    }

    @Override
    public int hashCode() {
        return Objects.hash(id, name, location, skuName, skuCapacity, hostName, tags);
    }

    @Override
    public String toString() {
        return "IotHubDescription{" + "id=" + id + ", " + "name=" + name + ", " + "location=" + location + ", " + "skuName=" + skuName + ", " + "skuCapacity=" + skuCapacity + ", " + "hostName=" + hostName + ", " + "tags=" + tags + "}";
    }
}

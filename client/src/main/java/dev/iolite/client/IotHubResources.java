package dev.iolite.client;

import com.azure.core.http.HttpHeaders;
import com.azure.core.http.HttpMethod;
import com.azure.core.http.rest.PagedIterable;
import com.azure.core.http.rest.PagedResponse;
import com.azure.core.http.rest.PagedResponseBase;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iolite.client.models.ExportDevicesRequest;
import dev.iolite.client.models.ImportDevicesRequest;
import dev.iolite.client.models.IotHubDescription;
import dev.iolite.client.models.JobResponse;
import dev.iolite.client.models.RegistryStatistics;
import dev.iolite.client.models.SharedAccessKey;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * Operations on IoT hubs through the management API: registry statistics, export and import jobs,
 * the jobs list, and the hubs themselves with their keys. Every method throws {@link IotHubException}
 * when the service refuses the call or cannot be reached.
 */
public final class IotHubResources {
    private final Transport arm;
    private final String endpoint;
    private final String subscriptionId;
    private final String apiVersion;
    private final Function<String, String> serviceEndpointFor;
    private final Function<SasPolicy, Transport> serviceTransport;

    IotHubResources(Transport arm, String endpoint, String subscriptionId, String apiVersion,
                    Function<String, String> serviceEndpointFor, Function<SasPolicy, Transport> serviceTransport) {
        this.arm = arm;
        this.endpoint = endpoint;
        this.subscriptionId = subscriptionId;
        this.apiVersion = apiVersion;
        this.serviceEndpointFor = serviceEndpointFor;
        this.serviceTransport = serviceTransport;
    }

    /**
     * Reads the device counts of a hub's registry.
     *
     * @param resourceGroupName the resource group
     * @param resourceName      the hub name
     * @return total, enabled and disabled device counts
     */
    public RegistryStatistics getStats(String resourceGroupName, String resourceName) {
        return arm.send(HttpMethod.GET, url(resourceGroupName, resourceName, "/IotHubStats"), null, RegistryStatistics.class);
    }

    /**
     * Starts exporting every device identity of a hub to a blob.
     *
     * @param resourceGroupName the resource group
     * @param resourceName      the hub name
     * @param request           where the blob goes and whether keys are left out
     * @return the new job
     */
    public JobResponse exportDevices(String resourceGroupName, String resourceName, ExportDevicesRequest request) {
        Objects.requireNonNull(request, "request");
        return arm.send(HttpMethod.POST, url(resourceGroupName, resourceName, "/exportDevices"), request, JobResponse.class);
    }

    /**
     * Starts importing device identities from a blob; failed lines go to an error log blob.
     *
     * @param resourceGroupName the resource group
     * @param resourceName      the hub name
     * @param request           the input blob and the output container
     * @return the new job
     */
    public JobResponse importDevices(String resourceGroupName, String resourceName, ImportDevicesRequest request) {
        Objects.requireNonNull(request, "request");
        return arm.send(HttpMethod.POST, url(resourceGroupName, resourceName, "/importDevices"), request, JobResponse.class);
    }

    /**
     * Lists a hub's import and export jobs, newest first, fetching further pages as they are iterated.
     *
     * @param resourceGroupName the resource group
     * @param resourceName      the hub name
     * @return the jobs
     */
    public PagedIterable<JobResponse> listJobs(String resourceGroupName, String resourceName) {
        String first = url(resourceGroupName, resourceName, "/jobs");
        return new PagedIterable<>(() -> page(first, JobResponse.class), next -> page(next, JobResponse.class));
    }

    /**
     * Reads one job.
     *
     * @param resourceGroupName the resource group
     * @param resourceName      the hub name
     * @param jobId             the job id
     * @return the job
     */
    public JobResponse getJob(String resourceGroupName, String resourceName, String jobId) {
        return arm.send(HttpMethod.GET, url(resourceGroupName, resourceName, "/jobs/" + Transport.encode(jobId)),
                null, JobResponse.class);
    }

    /**
     * Cancels a job. The management API has no cancel operation, so this signs a service API call
     * with the hub's registry-write key (read through {@link #listKeys}). The job stops at its next
     * batch boundary; a job that already ended is returned as it is. A scheduled job (which Iolite lists among the
     * hub's jobs) is cancelled through {@link ScheduledJobs#cancelScheduledJob}.
     *
     * @param resourceGroupName the resource group
     * @param resourceName      the hub name
     * @param jobId             the job id
     * @return the job as the service reported it after the request
     */
    public JobResponse cancelJob(String resourceGroupName, String resourceName, String jobId) {
        JobResponse job = getJob(resourceGroupName, resourceName, jobId);
        DeviceRegistry service = devices(resourceGroupName, resourceName);
        if (job.getType() != null && job.getType().isScheduled()) {
            service.scheduledJobs().cancelScheduledJob(jobId);
        } else {
            service.transport().send(HttpMethod.DELETE, service.url("/jobs/" + Transport.encode(jobId)), null,
                    (Map<String, String>) null);
        }
        return getJob(resourceGroupName, resourceName, jobId);
    }

    /**
     * Polls a job until it is completed, failed or cancelled.
     *
     * @param resourceGroupName the resource group
     * @param resourceName      the hub name
     * @param jobId             the job id
     * @param pollInterval      the time between polls
     * @param listener          told of each change, may be null
     * @return the job in its final state
     */
    public JobResponse waitForCompletion(String resourceGroupName, String resourceName, String jobId,
                                         Duration pollInterval, JobListener listener) {
        if (pollInterval == null || pollInterval.isNegative() || pollInterval.isZero()) {
            throw new IllegalArgumentException("the poll interval must be positive");
        }
        JobResponse last = null;
        while (true) {
            JobResponse job = getJob(resourceGroupName, resourceName, jobId);
            if (listener != null && !job.equals(last)) listener.onChange(job);
            last = job;
            if (job.getStatus() != null && job.getStatus().isTerminal()) return job;
            try {
                Thread.sleep(pollInterval.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IotHubException(0, "Interrupted", "stopped waiting for job " + jobId + "; it goes on", e);
            }
        }
    }

    /** @return the hubs of the subscription */
    public PagedIterable<IotHubDescription> list() {
        String first = endpoint + "/subscriptions/" + Transport.encode(subscriptionId)
                + "/providers/Microsoft.Devices/IotHubs?api-version=" + apiVersion;
        return new PagedIterable<>(() -> hubPage(first), this::hubPage);
    }

    /**
     * Reads a hub.
     *
     * @param resourceGroupName the resource group
     * @param resourceName      the hub name
     * @return the hub
     */
    public IotHubDescription get(String resourceGroupName, String resourceName) {
        return hub(arm.send(HttpMethod.GET, url(resourceGroupName, resourceName, ""), null, (Map<String, String>) null));
    }

    /**
     * Creates a hub, or updates its SKU and capacity.
     *
     * @param resourceGroupName the resource group
     * @param resourceName      the hub name
     * @param location          the region, such as {@code westeurope}
     * @param skuName           the SKU, such as {@code S1}
     * @param capacity          the number of units
     * @return the hub
     */
    public IotHubDescription createOrUpdate(String resourceGroupName, String resourceName, String location,
                                            String skuName, long capacity) {
        ObjectNode body = Transport.JSON.createObjectNode().put("location", location);
        body.putObject("sku").put("name", skuName).put("capacity", capacity);
        body.putObject("properties");
        return hub(arm.send(HttpMethod.PUT, url(resourceGroupName, resourceName, ""), body, (Map<String, String>) null));
    }

    /**
     * Replaces a hub's shared access policies and their keys (ARM's hub PUT with
     * {@code properties.authorizationPolicies}), keeping its location, SKU and tags. Tokens signed with a key
     * that is no longer listed stop working at once.
     *
     * @param resourceGroupName the resource group
     * @param resourceName      the hub name
     * @param policies          every policy the hub is to have, with its keys and rights
     * @return the hub
     */
    public IotHubDescription updateKeys(String resourceGroupName, String resourceName, List<SharedAccessKey> policies) {
        IotHubDescription current = get(resourceGroupName, resourceName);
        ObjectNode body = Transport.JSON.createObjectNode().put("location", current.getLocation());
        body.putObject("sku").put("name", current.getSkuName()).put("capacity", current.getSkuCapacity());
        if (current.getTags() != null) {
            ObjectNode tags = body.putObject("tags");
            current.getTags().forEach(tags::put);
        }
        com.fasterxml.jackson.databind.node.ArrayNode list = body.putObject("properties").putArray("authorizationPolicies");
        for (SharedAccessKey k : policies) {
            list.addObject().put("keyName", k.getKeyName()).put("primaryKey", k.getPrimaryKey())
                    .put("secondaryKey", k.getSecondaryKey()).put("rights", k.getRights());
        }
        return hub(arm.send(HttpMethod.PUT, url(resourceGroupName, resourceName, ""), body, (Map<String, String>) null));
    }

    /**
     * Gives one key of one policy a new random value (32 bytes, as IoT Hub's own keys), leaving every other
     * key as it is.
     *
     * @param resourceGroupName the resource group
     * @param resourceName      the hub name
     * @param keyName           the policy, such as {@code iothubowner}
     * @param primary           the primary key when true, else the secondary key
     * @return the policy with its new key
     */
    public SharedAccessKey regenerateKey(String resourceGroupName, String resourceName, String keyName, boolean primary) {
        List<SharedAccessKey> keys = listKeys(resourceGroupName, resourceName);
        SharedAccessKey target = keys.stream().filter(k -> keyName.equalsIgnoreCase(k.getKeyName())).findFirst()
                .orElseThrow(() -> new IotHubException(404, "NotFound",
                        "hub '" + resourceName + "' has no shared access policy named '" + keyName + "'", null));
        byte[] fresh = new byte[32];
        RANDOM.nextBytes(fresh);
        String key = java.util.Base64.getEncoder().encodeToString(fresh);
        if (primary) target.setPrimaryKey(key);
        else target.setSecondaryKey(key);
        updateKeys(resourceGroupName, resourceName, keys);
        return target;
    }

    /**
     * Deletes a hub and its registry. As on Azure, deleting a hub that does not exist is no error: the
     * service answers 204 instead of 200 with the deleted hub, and this method returns false.
     *
     * @param resourceGroupName the resource group
     * @param resourceName      the hub name
     * @return true when a hub was deleted, false when there was none of that name
     */
    public boolean delete(String resourceGroupName, String resourceName) {
        return arm.send(HttpMethod.DELETE, url(resourceGroupName, resourceName, ""), null, (Map<String, String>) null) != null;
    }

    /**
     * Lists a hub's shared access policies with their keys.
     *
     * @param resourceGroupName the resource group
     * @param resourceName      the hub name
     * @return the policies
     */
    public List<SharedAccessKey> listKeys(String resourceGroupName, String resourceName) {
        List<SharedAccessKey> out = new ArrayList<>();
        String next = url(resourceGroupName, resourceName, "/listkeys");
        HttpMethod method = HttpMethod.POST;
        while (next != null) {
            JsonNode page = arm.send(method, next, null, (Map<String, String>) null);
            for (JsonNode n : page.path("value")) out.add(Transport.read(n, SharedAccessKey.class));
            next = page.hasNonNull("nextLink") ? page.get("nextLink").asText() : null;
            method = HttpMethod.POST;
        }
        return out;
    }

    /**
     * The device and module identities of a hub and their twins, through its service API, signed with the key
     * of a policy with RegistryWrite (and ServiceConnect, for twins, when the hub has such a policy).
     *
     * @param resourceGroupName the resource group
     * @param resourceName      the hub name
     * @return a registry client for that hub
     */
    public DeviceRegistry devices(String resourceGroupName, String resourceName) {
        IotHubDescription hub = get(resourceGroupName, resourceName);
        // twins need ServiceConnect besides: a policy with both (iothubowner) is preferred
        List<SharedAccessKey> writers = listKeys(resourceGroupName, resourceName).stream()
                .filter(k -> k.getRights() != null && k.getRights().contains("RegistryWrite")).toList();
        SharedAccessKey key = writers.stream().filter(k -> k.getRights().contains("ServiceConnect")).findFirst()
                .or(() -> writers.stream().findFirst()).orElseThrow(() -> new IotHubException(403, "Unauthorized",
                        "hub '" + resourceName + "' has no shared access policy with RegistryWrite", null));
        SasPolicy sas = new SasPolicy(hub.getHostName(), key.getKeyName(), key.getPrimaryKey(), Clock.systemUTC());
        return new DeviceRegistry(serviceTransport.apply(sas), serviceEndpointFor.apply(hub.getHostName()));
    }

    /**
     * The scheduled jobs (jobs v2) of a hub, through its service API, signed as {@link #devices} signs.
     *
     * @param resourceGroupName the resource group
     * @param resourceName      the hub name
     * @return a client for that hub's scheduled jobs
     */
    public ScheduledJobs scheduledJobs(String resourceGroupName, String resourceName) {
        return devices(resourceGroupName, resourceName).scheduledJobs();
    }

    private String url(String resourceGroupName, String resourceName, String tail) {
        requireName(resourceGroupName, "resource group");
        requireName(resourceName, "hub name");
        return endpoint + "/subscriptions/" + Transport.encode(subscriptionId) + "/resourceGroups/"
                + Transport.encode(resourceGroupName) + "/providers/Microsoft.Devices/IotHubs/"
                + Transport.encode(resourceName) + tail + "?api-version=" + apiVersion;
    }

    private static void requireName(String value, String what) {
        if (value == null || value.isBlank()) throw new IllegalArgumentException("the " + what + " is required");
    }

    private <T> PagedResponse<T> page(String url, Class<T> type) {
        JsonNode page = arm.send(HttpMethod.GET, url, null, (Map<String, String>) null);
        List<T> items = new ArrayList<>();
        for (JsonNode n : page.path("value")) items.add(Transport.read(n, type));
        return new PagedResponseBase<>(null, 200, new HttpHeaders(), items, nextLink(page), null);
    }

    private PagedResponse<IotHubDescription> hubPage(String url) {
        JsonNode page = arm.send(HttpMethod.GET, url, null, (Map<String, String>) null);
        List<IotHubDescription> items = new ArrayList<>();
        for (JsonNode n : page.path("value")) items.add(hub(n));
        return new PagedResponseBase<>(null, 200, new HttpHeaders(), items, nextLink(page), null);
    }

    private static String nextLink(JsonNode page) {
        JsonNode n = page.get("nextLink");
        return n == null || n.isNull() || n.asText().isBlank() ? null : n.asText();
    }

    private static final java.security.SecureRandom RANDOM = new java.security.SecureRandom();

    private static IotHubDescription hub(JsonNode n) {
        IotHubDescription h = Transport.read(n, IotHubDescription.class);
        JsonNode sku = n.path("sku");
        if (sku.hasNonNull("name")) h.setSkuName(sku.get("name").asText());
        if (sku.hasNonNull("capacity")) h.setSkuCapacity(sku.get("capacity").asLong());
        JsonNode host = n.path("properties").get("hostName");
        if (host != null && !host.isNull()) h.setHostName(host.asText());
        JsonNode events = n.path("properties").path("eventHubEndpoints").path("events");
        if (events.hasNonNull("endpoint")) {
            h.setEventHubEndpoint(events.get("endpoint").asText(), events.path("path").asText(null),
                    events.hasNonNull("partitionCount") ? events.get("partitionCount").asInt() : null);
        }
        if (n.get("tags") instanceof ObjectNode tags) {
            Map<String, String> t = new LinkedHashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = tags.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                t.put(e.getKey(), e.getValue().asText());
            }
            h.setTags(t);
        }
        return h;
    }
}

package dev.iolite.server.arm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iolite.server.hubs.Right;
import dev.iolite.server.hubs.SharedAccessPolicy;
import dev.iolite.server.json.JsonBodies;
import dev.iolite.server.hubs.Hub;
import dev.iolite.server.hubs.HubService;
import dev.iolite.server.errors.ErrorCode;
import dev.iolite.server.errors.IoliteException;
import dev.iolite.server.registry.RegistryCounts;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.LinkedHashMap;
import java.util.Map;

/** ARM wire JSON (https://learn.microsoft.com/rest/api/iothub/iot-hub-resource) to and from the domain. */
public final class ArmMapper {
    private final ObjectMapper json;
    private final BuiltInEndpoint events;

    /**
     * What ARM shows of every hub's built-in endpoint ({@code properties.eventHubEndpoints.events}).
     *
     * @param partitions    the partitions of each hub
     * @param retentionDays how long messages are kept, in whole days (at least 1)
     * @param endpoint      the endpoint's {@code sb://HOST:PORT/} address, as this server is reached
     */
    public record BuiltInEndpoint(int partitions, int retentionDays, java.util.function.Supplier<String> endpoint) {}

    public ArmMapper(ObjectMapper json, BuiltInEndpoint events) {
        this.json = json;
        this.events = events;
    }

    public static String resourceId(Hub h) {
        return "/subscriptions/" + h.subscriptionId() + "/resourceGroups/" + h.resourceGroup()
                + "/providers/Microsoft.Devices/IotHubs/" + h.name();
    }

    public ObjectNode hub(Hub h) {
        ObjectNode n = json.createObjectNode();
        n.put("id", resourceId(h));
        n.put("name", h.name());
        n.put("type", "Microsoft.Devices/IotHubs");
        n.put("location", h.location());
        ObjectNode tags = n.putObject("tags");
        h.tags().forEach(tags::put);
        n.put("etag", h.etag());
        ObjectNode sku = n.putObject("sku");
        sku.put("name", h.skuName());
        sku.put("tier", tier(h.skuName()));
        sku.put("capacity", h.skuCapacity());
        ObjectNode p = n.putObject("properties");
        p.put("state", "Active");
        p.put("provisioningState", "Succeeded");
        p.put("hostName", h.hostName());
        ObjectNode events = p.putObject("eventHubEndpoints").putObject("events");
        events.put("retentionTimeInDays", this.events.retentionDays());
        events.put("partitionCount", this.events.partitions());
        ArrayNode ids = events.putArray("partitionIds");
        for (int i = 0; i < this.events.partitions(); i++) ids.add(Integer.toString(i));
        // the Event Hubs-compatible name is the hub's: readers put it as EntityPath
        events.put("path", h.name());
        events.put("endpoint", this.events.endpoint().get());
        p.putNull("authorizationPolicies");
        p.put("features", "None");
        p.put("minTlsVersion", "1.2");
        p.put("enableFileUploadNotifications", false);
        n.putObject("systemData").put("createdAt", h.createdAt().toString());
        return n;
    }

    public HubService.HubSpec spec(JsonNode body) {
        ObjectNode n = JsonBodies.requireObject(body, "the IotHubDescription");
        ObjectNode sku = JsonBodies.object(n, "sku", "sku");
        if (sku == null) throw new IoliteException(ErrorCode.ARGUMENT_NULL, "'sku' is required");
        String skuName = JsonBodies.text(sku, "name", "sku.name");
        Long capacity = JsonBodies.integer(sku, "capacity", "sku.capacity");
        return new HubService.HubSpec(JsonBodies.text(n, "location", "location"),
                skuName == null ? null : skuName.toUpperCase(java.util.Locale.ROOT),
                capacity == null ? 1 : capacity, tags(n), policies(JsonBodies.object(n, "properties", "properties")));
    }

    /**
     * {@code properties.authorizationPolicies}: absent or null keeps the hub's policies (what the SDKs send
     * after a GET, which never carries keys); a list replaces them, as ARM does. A policy without keys keeps
     * its current ones, or gets new ones when it is new.
     */
    private static List<HubService.PolicySpec> policies(ObjectNode properties) {
        if (properties == null) return null;
        JsonNode list = properties.get("authorizationPolicies");
        if (list == null || list.isNull()) return null;
        if (!list.isArray()) {
            throw new IoliteException(ErrorCode.ARGUMENT_INVALID, "'properties.authorizationPolicies' must be an array");
        }
        if (list.size() > HubService.MAX_POLICIES) {
            throw new IoliteException(ErrorCode.ARGUMENT_INVALID, "a hub has at most " + HubService.MAX_POLICIES
                    + " shared access policies");
        }
        List<HubService.PolicySpec> out = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            String at = "properties.authorizationPolicies[" + i + "]";
            ObjectNode p = JsonBodies.requireObject(list.get(i), "'" + at + "'");
            String rights = JsonBodies.text(p, "rights", at + ".rights");
            Set<Right> parsed;
            try {
                parsed = Right.parse(rights);
            } catch (IllegalArgumentException e) {
                throw new IoliteException(ErrorCode.ARGUMENT_INVALID, "'" + at + ".rights': " + e.getMessage());
            }
            out.add(new HubService.PolicySpec(JsonBodies.text(p, "keyName", at + ".keyName"),
                    JsonBodies.text(p, "primaryKey", at + ".primaryKey"), JsonBodies.text(p, "secondaryKey", at + ".secondaryKey"),
                    parsed));
        }
        return out;
    }

    /** The {@code tags} member: an object of strings; absent means none. */
    public Map<String, String> tags(JsonNode body) {
        ObjectNode n = JsonBodies.requireObject(body, "the request body");
        Map<String, String> tags = new LinkedHashMap<>();
        ObjectNode t = JsonBodies.object(n, "tags", "tags");
        if (t != null) {
            Iterator<Map.Entry<String, JsonNode>> it = t.fields();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> e = it.next();
                if (!e.getValue().isTextual()) {
                    throw new IoliteException(ErrorCode.ARGUMENT_INVALID, "'tags." + e.getKey() + "' must be a string");
                }
                tags.put(e.getKey(), e.getValue().textValue());
            }
        }
        return tags;
    }

    public ObjectNode rule(SharedAccessPolicy p) {
        ObjectNode n = json.createObjectNode();
        n.put("keyName", p.keyName());
        n.put("primaryKey", p.primaryKey());
        n.put("secondaryKey", p.secondaryKey());
        n.put("rights", Right.format(p.rights()));
        return n;
    }

    public ObjectNode keys(Hub h) {
        ObjectNode n = json.createObjectNode();
        ArrayNode value = n.putArray("value");
        h.policies().forEach(p -> value.add(rule(p)));
        return n;
    }

    public ObjectNode statistics(RegistryCounts s) {
        ObjectNode n = json.createObjectNode();
        n.put("totalDeviceCount", s.totalDeviceCount());
        n.put("enabledDeviceCount", s.enabledDeviceCount());
        n.put("disabledDeviceCount", s.disabledDeviceCount());
        return n;
    }

    public ObjectNode quotaMetrics(RegistryCounts s, long deviceQuota) {
        ObjectNode n = json.createObjectNode();
        ArrayNode value = n.putArray("value");
        value.addObject().put("name", "TotalMessages").put("currentValue", 0).put("maxValue", 400_000);
        value.addObject().put("name", "TotalDeviceCount").put("currentValue", s.totalDeviceCount())
                .put("maxValue", deviceQuota);
        return n;
    }

    private static String tier(String sku) {
        return switch (sku.charAt(0)) {
            case 'F' -> "Free";
            case 'B' -> "Basic";
            default -> "Standard";
        };
    }
}

package dev.iolite.server.arm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iolite.server.errors.ErrorCode;
import dev.iolite.server.errors.IoliteException;
import dev.iolite.server.hubs.ConsumerGroupStore;
import dev.iolite.server.hubs.ConsumerGroups;
import dev.iolite.server.hubs.Hub;
import dev.iolite.server.hubs.HubService;
import dev.iolite.server.json.JsonBodies;
import io.javalin.http.Context;

/**
 * The consumer groups of a hub's built-in endpoint on the ARM surface
 * (https://learn.microsoft.com/rest/api/iothub/iot-hub-resource/create-event-hub-consumer-group): list, get, create
 * and delete under {@code eventHubEndpoints/events/ConsumerGroups}. {@code events} is the only endpoint.
 */
public final class ArmConsumerGroupsHandler {
    private final HubService hubs;
    private final ConsumerGroups groups;
    private final ObjectMapper json;

    public ArmConsumerGroupsHandler(HubService hubs, ConsumerGroups groups, ObjectMapper json) {
        this.hubs = hubs;
        this.groups = groups;
        this.json = json;
    }

    void list(Context ctx) {
        Hub hub = hub(ctx);
        ObjectNode out = json.createObjectNode();
        ArrayNode value = out.putArray("value");
        for (ConsumerGroupStore.ConsumerGroup g : groups.list(hub)) value.add(group(hub, g));
        ctx.json(out);
    }

    void get(Context ctx) {
        Hub hub = hub(ctx);
        String name = ctx.pathParam("name");
        ctx.json(group(hub, groups.find(hub, name).orElseThrow(() -> new IoliteException(ErrorCode.NOT_FOUND,
                "hub '" + hub.name() + "' has no consumer group named '" + name + "'"))));
    }

    /** PUT: the body's {@code properties.name}, when given, must be the path's name. */
    void create(Context ctx) {
        Hub hub = hub(ctx);
        String name = ctx.pathParam("name");
        if (!ctx.body().isBlank()) {
            ObjectNode body = JsonBodies.requireObject(JsonBodies.parse(json, ctx.body()), "the consumer group");
            JsonNode given = body.path("properties").path("name");
            if (given.isTextual() && !given.asText().equals(name)) {
                throw new IoliteException(ErrorCode.ARGUMENT_INVALID, "properties.name ('" + given.asText()
                        + "') must be the consumer group's name in the path ('" + name + "')");
            }
        }
        ctx.json(group(hub, groups.create(hub, name)));
    }

    void delete(Context ctx) {
        Hub hub = hub(ctx);
        ctx.status(groups.delete(hub, ctx.pathParam("name")) ? 200 : 204);
    }

    private ObjectNode group(Hub hub, ConsumerGroupStore.ConsumerGroup g) {
        ObjectNode n = json.createObjectNode();
        n.put("id", ArmMapper.resourceId(hub) + "/eventHubEndpoints/events/ConsumerGroups/" + g.name());
        n.put("name", g.name());
        n.put("type", "Microsoft.Devices/IotHubs/EventHubEndpoints/ConsumerGroups");
        n.putObject("properties").put("created", g.created().toString());
        return n;
    }

    private Hub hub(Context ctx) {
        Hub hub = hubs.get(ctx.pathParam("sub"), ctx.pathParam("rg"), ctx.pathParam("hub"));
        if (!ctx.pathParam("endpoint").equalsIgnoreCase("events")) {
            throw new IoliteException(ErrorCode.NOT_FOUND, "hub '" + hub.name() + "' has one Event Hub-compatible endpoint, 'events'");
        }
        return hub;
    }
}

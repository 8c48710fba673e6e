package dev.iolite.server.arm;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iolite.server.hubs.SharedAccessPolicy;
import dev.iolite.server.json.JsonBodies;
import dev.iolite.server.hubs.Hub;
import dev.iolite.server.hubs.HubService;
import dev.iolite.server.errors.ErrorCode;
import dev.iolite.server.errors.IoliteException;
import dev.iolite.server.registry.RegistryService;
import io.javalin.http.Context;

import java.util.function.Predicate;

/** Hub resources of the ARM surface: lifecycle, keys, statistics, quota metrics. */
public final class ArmHubsHandler {
    /**
     * Devices plus modules per hub (https://learn.microsoft.com/azure/iot-hub/iot-hub-devguide-quotas-throttling);
     * reported as the TotalDeviceCount quota.
     */
    public static final long DEVICE_QUOTA = 1_000_000;

    private final HubService hubs;
    private final RegistryService registry;
    private final ArmMapper mapper;
    private final ObjectMapper json;

    public ArmHubsHandler(HubService hubs, RegistryService registry, ArmMapper mapper, ObjectMapper json) {
        this.hubs = hubs;
        this.registry = registry;
        this.mapper = mapper;
        this.json = json;
    }

    void listBySubscription(Context ctx) {
        list(ctx, h -> h.subscriptionId().equalsIgnoreCase(ctx.pathParam("sub")));
    }

    void listByResourceGroup(Context ctx) {
        list(ctx, h -> h.subscriptionId().equalsIgnoreCase(ctx.pathParam("sub"))
                && h.resourceGroup().equalsIgnoreCase(ctx.pathParam("rg")));
    }

    private void list(Context ctx, Predicate<Hub> filter) {
        ObjectNode out = json.createObjectNode();
        ArrayNode value = out.putArray("value");
        hubs.list().stream().filter(filter).forEach(h -> value.add(mapper.hub(h)));
        ctx.json(out);
    }

    void get(Context ctx) {
        ctx.json(mapper.hub(hub(ctx)));
    }

    /** PUT: 201 on create, 200 on update, both with provisioningState Succeeded so SDK pollers finish at once. */
    void createOrUpdate(Context ctx) {
        HubService.HubSpec spec = mapper.spec(JsonBodies.parse(json, ctx.body()));
        HubService.Placed placed = hubs.createOrUpdate(ctx.pathParam("sub"), ctx.pathParam("rg"),
                ctx.pathParam("hub"), spec, ctx.header("If-Match"));
        ctx.status(placed.created() ? 201 : 200);
        ctx.json(mapper.hub(placed.hub()));
    }

    /** The tags-only PATCH (https://learn.microsoft.com/rest/api/iothub/iot-hub-resource/update). */
    void updateTags(Context ctx) {
        ctx.json(mapper.hub(hubs.updateTags(ctx.pathParam("sub"), ctx.pathParam("rg"), ctx.pathParam("hub"),
                mapper.tags(JsonBodies.parse(json, ctx.body())))));
    }

    void delete(Context ctx) {
        // 200 with the deleted hub ends the SDK's delete poller at once; 204 when there was nothing to delete.
        hubs.delete(ctx.pathParam("sub"), ctx.pathParam("rg"), ctx.pathParam("hub"))
                .ifPresentOrElse(h -> ctx.json(mapper.hub(h)), () -> ctx.status(204));
    }

    void listKeys(Context ctx) {
        ctx.json(mapper.keys(hub(ctx)));
    }

    void keyForName(Context ctx) {
        Hub hub = hub(ctx);
        String keyName = ctx.pathParam("keyname");
        SharedAccessPolicy p = hub.policy(keyName).orElseThrow(() -> new IoliteException(ErrorCode.NOT_FOUND,
                "hub '" + hub.name() + "' has no shared access policy named '" + keyName + "'"));
        ctx.json(mapper.rule(p));
    }

    void stats(Context ctx) {
        ctx.json(mapper.statistics(registry.statistics(hub(ctx).name())));
    }

    void quotaMetrics(Context ctx) {
        ctx.json(mapper.quotaMetrics(registry.statistics(hub(ctx).name()), DEVICE_QUOTA));
    }

    private Hub hub(Context ctx) {
        return hubs.get(ctx.pathParam("sub"), ctx.pathParam("rg"), ctx.pathParam("hub"));
    }
}

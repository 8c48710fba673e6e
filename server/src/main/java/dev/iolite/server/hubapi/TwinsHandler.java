package dev.iolite.server.hubapi;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iolite.server.json.JsonBodies;
import dev.iolite.server.hubs.Hub;
import dev.iolite.server.registry.Device;
import dev.iolite.server.registry.DeviceKey;
import dev.iolite.server.registry.RegistryService;
import io.javalin.http.Context;

/**
 * Twin read, replace (PUT) and merge (PATCH) for devices and modules
 * (https://learn.microsoft.com/azure/iot-hub/iot-hub-devguide-device-twins).
 */
public final class TwinsHandler {
    private final RegistryService registry;
    private final HubMapper mapper;
    private final ObjectMapper json;

    public TwinsHandler(RegistryService registry, HubMapper mapper, ObjectMapper json) {
        this.registry = registry;
        this.mapper = mapper;
        this.json = json;
    }

    void get(Context ctx, Hub hub) {
        respond(ctx, registry.get(hub.name(), DevicesHandler.key(ctx)));
    }

    void write(Context ctx, Hub hub, boolean patch) {
        DeviceKey key = DevicesHandler.key(ctx);
        ObjectNode body = JsonBodies.requireObject(JsonBodies.parse(json, ctx.body()), "the twin");
        // Clients echo the read-only $metadata and $version they were given; those are dropped, any other
        // '$' key is refused by the twin rules.
        ObjectNode tags = HubMapper.strip(JsonBodies.object(body, "tags", "tags"));
        ObjectNode properties = JsonBodies.object(body, "properties", "properties");
        ObjectNode desired = HubMapper.strip(JsonBodies.object(properties, "desired", "properties.desired"));
        if (!patch) {
            // PUT replaces tags and desired properties; absent means empty.
            if (tags == null) tags = json.createObjectNode();
            if (desired == null) desired = json.createObjectNode();
        }
        Device d = registry.writeTwin(hub.name(), key, ctx.header("If-Match"), tags, desired, patch);
        respond(ctx, d);
    }

    private void respond(Context ctx, Device d) {
        ctx.header("ETag", "\"" + d.twin().etag() + "\"");
        ctx.json(mapper.twin(d));
    }
}

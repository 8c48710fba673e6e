package dev.iolite.server.hubapi;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iolite.server.configurations.Configuration;
import dev.iolite.server.configurations.ConfigurationService;
import dev.iolite.server.configurations.EdgeContent;
import dev.iolite.server.errors.ErrorCode;
import dev.iolite.server.errors.IoliteException;
import dev.iolite.server.hubs.Hub;
import dev.iolite.server.configurations.ConfigurationJson;
import dev.iolite.server.json.JsonBodies;
import io.javalin.http.Context;


/**
 * Configurations of the hub API (https://learn.microsoft.com/rest/api/iothub/service/configuration): create or
 * replace, get, list, delete, the test of queries, and a content applied to an IoT Edge device. Every configuration is rendered whole, with both times and
 * both metric sections, since the Java service client reads them back before a replace.
 */
public final class ConfigurationsHandler {
    private final ConfigurationService configurations;
    private final EdgeContent edgeContent;
    private final ObjectMapper json;

    public ConfigurationsHandler(ConfigurationService configurations, EdgeContent edgeContent, ObjectMapper json) {
        this.configurations = configurations;
        this.edgeContent = edgeContent;
        this.json = json;
    }

    void put(Context ctx, Hub hub) {
        ObjectNode body = JsonBodies.requireObject(JsonBodies.parse(json, ctx.body()), "the configuration");
        ctx.json(render(configurations.put(hub.name(), ConfigurationService.maxFor(hub.skuName()), ctx.pathParam("id"), body,
                ctx.header("If-Match"))));
    }

    void get(Context ctx, Hub hub) {
        ctx.json(render(configurations.get(hub.name(), ctx.pathParam("id"))));
    }

    void list(Context ctx, Hub hub) {
        String top = ctx.queryParam("top");
        int n = ConfigurationService.MAX_PER_HUB;
        if (top != null) {
            try {
                n = Integer.parseInt(top.trim());
            } catch (NumberFormatException e) {
                n = -1;
            }
            if (n < 0) throw new IoliteException(ErrorCode.ARGUMENT_INVALID, "'top' must be a whole number from 0, not '" + top + "'");
        }
        ArrayNode out = json.createArrayNode();
        configurations.list(hub.name(), n).forEach(c -> out.add(render(c)));
        ctx.json(out);
    }

    void delete(Context ctx, Hub hub) {
        configurations.delete(hub.name(), ctx.pathParam("id"), ctx.header("If-Match"));
        ctx.status(204);
    }

    /** A content's modulesContent written to an edge device's module twins: 204, as the REST reference says. */
    void applyContent(Context ctx, Hub hub) {
        ObjectNode body = JsonBodies.requireObject(JsonBodies.parse(json, ctx.body()), "the configuration content");
        edgeContent.apply(hub.name(), ctx.pathParam("id"), body);
        ctx.status(204);
    }

    void testQueries(Context ctx, Hub hub) {
        ObjectNode body = JsonBodies.requireObject(JsonBodies.parse(json, ctx.body()), "the queries");
        ctx.json(configurations.testQueries(body));
    }

    ObjectNode render(Configuration c) {
        return ConfigurationJson.render(c);
    }
}

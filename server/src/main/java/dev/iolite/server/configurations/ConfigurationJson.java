package dev.iolite.server.configurations;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;

/**
 * A configuration as IoT Hub returns it: whole, with both times (the Java client needs them to replace one), the
 * etag, and the results of the last evaluation of the metrics that still exist. The hub API answers with it and an
 * export with {@code includeConfigurations} writes it, one a line.
 */
public final class ConfigurationJson {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private ConfigurationJson() {}

    public static ObjectNode render(Configuration c) {
        ObjectNode d = c.document();
        ObjectNode n = NODES.objectNode();
        n.put("id", c.id());
        n.set("schemaVersion", d.path("schemaVersion").deepCopy());
        n.set("labels", d.has("labels") ? d.get("labels").deepCopy() : NODES.objectNode());
        n.set("content", d.path("content").deepCopy());
        n.set("contentType", d.has("contentType") ? d.get("contentType").deepCopy() : NODES.nullNode());
        n.put("targetCondition", c.targetCondition());
        n.put("createdTimeUtc", time(c.created()));
        n.put("lastUpdatedTimeUtc", time(c.updated()));
        n.put("priority", c.priority());
        metrics(n.putObject("systemMetrics"), SystemMetrics.queries(c), c.results().path("systemMetrics"));
        metrics(n.putObject("metrics"), c.metricQueries(), c.results().path("metrics"));
        n.put("etag", c.etag());
        return n;
    }

    /** {@code {"results":{name:count},"queries":{name:query}}}: results of the last evaluation, of metrics that still exist. */
    private static void metrics(ObjectNode out, Map<String, String> queries, JsonNode results) {
        ObjectNode r = out.putObject("results");
        ObjectNode q = out.putObject("queries");
        queries.forEach((name, query) -> {
            q.put(name, query);
            if (results.path(name).isIntegralNumber()) r.put(name, results.path(name).longValue());
        });
    }

    private static String time(Instant t) {
        return t.truncatedTo(ChronoUnit.MILLIS).toString();
    }
}

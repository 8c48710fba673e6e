package dev.iolite.server.configurations;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A configuration as stored: what its client sent and the server keeps as it is ({@code document}: schema version,
 * labels, content, content type, target condition and the custom metrics' queries), and what the server decides:
 * the priority it orders by, the times, the version behind the etag, and the metrics' last results
 * ({@code results}: {@code {"systemMetrics":{...},"metrics":{...}}}, empty before the first evaluation).
 */
public record Configuration(String id, ObjectNode document, int priority, Instant created, Instant updated, long version,
                            ObjectNode results) {
    /** The three kinds of content; a configuration carries at most one. */
    public enum ContentKind {
        /** Automatic device management of device twins. */
        DEVICE("deviceContent"),
        /** Automatic device management of module twins (target condition {@code FROM devices.modules WHERE ...}). */
        MODULE("moduleContent"),
        /** An IoT Edge deployment: the module twins of edge devices, by module name. */
        MODULES("modulesContent");

        private final String field;

        ContentKind(String field) { this.field = field; }

        public String field() { return field; }
    }

    /** The kind of the content, or null for a configuration without content (metrics only). */
    public ContentKind kind() {
        JsonNode content = document.path("content");
        for (ContentKind k : ContentKind.values()) {
            if (content.path(k.field()).isObject() && !content.path(k.field()).isEmpty()) return k;
        }
        return null;
    }

    /** The content of {@link #kind()} (twin paths, or module names to twin paths), or null. */
    public ObjectNode content() {
        ContentKind k = kind();
        return k == null ? null : (ObjectNode) document.path("content").path(k.field());
    }

    /** The target condition as sent: a condition, {@code *}, {@code FROM devices.modules WHERE ...}, or "" for none. */
    public String targetCondition() {
        JsonNode t = document.path("targetCondition");
        return t.isTextual() ? t.asText() : "";
    }

    /** The custom metrics' names and queries, in their order. */
    public Map<String, String> metricQueries() {
        Map<String, String> out = new LinkedHashMap<>();
        document.path("metrics").path("queries").fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue().asText()));
        return out;
    }

    /** The etag: base64 of the decimal version, as IoT Hub writes it ({@code MQ==} for 1). */
    public String etag() {
        return java.util.Base64.getEncoder().encodeToString(Long.toString(version).getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    }
}

package dev.iolite.server.configurations;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iolite.server.errors.ErrorCode;
import dev.iolite.server.errors.IoliteException;
import dev.iolite.server.query.QueryCompiler;
import dev.iolite.server.query.TwinQuery;
import dev.iolite.server.registry.ETags;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.regex.Pattern;

/**
 * ConfigurationService of IoT Hub (automatic device management, https://learn.microsoft.com/azure/iot-hub/iot-hub-automatic-device-management,
 * and IoT Edge deployments): their rules on create, replace and delete. A configuration's id and content never
 * change after its creation; its target condition, labels, priority and custom metrics may. Target conditions and
 * metric queries are compiled by the query compiler when they are written, so a stored one always runs.
 */
public final class ConfigurationService {
    /** IoT Hub's limit of configurations (and deployments, layered or not) per hub of a paid tier. */
    public static final int MAX_PER_HUB = 100;
    /** The free tier's limit. */
    public static final int MAX_PER_FREE_HUB = 20;
    public static final int MAX_ID_LENGTH = 128;
    public static final int MAX_CUSTOM_METRICS = 5;
    public static final int MAX_LABELS = 100;
    /** Bound of a configuration's stored document (an IoT Edge deployment with its modules is the largest). */
    public static final int MAX_DOCUMENT_BYTES = 512 * 1024;
    /** Lower-case letters, digits and the punctuation IoT Hub allows in configuration and deployment ids. */
    private static final Pattern ID = Pattern.compile("[a-z0-9\\-:+%_#*?!(),=@;$']+");
    private static final Pattern MODULE_NAME = Pattern.compile("\\$edgeAgent|\\$edgeHub|[a-zA-Z0-9_-]{1,64}");
    private static final String MODULES_TARGET = "FROM devices.modules WHERE ";

    private final ConfigurationStore store;
    private final Clock clock;
    private volatile BiConsumer<String, String> changed = (hub, id) -> { };

    public ConfigurationService(ConfigurationStore store, Clock clock) {
        this.store = store;
        this.clock = clock;
    }

    /** Called with the hub and id of every configuration created, replaced or deleted here (the evaluator's wake). */
    public void onChange(BiConsumer<String, String> listener) {
        this.changed = listener;
    }

    /** The most configurations a hub of this SKU may hold. */
    public static int maxFor(String skuName) {
        return skuName != null && skuName.toUpperCase(Locale.ROOT).startsWith("F") ? MAX_PER_FREE_HUB : MAX_PER_HUB;
    }

    public Configuration get(String hub, String id) {
        return store.find(hub, id).orElseThrow(() -> notFound(id));
    }

    public List<Configuration> list(String hub, int top) {
        return store.list(hub, Math.max(0, Math.min(top, MAX_PER_HUB)));
    }

    /**
     * Creates ({@code ifMatch} null) or replaces ({@code ifMatch} an etag or {@code *}, quoted or not) the
     * configuration {@code id} with the client's {@code body}; returns it as stored.
     */
    public Configuration put(String hub, int maxPerHub, String id, ObjectNode body, String ifMatch) {
        checkId(id);
        JsonNode bodyId = body.get("id");
        if (bodyId != null && !bodyId.isNull() && !id.equals(bodyId.asText())) {
            throw new IoliteException(ErrorCode.ARGUMENT_INVALID, "the body's id '" + bodyId.asText()
                    + "' is not the configuration's id in the path, '" + id + "'");
        }
        ObjectNode document = document(body);
        int priority = priority(body);
        Instant now = clock.instant();
        String match = ETags.unquote(ifMatch);
        if (match == null) {
            Configuration created = new Configuration(id, document, priority, now, now, 1, JsonNodeFactory.instance.objectNode());
            switch (store.insert(hub, created, maxPerHub)) {
                case EXISTS -> throw new IoliteException(ErrorCode.CONFIGURATION_ALREADY_EXISTS, "configuration '" + id
                        + "' already exists; replace it with If-Match set to its etag or *");
                case FULL -> throw new IoliteException(ErrorCode.CONFIGURATION_COUNT_LIMIT_EXCEEDED,
                        "the hub holds " + maxPerHub + " configurations, its limit; delete one first");
                case DONE -> { }
            }
            changed.accept(hub, id);
            return created;
        }
        Configuration old = store.find(hub, id).orElseThrow(() -> notFound(id));
        if (!ETags.isWildcard(match) && !match.equals(old.etag())) throw stale(id);
        JsonNode content = document.path("content");
        boolean sentContent = content.isObject() && contentFields(content) > 0;
        if (sentContent && !content.equals(old.document().path("content"))) {
            throw new IoliteException(ErrorCode.CANNOT_MODIFY_IMMUTABLE_CONFIGURATION_CONTENT, "the content of configuration '"
                    + id + "' cannot change after its creation; create another configuration instead");
        }
        // a client that sends no content keeps it (the Java client drops moduleContent on a replace)
        document.set("content", old.document().path("content").deepCopy());
        if (!document.hasNonNull("contentType") && old.document().hasNonNull("contentType")) {
            document.set("contentType", old.document().get("contentType"));
        }
        Configuration replaced = new Configuration(id, document, priority, old.created(), now, old.version() + 1, old.results());
        if (!store.replace(hub, replaced, old.version())) throw stale(id);
        changed.accept(hub, id);
        return replaced;
    }

    /** The hub's configurations as an export writes them: each rendered as IoT Hub returns it, in id order. */
    public List<ObjectNode> exportAll(String hub) {
        return store.list(hub, MAX_PER_HUB).stream().map(ConfigurationJson::render).toList();
    }

    /** The only import mode of a configuration line (IoT Hub's {@code ConfigurationImportMode}). */
    public static final String IMPORT_MODE = "createOrUpdateIfMatchETag";

    /**
     * Applies one line of an import with {@code includeConfigurations}: creates the configuration when its id is
     * new; otherwise replaces it when the line's etag is the stored one (or {@code *}), under the rules of a
     * replace (its content cannot change). A line that says what the configuration already is counts as applied
     * whatever its etag, so that an import run again after a crash, or of a hub's own export, fails no line.
     * The read-only fields of an exported line (times, etag, system metrics, results) are ignored.
     */
    public void importLine(String hub, int maxPerHub, ObjectNode line) {
        JsonNode mode = line.get("importMode");
        if (mode != null && !mode.isNull() && !(mode.isTextual() && mode.asText().equalsIgnoreCase(IMPORT_MODE))) {
            throw invalid("'importMode' of a configuration is '" + IMPORT_MODE + "', not " + mode);
        }
        JsonNode idNode = line.get("id");
        String id = idNode != null && idNode.isTextual() ? idNode.asText() : null;
        checkId(id);
        JsonNode etagNode = line.get("etag");
        String etag = etagNode == null || etagNode.isNull() || etagNode.asText().isEmpty() ? null : ETags.unquote(etagNode.asText());
        java.util.Optional<Configuration> existing = store.find(hub, id);
        if (existing.isEmpty()) {
            try {
                put(hub, maxPerHub, id, line, null);
                return;
            } catch (IoliteException e) {
                // created meanwhile by another caller: the line's etag decides, as for one that existed
                if (e.errorCode() != ErrorCode.CONFIGURATION_ALREADY_EXISTS) throw e;
                existing = store.find(hub, id);
                if (existing.isEmpty()) throw e;
            }
        }
        Configuration old = existing.get();
        ObjectNode document = document(line);
        if (document.equals(old.document()) && priority(line) == old.priority()) return;
        if (etag == null) {
            throw new IoliteException(ErrorCode.PRECONDITION_FAILED, "configuration '" + id + "' exists, and importMode "
                    + IMPORT_MODE + " replaces it only when the line's etag is its etag; the line has none");
        }
        put(hub, maxPerHub, id, line, etag);
    }

    /** Deletes the configuration, at the etag {@code ifMatch} unless it is null or {@code *}. */
    public void delete(String hub, String id, String ifMatch) {
        String match = ETags.unquote(ifMatch);
        Configuration old = store.find(hub, id).orElseThrow(() -> notFound(id));
        if (match != null && !ETags.isWildcard(match) && !match.equals(old.etag())) throw stale(id);
        if (!store.delete(hub, id, match == null || ETags.isWildcard(match) ? null : old.version())) {
            if (store.find(hub, id).isEmpty()) throw notFound(id);
            throw stale(id);
        }
        changed.accept(hub, id);
    }

    /** The errors of a target condition and custom metric queries, as {@code POST /configurations/testQueries} reports them. */
    public ObjectNode testQueries(ObjectNode body) {
        ObjectNode out = JsonNodeFactory.instance.objectNode();
        JsonNode target = body.get("targetCondition");
        String targetError = null;
        if (target != null && !target.isNull()) {
            try {
                targetQuery(target.isTextual() ? target.asText() : target.toString());
            } catch (IoliteException e) {
                targetError = e.getMessage();
            }
        }
        out.put("targetConditionError", targetError);
        ObjectNode errors = out.putObject("customMetricQueryErrors");
        JsonNode queries = body.path("customMetricQueries");
        if (!queries.isMissingNode() && !queries.isNull() && !queries.isObject()) {
            throw new IoliteException(ErrorCode.INVALID_CONFIGURATION_CUSTOM_METRICS_QUERY,
                    "'customMetricQueries' must be an object of metric names and queries");
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = queries.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            try {
                metricQuery(e.getKey(), e.getValue());
            } catch (IoliteException x) {
                errors.put(e.getKey(), x.getMessage());
            }
        }
        return out;
    }

    /**
     * The devices (or modules) a target condition selects, as a compiled query: null for an empty condition (it
     * targets nothing). {@code *} targets every device; {@code FROM devices.modules WHERE ...} targets modules.
     */
    public static TwinQuery targetQuery(String condition) {
        String c = condition == null ? "" : condition.trim();
        if (c.isEmpty()) return null;
        try {
            if (c.equals("*")) return QueryCompiler.compile("SELECT * FROM devices");
            if (c.regionMatches(true, 0, MODULES_TARGET, 0, MODULES_TARGET.length())) {
                return QueryCompiler.compile("SELECT * " + c);
            }
            return QueryCompiler.compileFilter(c);
        } catch (IoliteException e) {
            throw new IoliteException(ErrorCode.INVALID_CONFIGURATION_TARGET_CONDITION,
                    "the target condition is not valid: " + e.getMessage());
        }
    }

    /** A custom metric's query, compiled: a SELECT of devices or modules whose rows the metric counts. */
    static TwinQuery metricQuery(String name, JsonNode query) {
        if (query == null || !query.isTextual() || query.asText().isBlank()) {
            throw new IoliteException(ErrorCode.INVALID_CONFIGURATION_CUSTOM_METRICS_QUERY,
                    "the custom metric '" + name + "' has no query");
        }
        try {
            TwinQuery q = QueryCompiler.compile(query.asText());
            if (q.isAggregate() || !q.groupBy().isEmpty()) {
                throw new IoliteException(ErrorCode.ARGUMENT_INVALID, "a metric counts rows: no aggregates or GROUP BY");
            }
            return q;
        } catch (IoliteException e) {
            throw new IoliteException(ErrorCode.INVALID_CONFIGURATION_CUSTOM_METRICS_QUERY,
                    "the query of the custom metric '" + name + "' is not valid: " + e.getMessage());
        }
    }

    /** The client's fields that the server keeps, checked; read-only fields (times, etag, system metrics) are left out. */
    private static ObjectNode document(ObjectNode body) {
        ObjectNode d = JsonNodeFactory.instance.objectNode();
        JsonNode schema = body.get("schemaVersion");
        d.put("schemaVersion", schema == null || schema.isNull() ? "1.0" : text(schema, "schemaVersion"));
        JsonNode labels = body.get("labels");
        if (labels != null && !labels.isNull()) {
            if (!labels.isObject()) throw invalid("'labels' must be an object of strings");
            if (labels.size() > MAX_LABELS) throw invalid("'labels' has " + labels.size() + " entries; the limit is " + MAX_LABELS);
            ObjectNode l = d.putObject("labels");
            labels.fields().forEachRemaining(e -> {
                if (!e.getValue().isValueNode() || e.getValue().isNull()) throw invalid("label '" + e.getKey() + "' must be a string");
                l.put(e.getKey(), e.getValue().asText());
            });
        }
        JsonNode content = body.get("content");
        ObjectNode c = d.putObject("content");
        if (content != null && !content.isNull()) {
            if (!content.isObject()) throw new IoliteException(ErrorCode.INVALID_CONFIGURATION_CONTENT, "'content' must be an object");
            if (contentFields(content) > 1) {
                throw new IoliteException(ErrorCode.INVALID_CONFIGURATION_CONTENT,
                        "'content' holds more than one of deviceContent, moduleContent and modulesContent; a configuration has one");
            }
            for (Configuration.ContentKind k : Configuration.ContentKind.values()) {
                JsonNode part = content.get(k.field());
                if (part == null || part.isNull() || (part.isObject() && part.isEmpty())) continue;
                if (!part.isObject()) throw new IoliteException(ErrorCode.INVALID_CONFIGURATION_CONTENT, "'content." + k.field() + "' must be an object");
                checkContent(k, (ObjectNode) part, "content.");
                c.set(k.field(), part.deepCopy());
            }
        }
        JsonNode contentType = body.get("contentType");
        if (contentType != null && !contentType.isNull()) d.put("contentType", text(contentType, "contentType"));
        JsonNode target = body.get("targetCondition");
        String condition = target == null || target.isNull() ? "" : text(target, "targetCondition");
        targetQuery(condition);
        boolean modulesTarget = condition.trim().regionMatches(true, 0, MODULES_TARGET, 0, MODULES_TARGET.length());
        boolean moduleContent = c.has(Configuration.ContentKind.MODULE.field());
        if (moduleContent != modulesTarget && !condition.isBlank() && c.size() > 0) {
            throw new IoliteException(ErrorCode.INVALID_CONFIGURATION_TARGET_CONDITION, moduleContent
                    ? "a configuration of moduleContent targets modules: its condition starts with '" + MODULES_TARGET + "'"
                    : "a condition '" + MODULES_TARGET + "...' targets modules: its configuration has moduleContent");
        }
        d.put("targetCondition", condition);
        ObjectNode queries = d.putObject("metrics").putObject("queries");
        JsonNode metrics = body.path("metrics").path("queries");
        if (!metrics.isMissingNode() && !metrics.isNull()) {
            if (!metrics.isObject()) throw new IoliteException(ErrorCode.INVALID_CONFIGURATION_CUSTOM_METRICS_QUERY, "'metrics.queries' must be an object");
            if (metrics.size() > MAX_CUSTOM_METRICS) {
                throw new IoliteException(ErrorCode.INVALID_CONFIGURATION_CUSTOM_METRICS_QUERY, "a configuration has at most "
                        + MAX_CUSTOM_METRICS + " custom metrics, not " + metrics.size());
            }
            metrics.fields().forEachRemaining(e -> {
                metricQuery(e.getKey(), e.getValue());
                queries.put(e.getKey(), e.getValue().asText());
            });
        }
        int bytes = d.toString().getBytes(StandardCharsets.UTF_8).length;
        if (bytes > MAX_DOCUMENT_BYTES) {
            throw new IoliteException(ErrorCode.INVALID_CONFIGURATION_CONTENT, "the configuration is " + bytes
                    + " bytes; the limit is " + MAX_DOCUMENT_BYTES);
        }
        return d;
    }

    /** Refuses a content part whose keys are not twin paths (or module names), with its field's name after {@code prefix}. */
    static void checkContent(Configuration.ContentKind kind, ObjectNode part, String prefix) {
        if (kind != Configuration.ContentKind.MODULES) {
            ContentPaths.desired(part, prefix + kind.field());
            return;
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = part.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> module = it.next();
            String field = prefix + "modulesContent." + module.getKey();
            if (!MODULE_NAME.matcher(module.getKey()).matches()) {
                throw new IoliteException(ErrorCode.INVALID_CONFIGURATION_CONTENT, "'" + module.getKey()
                        + "' is not a module name: letters, digits, '-' and '_', at most 64, or $edgeAgent and $edgeHub");
            }
            if (!module.getValue().isObject()) throw new IoliteException(ErrorCode.INVALID_CONFIGURATION_CONTENT, "'" + field + "' must be an object");
            ContentPaths.desired((ObjectNode) module.getValue(), field);
        }
    }

    private static int contentFields(JsonNode content) {
        int n = 0;
        for (Configuration.ContentKind k : Configuration.ContentKind.values()) {
            JsonNode part = content.get(k.field());
            if (part != null && !part.isNull() && !(part.isObject() && part.isEmpty())) n++;
        }
        return n;
    }

    private static int priority(ObjectNode body) {
        JsonNode p = body.get("priority");
        if (p == null || p.isNull()) return 0;
        if (!p.isIntegralNumber() || !p.canConvertToInt() || p.intValue() < 0) {
            throw invalid("'priority' must be an integer from 0 to " + Integer.MAX_VALUE + ", not " + p);
        }
        return p.intValue();
    }

    private static void checkId(String id) {
        if (id == null || id.isEmpty() || id.length() > MAX_ID_LENGTH || !ID.matcher(id).matches()) {
            throw invalid("a configuration id is 1 to " + MAX_ID_LENGTH
                    + " lower-case letters, digits and - : + % _ # * ? ! ( ) , = @ ; $ ', not '" + id + "'");
        }
    }

    private static String text(JsonNode n, String field) {
        if (!n.isTextual()) throw invalid("'" + field + "' must be a string");
        return n.asText();
    }

    private static IoliteException invalid(String message) {
        return new IoliteException(ErrorCode.ARGUMENT_INVALID, message);
    }

    private static IoliteException notFound(String id) {
        return new IoliteException(ErrorCode.CONFIGURATION_NOT_FOUND, "configuration '" + id + "' does not exist");
    }

    private static IoliteException stale(String id) {
        return new IoliteException(ErrorCode.PRECONDITION_FAILED, "configuration '" + id
                + "' has changed since its etag was read; read it again");
    }
}

package dev.iolite.server.hubapi;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iolite.server.json.JsonBodies;
import dev.iolite.server.devices.ConnectionTracker;
import dev.iolite.server.hubs.Hub;
import dev.iolite.server.query.GroupRow;
import dev.iolite.server.query.QueryCompiler;
import dev.iolite.server.query.Selection;
import dev.iolite.server.query.TwinQuery;
import dev.iolite.server.registry.Device;
import dev.iolite.server.registry.DeviceKey;
import dev.iolite.server.registry.ETags;
import dev.iolite.server.errors.ErrorCode;
import dev.iolite.server.registry.IdRules;
import dev.iolite.server.registry.ImportItem;
import dev.iolite.server.registry.ImportMode;
import dev.iolite.server.errors.IoliteException;
import dev.iolite.server.registry.LineOutcome;
import dev.iolite.server.registry.RegistryService;
import dev.iolite.server.store.StillWanted;
import dev.iolite.server.http.CallerWatch;
import io.javalin.http.Context;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Device and module identity operations of the hub API (https://learn.microsoft.com/rest/api/iothub/service/devices).
 */
public final class DevicesHandler {
    private final RegistryService registry;
    private final HubMapper mapper;
    private final ObjectMapper json;
    private final QueryTokens tokens;
    private final ConnectionTracker connections;

    /** {@code tokenKey} signs query continuation tokens: a secret every node of the store shares. */
    public DevicesHandler(RegistryService registry, HubMapper mapper, ObjectMapper json, byte[] tokenKey,
                          ConnectionTracker connections) {
        this.connections = connections;
        this.registry = registry;
        this.mapper = mapper;
        this.json = json;
        this.tokens = new QueryTokens(tokenKey);
    }

    void statistics(Context ctx, Hub hub) {
        ctx.json(mapper.statistics(registry.statistics(hub.name())));
    }

    /**
     * The devices connected now, at any node. Module connections are not counted: the field counts devices, as
     * {@code totalDeviceCount} of {@code /statistics/devices} does.
     */
    void serviceStatistics(Context ctx, Hub hub) {
        ctx.json(json.createObjectNode().put("connectedDeviceCount", connections.connectedDeviceCount(hub.name())));
    }

    void list(Context ctx, Hub hub) {
        String top = ctx.queryParam("top");
        int n = RegistryService.MAX_LIST;
        if (top != null && !top.isBlank()) {
            try {
                n = Integer.parseInt(top.trim());
            } catch (NumberFormatException e) {
                throw new IoliteException(ErrorCode.ARGUMENT_INVALID, "'top' must be an integer, not '" + top + "'");
            }
        }
        ArrayNode out = json.createArrayNode();
        for (Device d : registry.listDevices(hub.name(), n)) out.add(mapper.device(d));
        ctx.json(out);
    }

    /**
     * Page size when the caller names none, and the largest it may name
     * (https://learn.microsoft.com/rest/api/iothub/service/devices/get-devices).
     */
    static final int QUERY_PAGE = 100;
    static final int QUERY_PAGE_MAX = 10_000;

    /**
     * {@code POST /devices/query} (https://learn.microsoft.com/azure/iot-hub/iot-hub-devguide-query-language): IoT
     * Hub's query language over twins.
     * Filtering, counting and grouping run in the store; twins come in (device id, module id) order,
     * {@code x-ms-max-item-count} per page, with a signed {@code x-ms-continuation} token while more remain.
     */
    void query(Context ctx, Hub hub) throws java.io.IOException {
        ObjectNode body = JsonBodies.requireObject(JsonBodies.parse(json, ctx.body()), "the query request");
        String text = JsonBodies.text(body, "query", "query");
        if (text == null) throw new IoliteException(ErrorCode.ARGUMENT_INVALID, "the request names no 'query'");
        TwinQuery query = QueryCompiler.compile(text);
        int size = pageSize(ctx.header("x-ms-max-item-count"));
        QueryTokens.Position at = tokens.read(hub.name(), text, ctx.header("x-ms-continuation"));
        long left = query.top() == null ? Long.MAX_VALUE : Math.max(0, query.top() - at.returned());
        int limit = (int) Math.min(size, left);
        QueryPage page = new QueryPage(json);
        StillWanted wanted = CallerWatch.of(ctx);
        QueryTokens.Position next = null;
        String itemType = "Raw";
        if (limit > 0 && query.isAggregate()) {
            List<GroupRow> groups = registry.queryGroups(hub.name(), query, at.returned(), limit + 1, wanted);
            boolean more = groups.size() > limit;
            for (GroupRow g : groups.subList(0, Math.min(limit, groups.size()))) {
                if (!page.add(out -> out.writeTree(group(query, g)))) {
                    more = true;
                    break;
                }
            }
            if (more && page.rows() < left) next = new QueryTokens.Position(at.returned() + page.rows(), null);
        } else if (limit > 0 && query.source() == TwinQuery.Source.JOBS) {
            // the rows of scheduled jobs, as stored; a row's key is (job id, device id)
            itemType = "DeviceJob";
            DeviceKey[] last = new DeviceKey[1];
            boolean[] more = new boolean[1];
            registry.queryDeviceJobs(hub.name(), query, at.after(), limit + 1, wanted, (key, row) -> {
                boolean added = page.rows() < limit && page.add(out -> out.writeRawValue(row));
                if (!added) {
                    more[0] = true;
                    return false;
                }
                last[0] = key;
                return true;
            });
            if (more[0] && page.rows() < left) next = new QueryTokens.Position(at.returned() + page.rows(), last[0]);
        } else if (limit > 0) {
            boolean whole = query.selection() instanceof Selection.All;
            if (whole) itemType = "Twin";
            DeviceKey[] last = new DeviceKey[1];
            boolean[] more = new boolean[1];
            registry.queryTwins(hub.name(), query, at.after(), limit + 1, wanted, d -> {
                boolean added = page.rows() < limit && page.add(whole ? out -> mapper.writeTwin(out, d)
                        : out -> out.writeTree(row(query, mapper.twin(d))));
                if (!added) {
                    more[0] = true;  // the row past the page's count or its bytes: the next page begins with it
                    return false;
                }
                last[0] = d.key();
                return true;
            });
            if (more[0] && page.rows() < left) next = new QueryTokens.Position(at.returned() + page.rows(), last[0]);
        }
        if (next != null) ctx.header("x-ms-continuation", tokens.issue(hub.name(), text, next));
        ctx.header("x-ms-item-type", itemType);
        ctx.contentType("application/json; charset=utf-8").result(page.finish());
    }

    /** A twin as the query selects it: whole, or the selected properties (undefined ones left out). */
    private ObjectNode row(TwinQuery query, ObjectNode twin) {
        if (!(query.selection() instanceof Selection.Properties p)) return twin;
        ObjectNode row = json.createObjectNode();
        for (Selection.Column c : p.columns()) {
            JsonNode v = twin;
            for (String segment : c.path()) v = v == null ? null : v.get(segment);
            if (v != null) row.set(c.name(), v);
        }
        return row;
    }

    private ObjectNode group(TwinQuery query, GroupRow g) {
        ObjectNode row = json.createObjectNode();
        for (Selection.Column c : ((Selection.Aggregate) query.selection()).columns()) {
            if (c.isCount()) {
                row.put(c.name(), g.count());
            } else {
                JsonNode key = g.keys().get(query.groupBy().indexOf(c.value()));
                if (key != null) row.set(c.name(), key);
            }
        }
        return row;
    }

    private static int pageSize(String header) {
        if (header == null || header.isBlank()) return QUERY_PAGE;
        try {
            int n = Integer.parseInt(header.trim());
            if (n >= 1 && n <= QUERY_PAGE_MAX) return n;
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IoliteException(ErrorCode.ARGUMENT_INVALID,
                "'x-ms-max-item-count' must be an integer from 1 to " + QUERY_PAGE_MAX + ", not '" + header + "'");
    }

    void listModules(Context ctx, Hub hub) {
        String id = IdRules.requireDeviceId(ctx.pathParam("id"), "deviceId");
        ArrayNode out = json.createArrayNode();
        for (Device d : registry.listModules(hub.name(), id)) out.add(mapper.device(d));
        ctx.json(out);
    }

    void get(Context ctx, Hub hub) {
        Device d = registry.get(hub.name(), key(ctx));
        ctx.header("ETag", "\"" + d.etag() + "\"");
        ctx.json(mapper.device(d));
    }

    /**
     * Create or update (https://learn.microsoft.com/rest/api/iothub/service/devices): no If-Match creates (409 if it
     * exists), {@code *} updates
     * unconditionally, an etag updates only on match (412 otherwise).
     */
    void put(Context ctx, Hub hub) {
        DeviceKey key = key(ctx);
        ObjectNode body = JsonBodies.requireObject(JsonBodies.parse(json, ctx.body()), "the device");
        String bodyId = JsonBodies.text(body, "deviceId", "deviceId");
        if (bodyId != null && !bodyId.isEmpty() && !bodyId.equals(key.deviceId())) {
            throw new IoliteException(ErrorCode.ARGUMENT_INVALID,
                    "'deviceId' in the body ('" + bodyId + "') differs from the id in the path ('" + key.deviceId() + "')");
        }
        String bodyModule = JsonBodies.text(body, "moduleId", "moduleId");
        if (key.moduleId() != null && bodyModule != null && !bodyModule.isEmpty() && !bodyModule.equals(key.moduleId())) {
            throw new IoliteException(ErrorCode.ARGUMENT_INVALID, "'moduleId' in the body ('" + bodyModule
                    + "') differs from the id in the path ('" + key.moduleId() + "')");
        }
        String ifMatch = ETags.unquote(ctx.header("If-Match"));
        ImportMode mode = ifMatch == null ? ImportMode.CREATE
                : ETags.isWildcard(ifMatch) ? ImportMode.UPDATE : ImportMode.UPDATE_IF_MATCH_ETAG;
        ImportItem parsed = mapper.item(body, 1, "deviceId", mode);
        ImportItem item = new ImportItem(1, key, mode, ifMatch, null, parsed.fields(), null, null);
        Device d = registry.apply(hub.name(), item);
        ctx.header("ETag", "\"" + d.etag() + "\"");
        ctx.json(mapper.device(d));
    }

    /** Delete: no If-Match or {@code *} is unconditional, an etag must match. */
    void delete(Context ctx, Hub hub) {
        DeviceKey key = key(ctx);
        String ifMatch = ETags.unquote(ctx.header("If-Match"));
        ImportMode mode = ifMatch == null || ETags.isWildcard(ifMatch) ? ImportMode.DELETE : ImportMode.DELETE_IF_MATCH_ETAG;
        registry.apply(hub.name(), ImportItem.delete(key.deviceId(), key.moduleId(), mode, ifMatch));
        ctx.status(204);
    }

    /**
     * Bulk registry operation (https://learn.microsoft.com/rest/api/iothub/service/bulk-registry): at most 100 items,
     * each named once, each with its import mode.
     * {@code countDevices} is told how many devices the array holds before any is applied (the throttle).
     */
    void bulk(Context ctx, Hub hub, java.util.function.IntConsumer countDevices) {
        ArrayNode array = JsonBodies.requireArray(JsonBodies.parse(json, ctx.body()), "the bulk request");
        if (array.isEmpty()) {
            throw new IoliteException(ErrorCode.ARGUMENT_INVALID, "the bulk request holds no devices");
        }
        if (array.size() > RegistryService.MAX_BULK_DEVICES) {
            throw new IoliteException(ErrorCode.TOO_MANY_DEVICES, "the bulk request holds " + array.size()
                    + " devices; the limit is " + RegistryService.MAX_BULK_DEVICES);
        }
        countDevices.accept(array.size());
        List<ImportItem> items = new ArrayList<>(array.size());
        Set<DeviceKey> seen = new HashSet<>();
        for (int i = 0; i < array.size(); i++) {
            JsonNode element = array.get(i);
            ImportItem item;
            try {
                item = mapper.item(JsonBodies.requireObject(element, "item " + i), i + 1, "id", ImportMode.CREATE_OR_UPDATE);
            } catch (IoliteException e) {
                throw new IoliteException(e.errorCode(), "item " + i + ": " + e.getMessage());
            }
            if (item.deviceId() != null && !seen.add(item.key())) {
                throw new IoliteException(ErrorCode.DEVICE_DEFINED_MULTIPLE_TIMES,
                        "'" + item.key() + "' appears more than once in the bulk request");
            }
            items.add(item);
        }
        List<LineOutcome> outcomes = registry.applyBatch(hub.name(), items);
        ObjectNode result = json.createObjectNode();
        ArrayNode errors = json.createArrayNode();
        for (LineOutcome o : outcomes) {
            if (o instanceof LineOutcome.Failed f) {
                ObjectNode e = errors.addObject();
                e.put("deviceId", f.item().deviceId());
                if (f.item().moduleId() != null) e.put("moduleId", f.item().moduleId());
                e.put("errorCode", f.code().wireName());
                e.put("errorStatus", f.message());
                e.put("operation", f.item().mode().wireName());
            }
        }
        result.put("isSuccessful", errors.isEmpty());
        result.set("errors", errors);
        result.set("warnings", json.createArrayNode());
        if (!errors.isEmpty()) {
            ctx.status(400);
            ctx.header("iothub-errorcode", ErrorCode.BULK_REGISTRY_OPERATION_FAILURE.wireName());
        }
        ctx.json(result);
    }

    static DeviceKey key(Context ctx) {
        String id = IdRules.requireDeviceId(ctx.pathParam("id"), "deviceId");
        String mid = ctx.pathParamMap().get("mid");
        return new DeviceKey(id, mid == null ? null : IdRules.requireModuleId(mid, "moduleId"));
    }
}

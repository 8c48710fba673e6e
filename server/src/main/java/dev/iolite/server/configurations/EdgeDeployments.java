package dev.iolite.server.configurations;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iolite.server.errors.IoliteException;
import dev.iolite.server.query.QueryCompiler;
import dev.iolite.server.query.TwinQuery;
import dev.iolite.server.registry.Device;
import dev.iolite.server.registry.DeviceKey;
import dev.iolite.server.registry.RegistryService;
import dev.iolite.server.registry.Twin;
import dev.iolite.server.registry.TwinDocument;
import dev.iolite.server.registry.TwinRules;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * IoT Edge deployments (configurations with {@code modulesContent}) applied to the module twins of the edge devices
 * they target, as https://learn.microsoft.com/azure/iot-edge/module-deployment-monitoring describes them: of the
 * base deployments that target a device, the one of highest priority (the newest on a tie) is applied, never
 * merged with another; layered deployments of higher priority than that base write their paths over it, lowest
 * priority first, so a higher one wins on the same path; a layered deployment without a base applied, or not
 * above it, is only targeted. The configurations' evaluation hands it each page of devices it reads.
 */
final class EdgeDeployments {
    static final String AGENT = "$edgeAgent";
    private static final String APPLIED = "applied";
    private static final String TARGETED = "targeted";

    private final RegistryService registry;

    EdgeDeployments(RegistryService registry) {
        this.registry = registry;
    }

    /**
     * What a deployment targets: edge devices ({@code capabilities.iotEdge = true}) that its condition selects, all of
     * them for {@code *}; null for none (an empty condition).
     */
    static TwinQuery target(Configuration c) {
        String condition = c.targetCondition().trim();
        if (condition.isEmpty()) return null;
        String edge = "capabilities.iotEdge = true";
        try {
            return QueryCompiler.compileFilter(condition.equals("*") ? edge : edge + " AND (" + condition + ")");
        } catch (IoliteException e) {
            // it compiled alone when it was written; with the capability it may pass a limit of the language
            return null;
        }
    }

    /**
     * Adds to {@code current} and {@code next} the module twins of the page's edge devices that change: their
     * desired properties when the deployments applied to them change, and their {@code configurations} sections.
     * Reads the modules of the page's edge devices in one store call. {@code flags.get(i)} says which of
     * {@code mine} target {@code page.get(i)}. A section's entries of the configurations {@code others} (those of
     * automatic device management, which may target the same module twins) are kept as they are.
     */
    void evaluatePage(String hub, List<Device> page, List<BitSet> flags, List<Configuration> mine, Set<String> others,
                      List<Device> current, List<Twin> next) {
        List<String> edgeIds = new ArrayList<>();
        for (Device d : page) {
            if (d.iotEdge()) edgeIds.add(d.deviceId());
        }
        if (edgeIds.isEmpty()) return;
        Map<String, List<Device>> modules = new HashMap<>();
        for (Map.Entry<DeviceKey, Device> e : registry.findWithModules(hub, edgeIds).entrySet()) {
            if (e.getKey().moduleId() != null) modules.computeIfAbsent(e.getKey().deviceId(), k -> new ArrayList<>()).add(e.getValue());
        }
        for (int i = 0; i < page.size(); i++) {
            List<Device> own = modules.get(page.get(i).deviceId());
            if (!page.get(i).iotEdge() || own == null) continue;
            evaluate(flags.get(i), mine, others, own, current, next);
        }
    }

    /** One edge device: the deployments that target it (in {@code mine}'s order, highest priority first) and its modules. */
    private static void evaluate(BitSet flags, List<Configuration> mine, Set<String> others, List<Device> modules,
                                 List<Device> current, List<Twin> next) {
        List<Configuration> targeting = new ArrayList<>();
        for (int i = flags.nextSetBit(0); i >= 0; i = flags.nextSetBit(i + 1)) {
            if (mine.get(i).kind() == Configuration.ContentKind.MODULES) targeting.add(mine.get(i));
        }
        List<Configuration> applied = applied(targeting);
        Map<String, ObjectNode> desired = desired(applied);
        if (desired == null) {
            // past a twin's limits: every deployment stays targeted, as an ADM content that does not fit
            applied = List.of();
            desired = Map.of();
        }
        Set<String> appliedIds = new HashSet<>();
        applied.forEach(c -> appliedIds.add(c.id()));
        ObjectNode section = JsonNodeFactory.instance.objectNode();
        for (Configuration c : targeting) section.putObject(c.id()).put("status", appliedIds.contains(c.id()) ? APPLIED : TARGETED);
        for (Device m : modules) {
            ObjectNode written = desired.get(m.moduleId());
            ObjectNode before = m.twin().configurations().toTree();
            ObjectNode expected = kept(before, others);
            if (written != null || m.moduleId().equals(AGENT)) expected.setAll(section);
            // a module gets its desired properties when the set applied to it changes (or it appears later)
            Set<String> appliedBefore = appliedIn(before);
            appliedBefore.removeAll(others);
            boolean rewrite = written != null && !appliedBefore.equals(appliedIds);
            if (!rewrite && before.equals(expected)) continue;
            Twin t = m.twin();
            current.add(m);
            next.add(new Twin(t.tags(), rewrite ? TwinDocument.of(written) : t.desired(), t.reported(), t.version() + 1,
                    expected.isEmpty() ? TwinDocument.EMPTY : TwinDocument.of(expected.deepCopy())));
        }
    }

    /** The base of highest priority, then the layered ones above it from the lowest priority up; empty without a base. */
    static List<Configuration> applied(List<Configuration> targeting) {
        Configuration base = null;
        for (Configuration c : targeting) {
            if (!ContentPaths.layered(c.content())) {
                base = c;
                break;
            }
        }
        if (base == null) return List.of();
        List<Configuration> out = new ArrayList<>();
        out.add(base);
        for (int i = targeting.size() - 1; i >= 0; i--) {
            Configuration c = targeting.get(i);
            if (c.priority() > base.priority() && ContentPaths.layered(c.content())) out.add(c);
        }
        return out;
    }

    /** Each named module's desired properties once the deployments are written in order; null when one breaks a twin's limits. */
    static Map<String, ObjectNode> desired(List<Configuration> applied) {
        Map<String, ObjectNode> out = new LinkedHashMap<>();
        for (Configuration c : applied) {
            for (Iterator<Map.Entry<String, JsonNode>> it = c.content().fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> m = it.next();
                ObjectNode start = out.getOrDefault(m.getKey(), JsonNodeFactory.instance.objectNode());
                out.put(m.getKey(), ContentPaths.written(start, (ObjectNode) m.getValue()));
            }
        }
        for (ObjectNode d : out.values()) {
            try {
                TwinRules.validateDesired(d);
            } catch (IoliteException e) {
                return null;
            }
        }
        return out;
    }

    /** The entries of a twin's configurations section whose ids are among {@code ids}, as a new section. */
    static ObjectNode kept(ObjectNode section, Set<String> ids) {
        ObjectNode out = JsonNodeFactory.instance.objectNode();
        section.fields().forEachRemaining(e -> {
            if (ids.contains(e.getKey())) out.set(e.getKey(), e.getValue().deepCopy());
        });
        return out;
    }

    private static Set<String> appliedIn(ObjectNode section) {
        Set<String> ids = new HashSet<>();
        section.fields().forEachRemaining(e -> {
            if (APPLIED.equals(e.getValue().path("status").asText())) ids.add(e.getKey());
        });
        return ids;
    }
}

package dev.iolite.server.configurations;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iolite.server.errors.ErrorCode;
import dev.iolite.server.errors.IoliteException;
import dev.iolite.server.registry.TwinRules;

import java.util.Iterator;
import java.util.Map;

/**
 * The twin paths of a configuration's content. A key is {@code properties.desired} (the whole desired document)
 * or {@code properties.desired.a.b} (the value at that path): {@code {"properties.desired.chiller":{"t":66}}}
 * writes {@code {"chiller":{"t":66}}} into the desired properties. Keys are kept verbatim in the configuration;
 * this class turns them into a desired patch.
 */
public final class ContentPaths {
    public static final String DESIRED = "properties.desired";

    private ContentPaths() {}

    /**
     * The desired properties the twin paths write, as one document; {@code whole} is set when a key names the
     * whole desired document. Refuses other keys and documents past a twin's limits with {@code field}'s name.
     */
    public static ObjectNode desired(ObjectNode twinPaths, String field) {
        ObjectNode out = JsonNodeFactory.instance.objectNode();
        for (Iterator<Map.Entry<String, JsonNode>> it = twinPaths.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String key = e.getKey();
            if (key.equals(DESIRED)) {
                if (!e.getValue().isObject()) throw bad(field + "." + key + " must be an object");
                out.setAll((ObjectNode) e.getValue().deepCopy());
            } else if (key.startsWith(DESIRED + ".") && key.length() > DESIRED.length() + 1) {
                String[] path = key.substring(DESIRED.length() + 1).split("\\.", -1);
                ObjectNode at = out;
                for (int i = 0; i < path.length - 1; i++) {
                    if (path[i].isEmpty()) throw bad(field + " has the key '" + key + "' with an empty property name");
                    JsonNode next = at.get(path[i]);
                    at = next != null && next.isObject() ? (ObjectNode) next : at.putObject(path[i]);
                }
                if (path[path.length - 1].isEmpty()) throw bad(field + " has the key '" + key + "' with an empty property name");
                at.set(path[path.length - 1], e.getValue().deepCopy());
            } else {
                throw bad(field + " has the key '" + key + "'; its keys are twin paths: '" + DESIRED + "' or '"
                        + DESIRED + ".{property}'");
            }
        }
        try {
            TwinRules.validateDesired(out);
        } catch (IoliteException e) {
            throw bad(field + " would make desired properties past a twin's limits: " + e.getMessage());
        }
        return out;
    }

    /**
     * The desired properties {@code desired} once the twin paths are written into it, as an IoT Edge deployment
     * writes a module's: a {@code properties.desired} key replaces the whole document, then each
     * {@code properties.desired.a.b} key, in its order, puts its value at that path in place of what was there (a
     * null removes it). Null members inside values are left out. The keys must have passed {@link #desired}.
     */
    public static ObjectNode written(ObjectNode desired, ObjectNode twinPaths) {
        JsonNode whole = twinPaths.get(DESIRED);
        ObjectNode out = whole != null && whole.isObject() ? ((ObjectNode) whole).deepCopy() : desired.deepCopy();
        for (Iterator<Map.Entry<String, JsonNode>> it = twinPaths.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (e.getKey().equals(DESIRED)) continue;
            String[] path = e.getKey().substring(DESIRED.length() + 1).split("\\.", -1);
            ObjectNode at = out;
            for (int i = 0; i < path.length - 1 && at != null; i++) {
                JsonNode next = at.get(path[i]);
                if (next != null && next.isObject()) {
                    at = (ObjectNode) next;
                } else {
                    at = e.getValue().isNull() ? null : at.putObject(path[i]);
                }
            }
            if (at == null) continue;
            if (e.getValue().isNull()) {
                at.remove(path[path.length - 1]);
            } else {
                at.set(path[path.length - 1], e.getValue().deepCopy());
            }
        }
        return withoutNulls(out);
    }

    /**
     * Whether a deployment's {@code modulesContent} is layered: a module has a {@code properties.desired.{path}}
     * key (https://learn.microsoft.com/azure/iot-edge/module-deployment-monitoring, "Layered deployment").
     */
    public static boolean layered(ObjectNode modulesContent) {
        for (JsonNode module : modulesContent) {
            for (Iterator<String> it = module.fieldNames(); it.hasNext(); ) {
                if (it.next().startsWith(DESIRED + ".")) return true;
            }
        }
        return false;
    }

    private static ObjectNode withoutNulls(ObjectNode doc) {
        ObjectNode out = doc.objectNode();
        for (Iterator<Map.Entry<String, JsonNode>> it = doc.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (e.getValue().isNull()) continue;
            out.set(e.getKey(), e.getValue().isObject() ? withoutNulls((ObjectNode) e.getValue()) : e.getValue());
        }
        return out;
    }

    /** Whether the twin paths replace the whole desired document (a {@code properties.desired} key). */
    public static boolean replacesWhole(ObjectNode twinPaths) {
        return twinPaths.has(DESIRED);
    }

    private static IoliteException bad(String message) {
        return new IoliteException(ErrorCode.INVALID_CONFIGURATION_CONTENT, message);
    }
}

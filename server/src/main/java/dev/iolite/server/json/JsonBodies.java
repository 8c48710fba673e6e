package dev.iolite.server.json;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iolite.server.errors.ErrorCode;
import dev.iolite.server.errors.IoliteException;

import java.util.ArrayList;
import java.util.List;

/**
 * Reading wire JSON with errors that name the field: each accessor checks the JSON type and
 * throws {@link IoliteException} (400) saying which field was wrong and what it should be.
 */
public final class JsonBodies {
    private JsonBodies() {}

    public static ObjectMapper newMapper() {
        ObjectMapper m = new ObjectMapper();
        m.getFactory().setStreamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(64).build());
        m.enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
        return m;
    }

    /** Parses a request body; empty or malformed bodies give 400 IotHubFormatError. */
    public static JsonNode parse(ObjectMapper mapper, String body) {
        if (body == null || body.isBlank()) {
            throw new IoliteException(ErrorCode.IOT_HUB_FORMAT_ERROR, "the request body is empty; send a JSON document");
        }
        try {
            return mapper.readTree(body);
        } catch (JsonProcessingException e) {
            throw new IoliteException(ErrorCode.IOT_HUB_FORMAT_ERROR,
                    "the request body is not valid JSON: " + e.getOriginalMessage()
                            + (e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr()
                            + ", column " + e.getLocation().getColumnNr()));
        }
    }

    public static ObjectNode requireObject(JsonNode node, String what) {
        if (node instanceof ObjectNode o) return o;
        throw new IoliteException(ErrorCode.IOT_HUB_FORMAT_ERROR, what + " must be a JSON object, not " + kind(node));
    }

    public static ArrayNode requireArray(JsonNode node, String what) {
        if (node instanceof ArrayNode a) return a;
        throw new IoliteException(ErrorCode.IOT_HUB_FORMAT_ERROR, what + " must be a JSON array, not " + kind(node));
    }

    /** A string member, null when absent or JSON null. */
    public static String text(JsonNode parent, String field, String path) {
        JsonNode v = parent == null ? null : parent.get(field);
        if (v == null || v.isNull()) return null;
        if (!v.isTextual()) throw wrongType(path, "a string", v);
        return v.textValue();
    }

    public static Boolean bool(JsonNode parent, String field, String path) {
        JsonNode v = parent == null ? null : parent.get(field);
        if (v == null || v.isNull()) return null;
        if (!v.isBoolean()) throw wrongType(path, "true or false", v);
        return v.booleanValue();
    }

    public static Long integer(JsonNode parent, String field, String path) {
        JsonNode v = parent == null ? null : parent.get(field);
        if (v == null || v.isNull()) return null;
        if (!v.isIntegralNumber() || !v.canConvertToLong()) throw wrongType(path, "an integer", v);
        return v.longValue();
    }

    /** An object member, null when absent or JSON null. */
    public static ObjectNode object(JsonNode parent, String field, String path) {
        JsonNode v = parent == null ? null : parent.get(field);
        if (v == null || v.isNull()) return null;
        if (!(v instanceof ObjectNode o)) throw wrongType(path, "a JSON object", v);
        return o;
    }

    public static List<String> strings(JsonNode parent, String field, String path) {
        JsonNode v = parent == null ? null : parent.get(field);
        if (v == null || v.isNull()) return null;
        if (!v.isArray()) throw wrongType(path, "an array of strings", v);
        List<String> out = new ArrayList<>();
        for (JsonNode item : v) {
            if (!item.isTextual()) throw wrongType(path + "[]", "a string", item);
            out.add(item.textValue());
        }
        return out;
    }

    private static IoliteException wrongType(String path, String expected, JsonNode actual) {
        return new IoliteException(ErrorCode.ARGUMENT_INVALID, "'" + path + "' must be " + expected + ", not " + kind(actual));
    }

    static String kind(JsonNode n) {
        if (n == null || n.isMissingNode()) return "missing";
        if (n.isNull()) return "null";
        if (n.isTextual()) return "a string";
        if (n.isBoolean()) return "a boolean";
        if (n.isNumber()) return "a number";
        if (n.isArray()) return "an array";
        return "an object";
    }
}

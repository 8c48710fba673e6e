package dev.iolite.server.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.Map;

/** Twin document limits of SPEC §4: key rules, depth, value sizes and document sizes. */
public final class TwinRules {
    public static final int MAX_DEPTH = 10;
    public static final int MAX_KEY_BYTES = 1024;
    public static final int MAX_STRING_BYTES = 4096;
    public static final int MAX_TAGS_BYTES = 8 * 1024;
    public static final int MAX_DESIRED_BYTES = 32 * 1024;
    public static final long MAX_SAFE_INTEGER = 4503599627370495L;

    private TwinRules() {}

    public static void validateTags(ObjectNode tags) { validate(tags, "tags", MAX_TAGS_BYTES); }

    public static void validateDesired(ObjectNode desired) { validate(desired, "properties.desired", MAX_DESIRED_BYTES); }

    private static void validate(ObjectNode doc, String path, int maxBytes) {
        if (doc == null) return;
        checkObject(doc, path, 1);
        int size = doc.toString().getBytes(StandardCharsets.UTF_8).length;
        if (size > maxBytes) {
            throw new IoliteException(ErrorCode.ARGUMENT_INVALID,
                    "'" + path + "' is " + size + " bytes; the limit is " + maxBytes + " bytes");
        }
    }

    private static void checkObject(JsonNode node, String path, int depth) {
        if (depth > MAX_DEPTH) {
            throw new IoliteException(ErrorCode.ARGUMENT_INVALID,
                    "'" + path + "' is nested deeper than " + MAX_DEPTH + " levels");
        }
        Iterator<Map.Entry<String, JsonNode>> it = node.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            String key = e.getKey();
            String child = path + "." + key;
            checkKey(key, path);
            checkValue(e.getValue(), child, depth);
        }
    }

    private static void checkValue(JsonNode v, String path, int depth) {
        if (v.isObject()) {
            checkObject(v, path, depth + 1);
        } else if (v.isArray()) {
            for (JsonNode item : v) checkValue(item, path + "[]", depth + 1);
        } else if (v.isTextual()) {
            if (v.textValue().getBytes(StandardCharsets.UTF_8).length > MAX_STRING_BYTES) {
                throw new IoliteException(ErrorCode.ARGUMENT_INVALID,
                        "'" + path + "' is longer than " + MAX_STRING_BYTES + " bytes");
            }
        } else if (v.isIntegralNumber()) {
            if (!v.canConvertToLong() || Math.abs(v.longValue()) > MAX_SAFE_INTEGER + 1) {
                throw new IoliteException(ErrorCode.ARGUMENT_INVALID,
                        "'" + path + "' is outside -4503599627370496..4503599627370495");
            }
        }
    }

    private static void checkKey(String key, String path) {
        if (key.isEmpty() || key.getBytes(StandardCharsets.UTF_8).length > MAX_KEY_BYTES) {
            throw new IoliteException(ErrorCode.ARGUMENT_INVALID,
                    "a key in '" + path + "' is empty or longer than " + MAX_KEY_BYTES + " bytes");
        }
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            if (c == '.' || c == '$' || c == ' ' || c < 0x20 || (c >= 0x7f && c <= 0x9f)) {
                throw new IoliteException(ErrorCode.ARGUMENT_INVALID, "key '" + IdRules.printable(key) + "' in '"
                        + path + "' contains '.', '$', a space or a control character");
            }
        }
    }
}

package dev.iolite.server.registry;

import dev.iolite.server.errors.ErrorCode;
import dev.iolite.server.errors.IoliteException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.Iterator;
import java.util.Map;

/**
 * Twin document limits (https://learn.microsoft.com/azure/iot-hub/iot-hub-devguide-device-twins): key rules, depth,
 * value sizes and document sizes.
 */
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

    /** As {@link #validateTags(ObjectNode)}, over a document's own tree (no copy is made). */
    public static void validateTags(TwinDocument tags) { validate(tags == null ? null : tags.view(), "tags", MAX_TAGS_BYTES); }

    /** As {@link #validateDesired(ObjectNode)}, over a document's own tree (no copy is made). */
    public static void validateDesired(TwinDocument desired) {
        validate(desired == null ? null : desired.view(), "properties.desired", MAX_DESIRED_BYTES);
    }

    /** Reported properties have the desired ones' limits (32 KB). */
    public static void validateReported(ObjectNode reported) { validate(reported, "properties.reported", MAX_DESIRED_BYTES); }

    private static void validate(ObjectNode doc, String path, int maxBytes) {
        if (doc == null) return;
        long size = checkObject(doc, path, 1);
        if (size > maxBytes) {
            throw new IoliteException(ErrorCode.ARGUMENT_INVALID,
                    "'" + path + "' is " + size + " bytes; the limit is " + maxBytes + " bytes");
        }
    }

    /** Checks keys and values and returns the document's size as compact JSON (escapes not counted). */
    private static long checkObject(JsonNode node, String path, int depth) {
        if (depth > MAX_DEPTH) {
            throw new IoliteException(ErrorCode.ARGUMENT_INVALID,
                    "'" + path + "' is nested deeper than " + MAX_DEPTH + " levels");
        }
        long size = 2; // {}
        Iterator<Map.Entry<String, JsonNode>> it = node.fields();
        boolean first = true;
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            String key = e.getKey();
            int keyBytes = checkKey(key, path);
            size += (first ? 0 : 1) + keyBytes + 3 + checkValue(e.getValue(), path, key, depth); // "k":v
            first = false;
        }
        return size;
    }

    private static long checkValue(JsonNode v, String parent, String key, int depth) {
        if (v.isObject()) {
            return checkObject(v, parent + "." + key, depth + 1);
        } else if (v.isArray()) {
            long size = 2 + Math.max(0, v.size() - 1);
            for (JsonNode item : v) size += checkValue(item, parent + "." + key, "[]", depth + 1);
            return size;
        } else if (v.isTextual()) {
            if (!StoredText.isStorable(v.textValue())) StoredText.require(v.textValue(), "'" + parent + "." + key + "'");
            int bytes = utf8Length(v.textValue());
            if (bytes > MAX_STRING_BYTES) {
                throw new IoliteException(ErrorCode.ARGUMENT_INVALID,
                        "'" + parent + "." + key + "' is longer than " + MAX_STRING_BYTES + " bytes");
            }
            return bytes + 2L;
        } else if (v.isIntegralNumber()) {
            if (!v.canConvertToLong() || Math.abs(v.longValue()) > MAX_SAFE_INTEGER + 1) {
                throw new IoliteException(ErrorCode.ARGUMENT_INVALID,
                        "'" + parent + "." + key + "' is outside -4503599627370496..4503599627370495");
            }
            return Long.toString(v.longValue()).length();
        }
        return v.isNumber() ? v.asText().length() : v.isBoolean() ? (v.booleanValue() ? 4 : 5) : 4;
    }

    private static int utf8Length(String s) {
        int n = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x80) n++;
            else if (c < 0x800) n += 2;
            else if (Character.isHighSurrogate(c)) { n += 4; i++; }
            else n += 3;
        }
        return n;
    }

    private static int checkKey(String key, String path) {
        if (!StoredText.isStorable(key)) StoredText.require(key, "a key in '" + path + "'");
        int bytes = utf8Length(key);
        if (key.isEmpty() || bytes > MAX_KEY_BYTES) {
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
        return bytes;
    }
}

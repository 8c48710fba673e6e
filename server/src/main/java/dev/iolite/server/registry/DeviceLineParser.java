package dev.iolite.server.registry;

import dev.iolite.server.errors.ErrorCode;
import dev.iolite.server.errors.IoliteException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The one reader of a device as requested (an ExportImportDevice): a line of an import blob, an item of
 * bulk {@code POST /devices}, or the body of {@code PUT /devices/{id}}. It reads with Jackson's streaming
 * parser, without building a tree for the line (only the twin documents become trees), since an import
 * calls it a million times; a request's tree is read through the same code ({@link #read(ObjectNode,
 * long, String, ImportMode)}). Wrong types and unknown values throw {@link IoliteException} naming the field.
 */
public final class DeviceLineParser {
    private final ObjectMapper json;
    /** Reads a nested document in place: the rest of the line follows it, so no trailing-token check. */
    private final com.fasterxml.jackson.databind.ObjectReader nested;

    /** What was read before a failure, so an error line can still name the device. */
    private String lastId;
    private String lastModuleId;

    public DeviceLineParser(ObjectMapper json) {
        this.json = json;
        this.nested = json.reader().without(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    }

    public String lastId() { return lastId; }

    public String lastModuleId() { return lastModuleId; }

    /**
     * Reads the object the parser is positioned at (its START_OBJECT already consumed).
     *
     * @throws IoliteException for wrong types and values, naming the field
     * @throws IOException     for malformed JSON
     */
    public ImportItem read(JsonParser p, long lineNumber) throws IOException {
        return read(p, lineNumber, "id", ImportMode.CREATE_OR_UPDATE);
    }

    /**
     * Reads a device given as a tree: an item of bulk {@code POST /devices} ({@code id}) or the body of
     * {@code PUT /devices/{id}} ({@code deviceId}), whose mode, when the body names none, is {@code fallbackMode}.
     */
    public ImportItem read(ObjectNode n, long lineNumber, String idField, ImportMode fallbackMode) {
        try (JsonParser p = json.treeAsTokens(n)) {
            p.nextToken();
            return read(p, lineNumber, idField, fallbackMode);
        } catch (IOException e) {
            throw new IllegalStateException("reading a JSON tree cannot fail on input; this indicates a bug", e);
        }
    }

    private ImportItem read(JsonParser p, long lineNumber, String idField, ImportMode fallbackMode) throws IOException {
        lastId = null;
        lastModuleId = null;
        String id = null, moduleId = null, eTag = null, twinETag = null, mode = null, status = null;
        String statusReason = null, deviceScope = null, managedBy = null;
        Authentication auth = null;
        Boolean iotEdge = null;
        List<String> parentScopes = null;
        ObjectNode tags = null, desired = null;
        for (String name = p.nextFieldName(); name != null; name = p.nextFieldName()) {
            JsonToken t = p.nextToken();
            if (name.equals(idField)) {
                lastId = id = text(p, t, idField);
                continue;
            }
            switch (name) {
                case "moduleId" -> lastModuleId = moduleId = text(p, t, "moduleId");
                case "eTag" -> eTag = text(p, t, "eTag");
                case "twinETag" -> twinETag = text(p, t, "twinETag");
                case "importMode" -> mode = text(p, t, "importMode");
                case "status" -> status = text(p, t, "status");
                case "statusReason" -> statusReason = text(p, t, "statusReason");
                case "deviceScope" -> deviceScope = text(p, t, "deviceScope");
                case "managedBy" -> managedBy = text(p, t, "managedBy");
                case "authentication" -> auth = authentication(p, t);
                case "capabilities" -> {
                    if (object(p, t, "capabilities")) {
                        for (String f = p.nextFieldName(); f != null; f = p.nextFieldName()) {
                            JsonToken v = p.nextToken();
                            if (f.equals("iotEdge")) iotEdge = bool(p, v, "capabilities.iotEdge"); else p.skipChildren();
                        }
                    }
                }
                case "parentScopes" -> parentScopes = strings(p, t, "parentScopes");
                case "tags" -> tags = tree(p, t, "tags");
                case "properties" -> {
                    if (object(p, t, "properties")) {
                        for (String f = p.nextFieldName(); f != null; f = p.nextFieldName()) {
                            JsonToken v = p.nextToken();
                            if (f.equals("desired")) desired = tree(p, v, "properties.desired"); else p.skipChildren();
                        }
                    }
                }
                default -> p.skipChildren();
            }
        }
        return new ImportItem(lineNumber, new DeviceKey(id, moduleId), mode == null ? fallbackMode : ImportMode.parse(mode),
                eTag, twinETag,
                new ImportItem.Fields(status == null ? null : DeviceStatus.parse(status, "status"), statusReason, auth,
                        iotEdge, deviceScope, parentScopes, managedBy), TwinDocument.owning(withoutMetadata(tags)),
                TwinDocument.owning(withoutMetadata(desired)));
    }

    /** Twin documents without the read-only {@code $metadata} and {@code $version} that exports and clients carry. */
    public static ObjectNode withoutMetadata(ObjectNode doc) {
        if (doc == null) return null;
        if (!doc.has("$metadata") && !doc.has("$version")) return doc;
        ObjectNode copy = doc.deepCopy();
        copy.remove(List.of("$metadata", "$version"));
        return copy;
    }

    private static Authentication authentication(JsonParser p, JsonToken t) throws IOException {
        if (!object(p, t, "authentication")) return null;
        String type = null, pk = null, sk = null, pt = null, st = null;
        for (String f = p.nextFieldName(); f != null; f = p.nextFieldName()) {
            JsonToken v = p.nextToken();
            switch (f) {
                case "type" -> type = text(p, v, "authentication.type");
                case "symmetricKey" -> {
                    if (object(p, v, "authentication.symmetricKey")) {
                        for (String k = p.nextFieldName(); k != null; k = p.nextFieldName()) {
                            JsonToken kv = p.nextToken();
                            switch (k) {
                                case "primaryKey" -> pk = text(p, kv, "authentication.symmetricKey.primaryKey");
                                case "secondaryKey" -> sk = text(p, kv, "authentication.symmetricKey.secondaryKey");
                                default -> p.skipChildren();
                            }
                        }
                    }
                }
                case "x509Thumbprint" -> {
                    if (object(p, v, "authentication.x509Thumbprint")) {
                        for (String k = p.nextFieldName(); k != null; k = p.nextFieldName()) {
                            JsonToken kv = p.nextToken();
                            switch (k) {
                                case "primaryThumbprint" -> pt = text(p, kv, "authentication.x509Thumbprint.primaryThumbprint");
                                case "secondaryThumbprint" -> st = text(p, kv, "authentication.x509Thumbprint.secondaryThumbprint");
                                default -> p.skipChildren();
                            }
                        }
                    }
                }
                default -> p.skipChildren();
            }
        }
        return new Authentication(type == null ? null : AuthType.parse(type, "authentication.type"), pk, sk, pt, st);
    }

    private static String text(JsonParser p, JsonToken t, String path) throws IOException {
        if (t == JsonToken.VALUE_NULL) return null;
        if (t != JsonToken.VALUE_STRING) throw wrongType(p, t, path, "a string");
        return p.getText();
    }

    private static Boolean bool(JsonParser p, JsonToken t, String path) throws IOException {
        if (t == JsonToken.VALUE_NULL) return null;
        if (t != JsonToken.VALUE_TRUE && t != JsonToken.VALUE_FALSE) throw wrongType(p, t, path, "true or false");
        return t == JsonToken.VALUE_TRUE;
    }

    /** True when an object starts here; false for null; a wrong type throws. */
    private static boolean object(JsonParser p, JsonToken t, String path) throws IOException {
        if (t == JsonToken.VALUE_NULL) return false;
        if (t != JsonToken.START_OBJECT) throw wrongType(p, t, path, "a JSON object");
        return true;
    }

    private ObjectNode tree(JsonParser p, JsonToken t, String path) throws IOException {
        if (!object(p, t, path)) return null;
        return (ObjectNode) nested.readTree(p);
    }

    private static List<String> strings(JsonParser p, JsonToken t, String path) throws IOException {
        if (t == JsonToken.VALUE_NULL) return null;
        if (t != JsonToken.START_ARRAY) throw wrongType(p, t, path, "an array of strings");
        List<String> out = new ArrayList<>();
        for (JsonToken v = p.nextToken(); v != JsonToken.END_ARRAY; v = p.nextToken()) {
            if (v != JsonToken.VALUE_STRING) throw wrongType(p, v, path + "[]", "a string");
            out.add(p.getText());
        }
        return out;
    }

    private static IoliteException wrongType(JsonParser p, JsonToken t, String path, String expected) {
        String kind = switch (t) {
            case VALUE_STRING -> "a string";
            case VALUE_TRUE, VALUE_FALSE -> "a boolean";
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "a number";
            case START_ARRAY -> "an array";
            case START_OBJECT -> "an object";
            case VALUE_NULL -> "null";
            default -> "missing";
        };
        return new IoliteException(ErrorCode.ARGUMENT_INVALID, "'" + path + "' must be " + expected + ", not " + kind);
    }
}

package dev.iolite.server.registry;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.iolite.server.store.ExportRow;

import java.io.IOException;
import java.util.List;

import static dev.iolite.server.json.Json.bool;
import static dev.iolite.server.json.Json.object;
import static dev.iolite.server.json.Json.strings;
import static dev.iolite.server.json.Json.text;

/**
 * The ExportImportDevice format (SPEC §3.2, §3.5): items of bulk {@code POST /devices}, lines of
 * import blobs and of exports. One codec for all three, so an export always imports back.
 */
public final class DeviceLines {
    private DeviceLines() {}

    /** Reads one item; wrong types and unknown enum values throw {@link IoliteException} naming the field. */
    public static ImportItem read(ObjectNode n, long lineNumber, String idField, ImportMode fallbackMode) {
        String modeText = text(n, "importMode", "importMode");
        ImportMode mode = modeText == null ? fallbackMode : ImportMode.parse(modeText);
        String status = text(n, "status", "status");
        ObjectNode properties = object(n, "properties", "properties");
        ObjectNode capabilities = object(n, "capabilities", "capabilities");
        return new ImportItem(lineNumber, text(n, idField, idField), text(n, "moduleId", "moduleId"), mode,
                text(n, "eTag", "eTag"), text(n, "twinETag", "twinETag"),
                status == null ? null : DeviceStatus.parse(status, "status"),
                text(n, "statusReason", "statusReason"), authentication(object(n, "authentication", "authentication")),
                bool(capabilities, "iotEdge", "capabilities.iotEdge"), text(n, "deviceScope", "deviceScope"),
                strings(n, "parentScopes", "parentScopes"), text(n, "managedBy", "managedBy"),
                withoutMetadata(object(n, "tags", "tags")),
                withoutMetadata(object(properties, "desired", "properties.desired")));
    }

    private static Authentication authentication(ObjectNode a) {
        if (a == null) return null;
        ObjectNode sym = object(a, "symmetricKey", "authentication.symmetricKey");
        ObjectNode x509 = object(a, "x509Thumbprint", "authentication.x509Thumbprint");
        String type = text(a, "type", "authentication.type");
        return new Authentication(type == null ? null : AuthType.parse(type, "authentication.type"),
                text(sym, "primaryKey", "authentication.symmetricKey.primaryKey"),
                text(sym, "secondaryKey", "authentication.symmetricKey.secondaryKey"),
                text(x509, "primaryThumbprint", "authentication.x509Thumbprint.primaryThumbprint"),
                text(x509, "secondaryThumbprint", "authentication.x509Thumbprint.secondaryThumbprint"));
    }

    /** Twin documents without the read-only {@code $metadata} and {@code $version} that exports and clients carry. */
    public static ObjectNode withoutMetadata(ObjectNode doc) {
        if (doc == null) return null;
        if (!doc.has("$metadata") && !doc.has("$version")) return doc;
        ObjectNode copy = doc.deepCopy();
        copy.remove(List.of("$metadata", "$version"));
        return copy;
    }

    /**
     * Writes one export line in the exact shape of SPEC §3.5: {@code status} and an
     * {@code authentication} object always present (the Java and C# parsers need them), keys null
     * when excluded. Twin documents are copied as the JSON text they were stored as.
     */
    public static void write(JsonGenerator g, ExportRow d, boolean excludeKeys) throws IOException {
        g.writeStartObject();
        g.writeStringField("id", d.deviceId());
        if (d.moduleId() != null) {
            g.writeStringField("moduleId", d.moduleId());
            if (d.managedBy() != null) g.writeStringField("managedBy", d.managedBy());
        }
        g.writeStringField("eTag", d.etag());
        g.writeStringField("status", d.enabled() ? "enabled" : "disabled");
        if (d.statusReason() != null) g.writeStringField("statusReason", d.statusReason());
        g.writeObjectFieldStart("authentication");
        g.writeObjectFieldStart("symmetricKey");
        g.writeStringField("primaryKey", excludeKeys ? null : d.primaryKey());
        g.writeStringField("secondaryKey", excludeKeys ? null : d.secondaryKey());
        g.writeEndObject();
        g.writeObjectFieldStart("x509Thumbprint");
        g.writeStringField("primaryThumbprint", d.primaryThumbprint());
        g.writeStringField("secondaryThumbprint", d.secondaryThumbprint());
        g.writeEndObject();
        g.writeStringField("type", d.authType());
        g.writeEndObject();
        g.writeStringField("twinETag", d.twinEtag());
        g.writeFieldName("tags");
        g.writeRawValue(d.tagsJson());
        g.writeObjectFieldStart("properties");
        g.writeFieldName("desired");
        g.writeRawValue(d.desiredJson());
        g.writeFieldName("reported");
        g.writeRawValue(d.reportedJson());
        g.writeEndObject();
        g.writeObjectFieldStart("capabilities");
        g.writeBooleanField("iotEdge", d.iotEdge());
        g.writeEndObject();
        if (d.moduleId() == null) {
            g.writeStringField("deviceScope", d.deviceScope());
            g.writeFieldName("parentScopes");
            g.writeRawValue(d.parentScopesJson() == null ? "[]" : d.parentScopesJson());
        }
        g.writeEndObject();
    }
}

package dev.iolite.server.registry;

import dev.iolite.server.errors.IoliteException;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.List;

import static dev.iolite.server.json.JsonBodies.bool;
import static dev.iolite.server.json.JsonBodies.object;
import static dev.iolite.server.json.JsonBodies.strings;
import static dev.iolite.server.json.JsonBodies.text;

/**
 * The ExportImportDevice format (SPEC §3.2): items of bulk {@code POST /devices}; import lines are
 * read by {@link DeviceLineParser} with the same rules, and exports written by {@link ExportLineWriter}.
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
        return new ImportItem(lineNumber,
                new DeviceKey(text(n, idField, idField), text(n, "moduleId", "moduleId")), mode,
                text(n, "eTag", "eTag"), text(n, "twinETag", "twinETag"),
                new ImportItem.Fields(status == null ? null : DeviceStatus.parse(status, "status"),
                        text(n, "statusReason", "statusReason"),
                        authentication(object(n, "authentication", "authentication")),
                        bool(capabilities, "iotEdge", "capabilities.iotEdge"), text(n, "deviceScope", "deviceScope"),
                        strings(n, "parentScopes", "parentScopes"), text(n, "managedBy", "managedBy")),
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
}

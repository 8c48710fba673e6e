package dev.iolite.server.registry;

import com.fasterxml.jackson.core.io.JsonStringEncoder;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Writes export lines (https://learn.microsoft.com/azure/iot-hub/iot-hub-bulk-identity-mgmt, the shape of {@link
 * DeviceLineParser}) straight into bytes: field
 * names are constants, values that need no escaping (ids, keys, etags, thumbprints, enum names)
 * are copied as they are, stored twin JSON is copied verbatim, and only free text goes through
 * JSON escaping. A general JSON generator escaping every character was most of an export's time.
 */
public final class ExportLineWriter {
    private static final byte[] ID = ascii("{\"id\":");
    private static final byte[] MODULE_ID = ascii(",\"moduleId\":");
    private static final byte[] MANAGED_BY = ascii(",\"managedBy\":");
    private static final byte[] ETAG = ascii(",\"eTag\":");
    private static final byte[] ENABLED = ascii(",\"status\":\"enabled\"");
    private static final byte[] DISABLED = ascii(",\"status\":\"disabled\"");
    private static final byte[] STATUS_REASON = ascii(",\"statusReason\":");
    private static final byte[] PRIMARY_KEY = ascii(",\"authentication\":{\"symmetricKey\":{\"primaryKey\":");
    private static final byte[] SECONDARY_KEY = ascii(",\"secondaryKey\":");
    private static final byte[] PRIMARY_THUMB = ascii("},\"x509Thumbprint\":{\"primaryThumbprint\":");
    private static final byte[] SECONDARY_THUMB = ascii(",\"secondaryThumbprint\":");
    private static final byte[] TYPE = ascii("},\"type\":");
    private static final byte[] TWIN_ETAG = ascii("},\"twinETag\":");
    private static final byte[] TAGS = ascii(",\"tags\":");
    private static final byte[] DESIRED = ascii(",\"properties\":{\"desired\":");
    private static final byte[] REPORTED = ascii(",\"reported\":");
    private static final byte[] EDGE_TRUE = ascii("},\"capabilities\":{\"iotEdge\":true}");
    private static final byte[] EDGE_FALSE = ascii("},\"capabilities\":{\"iotEdge\":false}");
    private static final byte[] DEVICE_SCOPE = ascii(",\"deviceScope\":");
    private static final byte[] PARENT_SCOPES = ascii(",\"parentScopes\":");
    private static final byte[] NULL = ascii("null");
    private static final byte[] EMPTY_ARRAY = ascii("[]");

    private ExportLineWriter() {}

    /** Appends one line, with its newline. */
    public static void write(ByteArrayOutputStream out, ExportRow d, boolean excludeKeys) {
        out.writeBytes(ID);
        string(out, d.deviceId());
        if (d.moduleId() != null) {
            out.writeBytes(MODULE_ID);
            string(out, d.moduleId());
            if (d.managedBy() != null) {
                out.writeBytes(MANAGED_BY);
                string(out, d.managedBy());
            }
        }
        out.writeBytes(ETAG);
        string(out, d.etag());
        out.writeBytes(d.enabled() ? ENABLED : DISABLED);
        if (d.statusReason() != null) {
            out.writeBytes(STATUS_REASON);
            string(out, d.statusReason());
        }
        out.writeBytes(PRIMARY_KEY);
        string(out, excludeKeys ? null : d.primaryKey());
        out.writeBytes(SECONDARY_KEY);
        string(out, excludeKeys ? null : d.secondaryKey());
        out.writeBytes(PRIMARY_THUMB);
        string(out, d.primaryThumbprint());
        out.writeBytes(SECONDARY_THUMB);
        string(out, d.secondaryThumbprint());
        out.writeBytes(TYPE);
        string(out, d.authType());
        out.writeBytes(TWIN_ETAG);
        string(out, d.twinEtag());
        out.writeBytes(TAGS);
        raw(out, d.tagsJson());
        out.writeBytes(DESIRED);
        raw(out, d.desiredJson());
        out.writeBytes(REPORTED);
        raw(out, d.reportedJson());
        out.writeBytes(d.iotEdge() ? EDGE_TRUE : EDGE_FALSE);
        if (d.moduleId() == null) {
            out.writeBytes(DEVICE_SCOPE);
            string(out, d.deviceScope());
            out.writeBytes(PARENT_SCOPES);
            out.writeBytes(d.parentScopesJson() == null ? EMPTY_ARRAY : d.parentScopesJson().getBytes(StandardCharsets.UTF_8));
        }
        out.write('}');
        out.write('\n');
    }

    /** A JSON string: copied as is when it is printable ASCII without quotes or backslashes, else escaped. */
    private static void string(ByteArrayOutputStream out, String s) {
        if (s == null) {
            out.writeBytes(NULL);
            return;
        }
        out.write('"');
        if (plain(s)) {
            out.writeBytes(s.getBytes(StandardCharsets.ISO_8859_1));
        } else {
            out.writeBytes(JsonStringEncoder.getInstance().quoteAsUTF8(s));
        }
        out.write('"');
    }

    private static void raw(ByteArrayOutputStream out, String json) {
        out.writeBytes(json.getBytes(StandardCharsets.UTF_8));
    }

    private static boolean plain(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c > 0x7E || c == '"' || c == '\\') return false;
        }
        return true;
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}

package dev.iolite.server.hubapi;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iolite.server.registry.Authentication;
import dev.iolite.server.registry.Device;
import dev.iolite.server.registry.DeviceLineParser;
import dev.iolite.server.registry.ImportItem;
import dev.iolite.server.registry.ImportMode;
import dev.iolite.server.registry.RegistryCounts;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;


/**
 * Hub API wire JSON (https://learn.microsoft.com/rest/api/iothub/service/devices) to and from the domain. Reading
 * checks types and names the field.
 */
public final class HubMapper {
    /** The wire value of a time that was never set ({@code 0001-01-01T00:00:00}, as IoT Hub writes it). */
    static final String NEVER = "0001-01-01T00:00:00Z";

    private final ObjectMapper json;

    public HubMapper(ObjectMapper json) { this.json = json; }

    /** A device or module body of {@code PUT /devices/...}, or an ExportImportDevice (bulk). */
    public ImportItem item(ObjectNode n, long lineNumber, String idField, ImportMode fallbackMode) {
        return new DeviceLineParser(json).read(n, lineNumber, idField, fallbackMode);
    }

    /** Twin documents without the read-only {@code $} members clients echo back. */
    static ObjectNode strip(ObjectNode doc) {
        return DeviceLineParser.withoutMetadata(doc);
    }

    public ObjectNode device(Device d) {
        ObjectNode n = json.createObjectNode();
        n.put("deviceId", d.deviceId());
        if (d.isModule()) {
            n.put("moduleId", d.moduleId());
            n.put("managedBy", d.managedBy());
        }
        n.put("generationId", d.generationId());
        n.put("etag", d.etag());
        n.put("connectionState", connectionState(d));
        if (!d.isModule()) {
            n.put("status", d.status().wireName());
            n.put("statusReason", d.statusReason());
            n.put("statusUpdatedTime", time(d.statusUpdatedTime()));
        }
        n.put("connectionStateUpdatedTime", time(d.connection().stateUpdated()));
        n.put("lastActivityTime", time(d.connection().lastActivity()));
        n.put("cloudToDeviceMessageCount", 0);
        n.set("authentication", authentication(d.authentication(), false));
        if (!d.isModule()) {
            n.putObject("capabilities").put("iotEdge", d.iotEdge());
            n.put("deviceScope", d.deviceScope());
            ArrayNode scopes = n.putArray("parentScopes");
            d.parentScopes().forEach(scopes::add);
        }
        return n;
    }

    ObjectNode authentication(Authentication a, boolean excludeKeys) {
        ObjectNode auth = json.createObjectNode();
        ObjectNode sym = auth.putObject("symmetricKey");
        sym.put("primaryKey", excludeKeys ? null : a.primaryKey());
        sym.put("secondaryKey", excludeKeys ? null : a.secondaryKey());
        ObjectNode x509 = auth.putObject("x509Thumbprint");
        x509.put("primaryThumbprint", a.primaryThumbprint());
        x509.put("secondaryThumbprint", a.secondaryThumbprint());
        auth.put("type", a.type().wireName());
        return auth;
    }

    /**
     * The twin (https://learn.microsoft.com/azure/iot-hub/iot-hub-devguide-device-twins) as a tree (see {@link
     * #writeTwin}, its one definition).
     */
    public ObjectNode twin(Device d) {
        try {
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(512);
            try (JsonGenerator g = json.getFactory().createGenerator(out)) {
                writeTwin(g, d);
            }
            return (ObjectNode) json.readTree(out.toByteArray());
        } catch (IOException e) {
            throw new UncheckedIOException("a twin written to memory failed", e);
        }
    }

    /**
     * Writes the twin (https://learn.microsoft.com/azure/iot-hub/iot-hub-devguide-device-twins): {@code etag}
     * is the twin's, {@code deviceEtag} the identity's. The
     * stored documents go out as they are stored (already compact JSON), never parsed and re-serialized:
     * query pages of ten thousand twins are written this way.
     */
    public void writeTwin(JsonGenerator g, Device d) throws IOException {
        g.writeStartObject();
        g.writeStringField("deviceId", d.deviceId());
        if (d.isModule()) g.writeStringField("moduleId", d.moduleId());
        g.writeStringField("etag", d.twin().etag());
        g.writeStringField("deviceEtag", d.etag());
        g.writeStringField("status", d.status().wireName());
        g.writeStringField("statusReason", d.statusReason());
        g.writeStringField("statusUpdateTime", time(d.statusUpdatedTime()));
        g.writeStringField("connectionState", connectionState(d));
        g.writeStringField("lastActivityTime", time(d.connection().lastActivity()));
        g.writeNumberField("cloudToDeviceMessageCount", 0);
        g.writeStringField("authenticationType", d.authentication().type().wireName());
        g.writeObjectFieldStart("x509Thumbprint");
        g.writeStringField("primaryThumbprint", d.authentication().primaryThumbprint());
        g.writeStringField("secondaryThumbprint", d.authentication().secondaryThumbprint());
        g.writeEndObject();
        g.writeNumberField("version", d.twin().version());
        g.writeFieldName("tags");
        g.writeRawValue(d.twin().tags().json());
        g.writeObjectFieldStart("properties");
        g.writeFieldName("desired");
        g.writeRawValue(withMetadata(d.twin().desired().json(), time(d.lastUpdated()), d.twin().version()));
        g.writeFieldName("reported");
        g.writeRawValue(withMetadata(d.twin().reported().json(), time(d.lastUpdated()), d.twin().version()));
        g.writeEndObject();
        if (!d.twin().configurations().isEmpty()) {
            // the configurations that target the twin, and the one applied (automatic device management)
            g.writeFieldName("configurations");
            g.writeRawValue(d.twin().configurations().json());
        }
        g.writeObjectFieldStart("capabilities");
        g.writeBooleanField("iotEdge", d.iotEdge());
        g.writeEndObject();
        if (!d.isModule()) {
            g.writeStringField("deviceScope", d.deviceScope());
            g.writeArrayFieldStart("parentScopes");
            for (String scope : d.parentScopes()) g.writeString(scope);
            g.writeEndArray();
        }
        g.writeEndObject();
    }

    /** A stored document (a compact JSON object) with its {@code $metadata} and {@code $version} appended. */
    private static String withMetadata(String document, String lastUpdated, long version) {
        String tail = "\"$metadata\":{\"$lastUpdated\":\"" + lastUpdated + "\"},\"$version\":" + version + "}";
        String body = document.substring(0, document.lastIndexOf('}')).trim();
        return body.equals("{") ? body + tail : body + "," + tail;
    }

    public ObjectNode statistics(RegistryCounts s) {
        ObjectNode n = json.createObjectNode();
        n.put("totalDeviceCount", s.totalDeviceCount());
        n.put("enabledDeviceCount", s.enabledDeviceCount());
        // The Java service SDK's RegistryStatisticsParser reads this misspelling; others ignore it.
        n.put("enableDeviceCount", s.enabledDeviceCount());
        n.put("disabledDeviceCount", s.disabledDeviceCount());
        return n;
    }

    /** IoT Hub's {@code connectionState}, PascalCase unlike {@code status}. */
    private static String connectionState(Device d) {
        return d.connection().connected() ? "Connected" : "Disconnected";
    }

    static String time(Instant t) {
        return t == null ? NEVER : t.truncatedTo(ChronoUnit.MILLIS).toString();
    }
}

package dev.iolite.server.hubapi;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iolite.server.registry.Authentication;
import dev.iolite.server.registry.Device;
import dev.iolite.server.registry.DeviceLineParser;
import dev.iolite.server.registry.ImportItem;
import dev.iolite.server.registry.ImportMode;
import dev.iolite.server.registry.RegistryCounts;

import java.time.Instant;
import java.time.temporal.ChronoUnit;


/** Hub API wire JSON (SPEC §2.3, §2.7, §3.2) to and from the domain. Reading checks types and names the field. */
public final class HubMapper {
    /** The wire value of a time that was never set (SPEC §2.3). */
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
        n.put("connectionState", "Disconnected");
        if (!d.isModule()) {
            n.put("status", d.status().wireName());
            n.put("statusReason", d.statusReason());
            n.put("statusUpdatedTime", time(d.statusUpdatedTime()));
        }
        n.put("connectionStateUpdatedTime", NEVER);
        n.put("lastActivityTime", NEVER);
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

    /** The twin of SPEC §2.7: {@code etag} is the twin's, {@code deviceEtag} the identity's. */
    public ObjectNode twin(Device d) {
        ObjectNode n = json.createObjectNode();
        n.put("deviceId", d.deviceId());
        if (d.isModule()) n.put("moduleId", d.moduleId());
        n.put("etag", d.twin().etag());
        n.put("deviceEtag", d.etag());
        n.put("status", d.status().wireName());
        n.put("statusReason", d.statusReason());
        n.put("statusUpdateTime", time(d.statusUpdatedTime()));
        n.put("connectionState", "Disconnected");
        n.put("lastActivityTime", NEVER);
        n.put("cloudToDeviceMessageCount", 0);
        n.put("authenticationType", d.authentication().type().wireName());
        ObjectNode x509 = n.putObject("x509Thumbprint");
        x509.put("primaryThumbprint", d.authentication().primaryThumbprint());
        x509.put("secondaryThumbprint", d.authentication().secondaryThumbprint());
        n.put("version", d.twin().version());
        n.set("tags", d.twin().tags().toTree());
        ObjectNode props = n.putObject("properties");
        ObjectNode desired = d.twin().desired().toTree();
        desired.putObject("$metadata").put("$lastUpdated", time(d.lastUpdated()));
        desired.put("$version", d.twin().version());
        props.set("desired", desired);
        ObjectNode reported = d.twin().reported().toTree();
        reported.putObject("$metadata").put("$lastUpdated", NEVER);
        reported.put("$version", 1);
        props.set("reported", reported);
        n.putObject("capabilities").put("iotEdge", d.iotEdge());
        if (!d.isModule()) {
            n.put("deviceScope", d.deviceScope());
            ArrayNode scopes = n.putArray("parentScopes");
            d.parentScopes().forEach(scopes::add);
        }
        return n;
    }

    public ObjectNode statistics(RegistryCounts s) {
        ObjectNode n = json.createObjectNode();
        n.put("totalDeviceCount", s.totalDeviceCount());
        n.put("enabledDeviceCount", s.enabledDeviceCount());
        // The Java service SDK reads this misspelling (CLIENTS.md §0.6); others ignore it.
        n.put("enableDeviceCount", s.enabledDeviceCount());
        n.put("disabledDeviceCount", s.disabledDeviceCount());
        return n;
    }

    static String time(Instant t) {
        return t == null ? NEVER : t.truncatedTo(ChronoUnit.MILLIS).toString();
    }
}

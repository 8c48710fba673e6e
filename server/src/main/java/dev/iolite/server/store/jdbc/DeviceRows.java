package dev.iolite.server.store.jdbc;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iolite.server.registry.AuthType;
import dev.iolite.server.registry.Authentication;
import dev.iolite.server.registry.Device;
import dev.iolite.server.registry.DeviceStatus;
import dev.iolite.server.registry.Twin;
import dev.iolite.server.store.ExportRow;

import java.io.IOException;
import java.io.StringWriter;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;

/** Maps device rows to {@link Device} and back. */
final class DeviceRows {
    static final String COLUMNS = "device_id, module_id, version, generation_id, enabled, status_reason, "
            + "status_updated_ms, auth_type, primary_key, secondary_key, primary_thumbprint, secondary_thumbprint, "
            + "iot_edge, device_scope, parent_scopes, managed_by, tags, desired, reported, twin_version, last_updated_ms";
    private static final String ROW = "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";

    /** An INSERT of {@code rows} rows, bound with {@link #bindInsert} once per row. */
    static String insert(int rows) {
        return "INSERT INTO devices (hub, " + COLUMNS + ") VALUES " + String.join(", ", java.util.Collections.nCopies(rows, ROW));
    }
    static final String UPDATE = "UPDATE devices SET version = ?, generation_id = ?, enabled = ?, status_reason = ?, "
            + "status_updated_ms = ?, auth_type = ?, primary_key = ?, secondary_key = ?, primary_thumbprint = ?, "
            + "secondary_thumbprint = ?, iot_edge = ?, device_scope = ?, parent_scopes = ?, managed_by = ?, tags = ?, "
            + "desired = ?, reported = ?, twin_version = ?, last_updated_ms = ? "
            + "WHERE hub = ? AND device_id = ? AND module_id = ? AND version = ? AND twin_version = ?";

    private final ObjectMapper json;
    /** One serializer provider per thread, made once: making one per document is what was slow. */
    private final ThreadLocal<com.fasterxml.jackson.databind.SerializerProvider> providers;

    DeviceRows(ObjectMapper json) {
        this.json = json;
        this.providers = ThreadLocal.withInitial(json::getSerializerProviderInstance);
    }

    /** The export's view of a row: the twin documents stay JSON text and go to the blob unparsed. */
    ExportRow readForExport(ResultSet rs) throws SQLException {
        // By position, in the order of COLUMNS: looking columns up by name was a visible cost per row.
        String moduleId = rs.getString(2);
        return new ExportRow(rs.getString(1), moduleId.isEmpty() ? null : moduleId, rs.getLong(3),
                rs.getInt(5) == 1, rs.getString(6), rs.getString(8), rs.getString(9), rs.getString(10),
                rs.getString(11), rs.getString(12), rs.getInt(13) == 1, rs.getString(14), rs.getString(15),
                rs.getString(16), rs.getString(17), rs.getString(18), rs.getString(19), rs.getLong(20));
    }

    Device read(ResultSet rs) throws SQLException {
        String moduleId = rs.getString("module_id");
        Authentication auth = new Authentication(AuthType.parse(rs.getString("auth_type"), "auth_type"),
                rs.getString("primary_key"), rs.getString("secondary_key"),
                rs.getString("primary_thumbprint"), rs.getString("secondary_thumbprint"));
        Twin twin = new Twin(object(rs.getString("tags")), object(rs.getString("desired")),
                object(rs.getString("reported")), rs.getLong("twin_version"));
        String scopes = rs.getString("parent_scopes");
        return new Device(rs.getString("device_id"), moduleId.isEmpty() ? null : moduleId, rs.getLong("version"),
                rs.getString("generation_id"), rs.getInt("enabled") == 1 ? DeviceStatus.ENABLED : DeviceStatus.DISABLED,
                rs.getString("status_reason"), Instant.ofEpochMilli(rs.getLong("status_updated_ms")), auth,
                rs.getInt("iot_edge") == 1, rs.getString("device_scope"),
                scopes == null ? List.of() : list(scopes), rs.getString("managed_by"), twin,
                Instant.ofEpochMilli(rs.getLong("last_updated_ms")));
    }

    /** Binds hub and all columns of one row from parameter {@code i}; returns the next parameter index. */
    int bindInsert(PreparedStatement ps, int i, String hub, Device d) throws SQLException {
        ps.setString(i++, hub);
        ps.setString(i++, d.deviceId());
        ps.setString(i++, d.moduleId() == null ? "" : d.moduleId());
        ps.setLong(i++, d.version());
        return bindMutable(ps, i, d, true);
    }

    /** Binds {@link #UPDATE}: the new state, then the row and the versions it must still have. */
    void bindUpdate(PreparedStatement ps, String hub, Device d, long expectedVersion, long expectedTwinVersion)
            throws SQLException {
        int i = 1;
        ps.setLong(i++, d.version());
        i = bindMutable(ps, i, d, false);
        ps.setString(i++, hub);
        ps.setString(i++, d.deviceId());
        ps.setString(i++, d.moduleId() == null ? "" : d.moduleId());
        ps.setLong(i++, expectedVersion);
        ps.setLong(i, expectedTwinVersion);
    }

    private int bindMutable(PreparedStatement ps, int i, Device d, boolean insert) throws SQLException {
        ps.setString(i++, d.generationId());
        ps.setInt(i++, d.enabled() ? 1 : 0);
        ps.setString(i++, d.statusReason());
        ps.setLong(i++, d.statusUpdatedTime().toEpochMilli());
        Authentication a = d.authentication();
        ps.setString(i++, a.type().wireName());
        ps.setString(i++, a.primaryKey());
        ps.setString(i++, a.secondaryKey());
        ps.setString(i++, a.primaryThumbprint());
        ps.setString(i++, a.secondaryThumbprint());
        ps.setInt(i++, d.iotEdge() ? 1 : 0);
        ps.setString(i++, d.deviceScope());
        ps.setString(i++, d.parentScopes().isEmpty() ? null : text(d.parentScopes()));
        ps.setString(i++, d.managedBy());
        ps.setString(i++, text(d.twin().tags()));
        ps.setString(i++, text(d.twin().desired()));
        ps.setString(i++, text(d.twin().reported()));
        ps.setLong(i++, d.twin().version());
        ps.setLong(i++, d.lastUpdated().toEpochMilli());
        return i;
    }

    /**
     * A twin document as JSON text. Written through a plain generator: {@code ObjectNode.toString()}
     * builds a serializer provider per call, which dominated bulk imports.
     */
    private String text(ObjectNode node) {
        if (node.isEmpty()) return "{}";
        StringWriter w = new StringWriter(128);
        try (JsonGenerator g = json.getFactory().createGenerator(w)) {
            node.serialize(g, providers.get());
        } catch (IOException e) {
            throw new IllegalStateException("writing to memory failed; this indicates a bug", e);
        }
        return w.toString();
    }

    private ObjectNode object(String text) throws SQLException {
        if ("{}".equals(text)) return json.createObjectNode();
        try {
            return (ObjectNode) json.readTree(text);
        } catch (JsonProcessingException | ClassCastException e) {
            throw new SQLException("a stored twin document is not a JSON object", e);
        }
    }

    private List<String> list(String text) throws SQLException {
        try {
            return json.readValue(text, new TypeReference<List<String>>() {});
        } catch (JsonProcessingException e) {
            throw new SQLException("stored parent scopes are not a JSON array", e);
        }
    }

    private String text(List<String> values) {
        try {
            return json.writeValueAsString(values);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a list of strings must serialize; this indicates a bug", e);
        }
    }
}

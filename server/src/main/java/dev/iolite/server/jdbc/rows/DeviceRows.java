package dev.iolite.server.jdbc.rows;

import dev.iolite.server.jdbc.dialect.SqlDialect;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.iolite.server.registry.AuthType;
import dev.iolite.server.registry.Authentication;
import dev.iolite.server.registry.DeviceConnection;
import dev.iolite.server.registry.Device;
import dev.iolite.server.registry.DeviceKey;
import dev.iolite.server.registry.DeviceStatus;
import dev.iolite.server.registry.Twin;
import dev.iolite.server.registry.TwinDocument;
import dev.iolite.server.registry.ExportRow;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;

/**
 * Maps device rows to {@link Device} and back. A row is its key, the two versions and the enabled flag
 * (what statistics and the key's order read), a {@link DeviceBody} of format {@link DeviceBody#FORMAT_LEAN}
 * (the identity fields, and the import's mark), the status time, the tags, and a {@link TwinColumn} with
 * the rest of what a query filters and groups by (the documents JSON text on SQLite, jsonb on
 * PostgreSQL). The few identity fields queries read are in both the body and the twin column, so that
 * reads take them from the body and never parse the column. Both dialects share this format.
 */
public final class DeviceRows {
    private static final String COLUMNS =
            "device_id, module_id, version, twin_version, enabled, body, status_updated_ms, tags, twin";

    private final ObjectMapper json;
    private final SqlDialect dialect;
    private final String row;
    private final String update;
    private final String twinUpdate;
    /** A body writer and a twin column writer, reused row after row by one thread. */
    private record Writers(DeviceBody.Writer body, TwinColumn.Writer twin) {}

    /** One pair of writers per thread: a single thread-local lookup per row. */
    private final ThreadLocal<Writers> writers =
            ThreadLocal.withInitial(() -> new Writers(new DeviceBody.Writer(), new TwinColumn.Writer()));

    public DeviceRows(ObjectMapper json, SqlDialect dialect) {
        this.json = json;
        this.dialect = dialect;
        this.row = "(?, ?, ?, ?, ?, ?, ?, ?, " + dialect.jsonParameter() + ", " + dialect.jsonParameter() + ")";
        this.update = "UPDATE devices SET version = ?, twin_version = ?, enabled = ?, body = ?, status_updated_ms = ?, tags = "
                + dialect.jsonParameter() + ", twin = " + dialect.jsonParameter()
                + " WHERE hub = ? AND device_id = ? AND module_id = ? AND version = ? AND twin_version = ?";
        this.twinUpdate = "UPDATE devices SET twin_version = ?, body = ?, tags = " + dialect.jsonParameter() + ", twin = "
                + dialect.jsonParameter() + " WHERE hub = ? AND device_id = ? AND module_id = ? AND version = ? AND twin_version = ?";
    }

    /** The columns every SELECT of devices reads, in the order the readers expect. */
    public String columns() { return COLUMNS; }

    /**
     * The columns and table of a read that shows identities with their connection fields, read by
     * {@link #readWithConnection}: the device rows joined with the {@code connections} table (V10), which holds a
     * row only for identities that ever connected. Its key columns merge with the device row's (USING), so
     * conditions name {@code hub}, {@code device_id} and {@code module_id} as they do without it.
     */
    public String columnsWithConnection() {
        return COLUMNS + ", connected, state_updated_ms, last_activity_ms FROM devices LEFT JOIN connections"
                + " USING (hub, device_id, module_id)";
    }

    /** A row of {@link #columnsWithConnection}. */
    public Device readWithConnection(ResultSet rs) throws SQLException {
        Device d = read(rs, null);
        long updated = rs.getLong(11);
        if (rs.wasNull()) return d;
        return d.withConnection(new DeviceConnection(rs.getInt(10) == 1, Instant.ofEpochMilli(updated),
                Instant.ofEpochMilli(rs.getLong(12))));
    }

    /** An INSERT of {@code rows} rows, bound with {@link #bindInsert} once per row. */
    public String insert(int rows) {
        return "INSERT INTO devices (hub, " + COLUMNS + ") VALUES "
                + String.join(", ", java.util.Collections.nCopies(rows, row));
    }

    /** The conditional UPDATE bound by {@link #bindUpdate}. */
    public String update() { return update; }

    /** The export's view of a row: the twin documents stay JSON text and go to the blob unparsed. */
    public ExportRow readForExport(ResultSet rs) throws SQLException {
        // By position, in the order of the columns: looking columns up by name was a visible cost per row.
        String moduleId = rs.getString(2);
        long version = rs.getLong(3);
        long twinVersion = rs.getLong(4);
        boolean enabled = rs.getInt(5) == 1;
        DeviceBody.Reader b = body(rs);
        b.string(); // generation id
        String statusReason = b.string();
        String authType = b.string();
        String primaryKey = b.string();
        String secondaryKey = b.string();
        String primaryThumbprint = b.string();
        String secondaryThumbprint = b.string();
        boolean iotEdge = b.flag();
        String deviceScope = b.string();
        String parentScopes = b.string();
        String managedBy = b.string();
        String[] properties = TwinColumn.properties(dialect.readJson(rs, 9));
        return new ExportRow(rs.getString(1), moduleId.isEmpty() ? null : moduleId, version, enabled, statusReason,
                authType, primaryKey, secondaryKey, primaryThumbprint, secondaryThumbprint, iotEdge, deviceScope,
                parentScopes, managedBy, text(dialect.readJson(rs, 8)), properties[0], properties[1], twinVersion);
    }

    public Device read(ResultSet rs) throws SQLException {
        return read(rs, null);
    }

    /** A row and the import mark it carries (null when no import wrote it). */
    public record Marked(Device device, Mark mark) {}

    public Marked readMarked(ResultSet rs) throws SQLException {
        Mark[] mark = new Mark[1];
        Device d = read(rs, mark);
        return new Marked(d, mark[0]);
    }

    /** The import mark of a row's body alone (null when none). */
    public Mark markOf(byte[] body) throws SQLException {
        try {
            DeviceBody.Reader b = new DeviceBody.Reader(body, DeviceBody.FORMAT_LEAN);
            b.string(); // generation id
            b.string(); // status reason
            for (int i = 0; i < 5; i++) b.string(); // authentication type, keys and thumbprints
            b.flag();
            for (int i = 0; i < 3; i++) b.string(); // device scope, parent scopes, managed by
            b.time();
            return b.hasMore() ? new Mark(b.fixed64(), b.number()) : null;
        } catch (IllegalStateException e) {
            throw new SQLException(e.getMessage(), e);
        }
    }

    private Device read(ResultSet rs, Mark[] markOut) throws SQLException {
        String moduleId = rs.getString(2);
        long version = rs.getLong(3);
        long twinVersion = rs.getLong(4);
        boolean enabled = rs.getInt(5) == 1;
        DeviceBody.Reader b = body(rs);
        String generationId = b.string();
        String statusReason = b.string();
        Instant statusUpdated = Instant.ofEpochMilli(rs.getLong(7));
        AuthType type = AuthType.parse(b.string(), "auth_type");
        Authentication auth = new Authentication(type, b.string(), b.string(), b.string(), b.string());
        boolean iotEdge = b.flag();
        String deviceScope = b.string();
        String scopes = b.string();
        String managedBy = b.string();
        String[] properties = TwinColumn.properties(dialect.readJson(rs, 9));
        Twin twin = new Twin(document(text(dialect.readJson(rs, 8))), document(properties[0]), document(properties[1]),
                twinVersion, document(properties[2]));
        Instant lastUpdated = Instant.ofEpochMilli(b.time());
        if (markOut != null && b.hasMore()) markOut[0] = new Mark(b.fixed64(), b.number());
        return new Device(new DeviceKey(rs.getString(1), moduleId.isEmpty() ? null : moduleId), version, generationId,
                new Device.DeviceState(enabled ? DeviceStatus.ENABLED : DeviceStatus.DISABLED, statusReason, statusUpdated),
                auth, iotEdge, new Device.Scopes(deviceScope, scopes == null ? List.of() : list(scopes)), managedBy,
                twin, lastUpdated);
    }

    private DeviceBody.Reader body(ResultSet rs) throws SQLException {
        try {
            return new DeviceBody.Reader(rs.getBytes(6), DeviceBody.FORMAT_LEAN);
        } catch (IllegalStateException e) {
            throw new SQLException(e.getMessage(), e);
        }
    }

    /**
     * Binds hub and all columns of one row from parameter {@code i}, with the import's mark when an import
     * writes it ({@code mark} null otherwise); returns the next parameter index.
     */
    public int bindInsert(PreparedStatement ps, int i, String hub, Device d, Mark mark)
            throws SQLException {
        ps.setString(i++, hub);
        ps.setString(i++, d.deviceId());
        ps.setString(i++, d.moduleId() == null ? "" : d.moduleId());
        ps.setLong(i++, d.version());
        ps.setLong(i++, d.twin().version());
        ps.setInt(i++, d.enabled() ? 1 : 0);
        ps.setBytes(i++, body(d, mark));
        return bindQueryable(ps, i, d);
    }

    /** Binds the status time, the tags and the twin column from parameter {@code i}; the next index. */
    private int bindQueryable(PreparedStatement ps, int i, Device d) throws SQLException {
        ps.setLong(i++, d.statusUpdatedTime().toEpochMilli());
        dialect.bindJson(ps, i++, d.twin().tags().utf8());
        dialect.bindJson(ps, i++, writers.get().twin().write(d));
        return i;
    }

    /** Which import (its job tag) and which line of its blob wrote a row; kept at the end of the body. */
    public record Mark(long job, long line) {}

    /** Binds {@link #update}: the new state, then the row and the versions it must still have. */
    public void bindUpdate(PreparedStatement ps, String hub, Device d, long expectedVersion, long expectedTwinVersion, Mark mark)
            throws SQLException {
        int i = 1;
        ps.setLong(i++, d.version());
        ps.setLong(i++, d.twin().version());
        ps.setInt(i++, d.enabled() ? 1 : 0);
        ps.setBytes(i++, body(d, mark));
        i = bindQueryable(ps, i, d);
        ps.setString(i++, hub);
        ps.setString(i++, d.deviceId());
        ps.setString(i++, d.moduleId() == null ? "" : d.moduleId());
        ps.setLong(i++, expectedVersion);
        ps.setLong(i, expectedTwinVersion);
    }

    /**
     * The conditional UPDATE of a twin alone, bound by {@link #bindTwinUpdate}: the twin version, the body (which holds
     * the twin's last update time), the tags and the twin column.
     */
    public String twinUpdate() { return twinUpdate; }

    /** Binds {@link #twinUpdate}: the new twin, then the row and the versions it must still have. */
    public void bindTwinUpdate(PreparedStatement ps, String hub, Device d, long expectedVersion, long expectedTwinVersion)
            throws SQLException {
        int i = 1;
        ps.setLong(i++, d.twin().version());
        ps.setBytes(i++, body(d, null));
        dialect.bindJson(ps, i++, d.twin().tags().utf8());
        dialect.bindJson(ps, i++, writers.get().twin().write(d));
        ps.setString(i++, hub);
        ps.setString(i++, d.deviceId());
        ps.setString(i++, d.moduleId() == null ? "" : d.moduleId());
        ps.setLong(i++, expectedVersion);
        ps.setLong(i, expectedTwinVersion);
    }

    /** Packs every field of {@code d} outside the key, versions and enabled flag, and the import's mark if any. */
    public byte[] body(Device d, Mark mark) {
        Authentication a = d.authentication();
        DeviceBody.Writer w = writers.get().body().begin(DeviceBody.FORMAT_LEAN)
                .string(d.generationId())
                .string(d.statusReason())
                .string(a.type().wireName())
                .string(a.primaryKey())
                .string(a.secondaryKey())
                .string(a.primaryThumbprint())
                .string(a.secondaryThumbprint())
                .flag(d.iotEdge())
                .string(d.deviceScope())
                .string(d.parentScopes().isEmpty() ? null : text(d.parentScopes()))
                .string(d.managedBy());
        w.time(d.lastUpdated().toEpochMilli());
        if (mark != null) w.fixed64(mark.job()).number(mark.line());
        return w.toBytes();
    }

    private static String text(byte[] utf8) {
        return new String(utf8, java.nio.charset.StandardCharsets.UTF_8);
    }

    private static TwinDocument document(String text) throws SQLException {
        try {
            return TwinDocument.parse(text);
        } catch (IllegalArgumentException e) {
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

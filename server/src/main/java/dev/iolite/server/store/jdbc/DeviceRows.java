package dev.iolite.server.store.jdbc;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.iolite.server.registry.AuthType;
import dev.iolite.server.registry.Authentication;
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
 * Maps device rows to {@link Device} and back. A row is its key, the two versions, the enabled flag
 * (what queries and statistics read) and a {@link DeviceBody} with everything else. Where the twin's
 * documents live is the one thing the dialects' row formats differ in, and each has its subclass:
 * {@link Packed} (SQLite: in the body, where fewer columns write faster) and {@link TwinColumns}
 * (PostgreSQL: three jsonb columns). The dialect says which ({@link SqlDialect#deviceRows}).
 */
abstract sealed class DeviceRows permits DeviceRows.Packed, DeviceRows.TwinColumns {
    private static final String KEY_COLUMNS = "device_id, module_id, version, twin_version, enabled, body";

    private final ObjectMapper json;
    private final String columns;
    private final String row;
    private final String update;
    /** One body writer per thread, reused row after row. */
    private final ThreadLocal<DeviceBody.Writer> writers = ThreadLocal.withInitial(DeviceBody.Writer::new);

    private DeviceRows(ObjectMapper json, String extraColumns, String extraParameters, String extraUpdates) {
        this.json = json;
        this.columns = KEY_COLUMNS + extraColumns;
        this.row = "(?, ?, ?, ?, ?, ?, ?" + extraParameters + ")";
        this.update = "UPDATE devices SET version = ?, twin_version = ?, enabled = ?, body = ?" + extraUpdates
                + " WHERE hub = ? AND device_id = ? AND module_id = ? AND version = ? AND twin_version = ?";
    }

    /** The body's format (its version byte). */
    abstract byte format();

    /** The twin's three documents as stored JSON text, read from the row's columns or next in the body. */
    abstract String[] twinText(ResultSet rs, DeviceBody.Reader b) throws SQLException;

    /** Passes over the twin's documents in the body, if they are there. */
    abstract void skipTwin(DeviceBody.Reader b);

    /** Writes the twin's documents into the body, if they go there. */
    abstract void writeTwin(DeviceBody.Writer w, Device d);

    /** Binds the twin's documents to their columns from parameter {@code i}, if they have columns; the next index. */
    abstract int bindTwin(PreparedStatement ps, int i, Device d) throws SQLException;

    /** SQLite's rows: the twin's documents packed into the body after the other fields. */
    static final class Packed extends DeviceRows {
        Packed(ObjectMapper json) { super(json, "", "", ""); }

        @Override byte format() { return DeviceBody.FORMAT; }

        @Override String[] twinText(ResultSet rs, DeviceBody.Reader b) {
            return new String[] {b.string(), b.string(), b.string()};
        }

        @Override void skipTwin(DeviceBody.Reader b) {
            for (int i = 0; i < 3; i++) b.string();
        }

        @Override void writeTwin(DeviceBody.Writer w, Device d) {
            w.bytes(d.twin().tags().utf8())
                    .bytes(d.twin().desired().utf8())
                    .bytes(d.twin().reported().utf8());
        }

        @Override int bindTwin(PreparedStatement ps, int i, Device d) { return i; }
    }

    /** PostgreSQL's rows: the twin's documents in the jsonb columns tags, desired and reported (7 to 9). */
    static final class TwinColumns extends DeviceRows {
        TwinColumns(ObjectMapper json, String jsonParameter) {
            super(json, ", tags, desired, reported", (", " + jsonParameter).repeat(3),
                    ", tags = " + jsonParameter + ", desired = " + jsonParameter + ", reported = " + jsonParameter);
        }

        @Override byte format() { return DeviceBody.FORMAT_WITHOUT_TWIN; }

        @Override String[] twinText(ResultSet rs, DeviceBody.Reader b) throws SQLException {
            return new String[] {rs.getString(7), rs.getString(8), rs.getString(9)};
        }

        @Override void skipTwin(DeviceBody.Reader b) {}

        @Override void writeTwin(DeviceBody.Writer w, Device d) {}

        @Override int bindTwin(PreparedStatement ps, int i, Device d) throws SQLException {
            ps.setString(i++, d.twin().tags().json());
            ps.setString(i++, d.twin().desired().json());
            ps.setString(i++, d.twin().reported().json());
            return i;
        }
    }

    /** The columns every SELECT of devices reads, in the order the readers expect. */
    String columns() { return columns; }

    /** An INSERT of {@code rows} rows, bound with {@link #bindInsert} once per row. */
    String insert(int rows) {
        return "INSERT INTO devices (hub, " + columns + ") VALUES "
                + String.join(", ", java.util.Collections.nCopies(rows, row));
    }

    /** The conditional UPDATE bound by {@link #bindUpdate}. */
    String update() { return update; }

    /** The export's view of a row: the twin documents stay JSON text and go to the blob unparsed. */
    ExportRow readForExport(ResultSet rs) throws SQLException {
        // By position, in the order of the columns: looking columns up by name was a visible cost per row.
        String moduleId = rs.getString(2);
        long version = rs.getLong(3);
        long twinVersion = rs.getLong(4);
        boolean enabled = rs.getInt(5) == 1;
        DeviceBody.Reader b = body(rs);
        b.string(); // generation id
        String statusReason = b.string();
        b.time(); // status updated
        String authType = b.string();
        String primaryKey = b.string();
        String secondaryKey = b.string();
        String primaryThumbprint = b.string();
        String secondaryThumbprint = b.string();
        boolean iotEdge = b.flag();
        String deviceScope = b.string();
        String parentScopes = b.string();
        String managedBy = b.string();
        String[] twin = twinText(rs, b);
        return new ExportRow(rs.getString(1), moduleId.isEmpty() ? null : moduleId, version, enabled, statusReason,
                authType, primaryKey, secondaryKey, primaryThumbprint, secondaryThumbprint, iotEdge, deviceScope,
                parentScopes, managedBy, twin[0], twin[1], twin[2], twinVersion);
    }

    Device read(ResultSet rs) throws SQLException {
        return read(rs, null);
    }

    /** A row and the import mark it carries (null when no import wrote it). */
    record Marked(Device device, Mark mark) {}

    Marked readMarked(ResultSet rs) throws SQLException {
        Mark[] mark = new Mark[1];
        Device d = read(rs, mark);
        return new Marked(d, mark[0]);
    }

    /** The import mark of a row's body alone (null when none). */
    Mark markOf(byte[] body) throws SQLException {
        try {
            DeviceBody.Reader b = new DeviceBody.Reader(body, format());
            b.string(); // generation id
            b.string(); // status reason
            b.time(); // status updated
            for (int i = 0; i < 5; i++) b.string(); // authentication type, keys and thumbprints
            b.flag();
            for (int i = 0; i < 3; i++) b.string();
            skipTwin(b);
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
        Instant statusUpdated = Instant.ofEpochMilli(b.time());
        AuthType type = AuthType.parse(b.string(), "auth_type");
        Authentication auth = new Authentication(type, b.string(), b.string(), b.string(), b.string());
        boolean iotEdge = b.flag();
        String deviceScope = b.string();
        String scopes = b.string();
        String managedBy = b.string();
        String[] documents = twinText(rs, b);
        Twin twin = new Twin(document(documents[0]), document(documents[1]), document(documents[2]), twinVersion);
        Instant lastUpdated = Instant.ofEpochMilli(b.time());
        if (markOut != null && b.hasMore()) markOut[0] = new Mark(b.fixed64(), b.number());
        return new Device(new DeviceKey(rs.getString(1), moduleId.isEmpty() ? null : moduleId), version, generationId,
                new Device.DeviceState(enabled ? DeviceStatus.ENABLED : DeviceStatus.DISABLED, statusReason, statusUpdated),
                auth, iotEdge, new Device.Scopes(deviceScope, scopes == null ? List.of() : list(scopes)), managedBy,
                twin, lastUpdated);
    }

    private DeviceBody.Reader body(ResultSet rs) throws SQLException {
        try {
            return new DeviceBody.Reader(rs.getBytes(6), format());
        } catch (IllegalStateException e) {
            throw new SQLException(e.getMessage(), e);
        }
    }

    /**
     * Binds hub and all columns of one row from parameter {@code i}, with the import's mark when an import
     * writes it ({@code mark} null otherwise); returns the next parameter index.
     */
    int bindInsert(PreparedStatement ps, int i, String hub, Device d, Mark mark)
            throws SQLException {
        ps.setString(i++, hub);
        ps.setString(i++, d.deviceId());
        ps.setString(i++, d.moduleId() == null ? "" : d.moduleId());
        ps.setLong(i++, d.version());
        ps.setLong(i++, d.twin().version());
        ps.setInt(i++, d.enabled() ? 1 : 0);
        ps.setBytes(i++, body(d, mark));
        return bindTwin(ps, i, d);
    }

    /** Which import (its job tag) and which line of its blob wrote a row; kept at the end of the body. */
    record Mark(long job, long line) {}

    /** Binds {@link #UPDATE}: the new state, then the row and the versions it must still have. */
    void bindUpdate(PreparedStatement ps, String hub, Device d, long expectedVersion, long expectedTwinVersion, Mark mark)
            throws SQLException {
        int i = 1;
        ps.setLong(i++, d.version());
        ps.setLong(i++, d.twin().version());
        ps.setInt(i++, d.enabled() ? 1 : 0);
        ps.setBytes(i++, body(d, mark));
        i = bindTwin(ps, i, d);
        ps.setString(i++, hub);
        ps.setString(i++, d.deviceId());
        ps.setString(i++, d.moduleId() == null ? "" : d.moduleId());
        ps.setLong(i++, expectedVersion);
        ps.setLong(i, expectedTwinVersion);
    }

    /** Packs every field of {@code d} outside the key, versions and enabled flag, and the import's mark if any. */
    byte[] body(Device d, Mark mark) {
        Authentication a = d.authentication();
        DeviceBody.Writer w = writers.get().begin(format())
                .string(d.generationId())
                .string(d.statusReason())
                .time(d.statusUpdatedTime().toEpochMilli())
                .string(a.type().wireName())
                .string(a.primaryKey())
                .string(a.secondaryKey())
                .string(a.primaryThumbprint())
                .string(a.secondaryThumbprint())
                .flag(d.iotEdge())
                .string(d.deviceScope())
                .string(d.parentScopes().isEmpty() ? null : text(d.parentScopes()))
                .string(d.managedBy());
        writeTwin(w, d);
        w.time(d.lastUpdated().toEpochMilli());
        if (mark != null) w.fixed64(mark.job()).number(mark.line());
        return w.toBytes();
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

package dev.iolite.server.jdbc.migration;

import dev.iolite.server.jdbc.rows.DeviceBody;
import dev.iolite.server.jdbc.rows.TwinColumn;

import org.flywaydb.core.api.migration.BaseJavaMigration;
import org.flywaydb.core.api.migration.Context;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * Schema 7, on both stores: what the query language filters and groups by moves into columns: the
 * status time ({@code status_updated_ms}), the tags ({@code tags}, already a jsonb column on PostgreSQL)
 * and {@code twin} ({@link TwinColumn}): the desired and reported properties (on SQLite from the body, on
 * PostgreSQL from their jsonb columns, which are dropped) and copies of the identity fields queries
 * read. Bodies become {@link DeviceBody#FORMAT_LEAN}. Rows are converted in key order, a thousand at a
 * time, in Flyway's transaction.
 */
public final class V7__QueryableDeviceRows extends BaseJavaMigration {
    private static final int BATCH = 1_000;

    private final boolean postgres;

    private V7__QueryableDeviceRows(boolean postgres) {
        this.postgres = postgres;
    }

    /** SQLite's rows had body format 1, the twin's documents in the body. */
    static V7__QueryableDeviceRows sqlite() { return new V7__QueryableDeviceRows(false); }

    /** PostgreSQL's rows had body format 2 and the documents in jsonb columns. */
    static V7__QueryableDeviceRows postgres() { return new V7__QueryableDeviceRows(true); }

    @Override
    public void migrate(Context context) throws SQLException {
        Connection c = context.getConnection();
        try (Statement st = c.createStatement()) {
            st.execute("ALTER TABLE devices ADD COLUMN status_updated_ms " + (postgres ? "BIGINT" : "INTEGER")
                    + " NOT NULL DEFAULT 0");
            if (!postgres) st.execute("ALTER TABLE devices ADD COLUMN tags TEXT NOT NULL DEFAULT '{}'");
            st.execute("ALTER TABLE devices ADD COLUMN twin " + (postgres ? "JSONB" : "TEXT") + " NOT NULL DEFAULT '{}'");
        }
        String[] after = null;
        do {
            after = convertBatch(c, after);
        } while (after != null);
        if (postgres) {
            try (Statement st = c.createStatement()) {
                st.execute("ALTER TABLE devices DROP COLUMN desired, DROP COLUMN reported");
            }
        }
    }

    private record OldRow(String hub, String deviceId, String moduleId, byte[] body, String[] documents) {}

    /** Converts the next batch of rows after the key {@code after} (null: the first); the last key, or null when done. */
    private String[] convertBatch(Connection c, String[] after) throws SQLException {
        List<OldRow> batch = new ArrayList<>(BATCH);
        try (PreparedStatement read = c.prepareStatement("SELECT hub, device_id, module_id, body"
                + (postgres ? ", tags, desired, reported" : "") + " FROM devices"
                + (after == null ? "" : " WHERE (hub, device_id, module_id) > (?, ?, ?)")
                + " ORDER BY hub, device_id, module_id LIMIT " + BATCH)) {
            if (after != null) for (int i = 0; i < 3; i++) read.setString(i + 1, after[i]);
            try (ResultSet rs = read.executeQuery()) {
                while (rs.next()) {
                    String[] documents = postgres ? new String[] {rs.getString(5), rs.getString(6), rs.getString(7)} : null;
                    batch.add(new OldRow(rs.getString(1), rs.getString(2), rs.getString(3), rs.getBytes(4), documents));
                }
            }
        }
        if (batch.isEmpty()) return null;
        try (PreparedStatement write = c.prepareStatement("UPDATE devices SET body = ?, status_updated_ms = ?, twin = "
                + (postgres ? "CAST(? AS jsonb)" : "?") + (postgres ? "" : ", tags = ?")
                + " WHERE hub = ? AND device_id = ? AND module_id = ?")) {
            DeviceBody.Writer w = new DeviceBody.Writer();
            TwinColumn.Writer twin = new TwinColumn.Writer();
            for (OldRow row : batch) {
                DeviceBody.Reader b = new DeviceBody.Reader(row.body(),
                        postgres ? DeviceBody.FORMAT_WITHOUT_TWIN : DeviceBody.FORMAT);
                String generationId = b.string();
                String statusReason = b.string();
                long statusUpdated = b.time();
                String authType = b.string();
                w.begin(DeviceBody.FORMAT_LEAN).string(generationId).string(statusReason)
                        .string(authType).string(b.string()).string(b.string()).string(b.string()).string(b.string());
                boolean iotEdge = b.flag();
                String deviceScope = b.string();
                w.flag(iotEdge).string(deviceScope).string(b.string()).string(b.string()); // parent scopes, managed by
                String[] documents = postgres ? row.documents() : new String[] {b.string(), b.string(), b.string()};
                w.time(b.time());
                if (b.hasMore()) w.fixed64(b.fixed64()).number(b.number());
                int i = 1;
                write.setBytes(i++, w.toBytes());
                write.setLong(i++, statusUpdated);
                write.setString(i++, new String(twin.write(utf8(documents[1]), utf8(documents[2]), null, statusReason,
                        authType, iotEdge, deviceScope), StandardCharsets.UTF_8));
                if (!postgres) write.setString(i++, documents[0] == null ? "{}" : documents[0]);
                write.setString(i++, row.hub());
                write.setString(i++, row.deviceId());
                write.setString(i, row.moduleId());
                write.addBatch();
            }
            write.executeBatch();
        }
        OldRow last = batch.get(batch.size() - 1);
        return batch.size() < BATCH ? null : new String[] {last.hub(), last.deviceId(), last.moduleId()};
    }

    private static byte[] utf8(String document) {
        return (document == null ? "{}" : document).getBytes(StandardCharsets.UTF_8);
    }
}

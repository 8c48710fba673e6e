package dev.iolite.server.store.jdbc;

import org.flywaydb.core.api.migration.BaseJavaMigration;
import org.flywaydb.core.api.migration.Context;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * Schema 7, on both stores: the fields the query language filters and groups by become columns of
 * the device row (status reason and time, authentication type, IoT Edge flag, device scope, and on
 * SQLite the twin's three documents as JSON text, which PostgreSQL already kept as jsonb), and the body keeps the
 * rest in {@link DeviceBody#FORMAT_QUERYABLE}. Rows are converted in key order, a thousand at a time,
 * in Flyway's transaction.
 */
public final class V7__QueryableDeviceRows extends BaseJavaMigration {
    private static final int BATCH = 1_000;

    private final boolean twinInBody;
    private final String timeType;
    private final String jsonParameter;

    private V7__QueryableDeviceRows(boolean twinInBody, String timeType, String jsonParameter) {
        this.twinInBody = twinInBody;
        this.timeType = timeType;
        this.jsonParameter = jsonParameter;
    }

    /** SQLite's rows had format 1, the twin in the body. */
    static V7__QueryableDeviceRows sqlite() { return new V7__QueryableDeviceRows(true, "INTEGER", "?"); }

    /** PostgreSQL's rows had format 2, the twin in jsonb columns. */
    static V7__QueryableDeviceRows postgres() { return new V7__QueryableDeviceRows(false, "BIGINT", "CAST(? AS jsonb)"); }

    @Override
    public void migrate(Context context) throws SQLException {
        Connection c = context.getConnection();
        try (Statement st = c.createStatement()) {
            st.execute("ALTER TABLE devices ADD COLUMN status_reason TEXT");
            st.execute("ALTER TABLE devices ADD COLUMN status_updated_ms " + timeType + " NOT NULL DEFAULT 0");
            st.execute("ALTER TABLE devices ADD COLUMN auth_type TEXT NOT NULL DEFAULT 'sas'");
            st.execute("ALTER TABLE devices ADD COLUMN iot_edge INTEGER NOT NULL DEFAULT 0");
            st.execute("ALTER TABLE devices ADD COLUMN device_scope TEXT");
            if (twinInBody) {
                for (String document : List.of("tags", "desired", "reported")) {
                    st.execute("ALTER TABLE devices ADD COLUMN " + document + " TEXT NOT NULL DEFAULT '{}'");
                }
            }
        }
        String[] after = null;
        do {
            after = convertBatch(c, after);
        } while (after != null);
    }

    private record OldRow(String hub, String deviceId, String moduleId, byte[] body) {}

    /** Converts the next batch of rows after the key {@code after} (null: the first); the last key, or null when done. */
    private String[] convertBatch(Connection c, String[] after) throws SQLException {
        List<OldRow> batch = new ArrayList<>(BATCH);
        try (PreparedStatement read = c.prepareStatement("SELECT hub, device_id, module_id, body FROM devices"
                + (after == null ? "" : " WHERE (hub, device_id, module_id) > (?, ?, ?)")
                + " ORDER BY hub, device_id, module_id LIMIT " + BATCH)) {
            if (after != null) for (int i = 0; i < 3; i++) read.setString(i + 1, after[i]);
            try (ResultSet rs = read.executeQuery()) {
                while (rs.next()) batch.add(new OldRow(rs.getString(1), rs.getString(2), rs.getString(3), rs.getBytes(4)));
            }
        }
        if (batch.isEmpty()) return null;
        String twinColumns = twinInBody ? ", tags = " + jsonParameter + ", desired = " + jsonParameter
                + ", reported = " + jsonParameter : "";
        try (PreparedStatement write = c.prepareStatement("UPDATE devices SET body = ?, status_reason = ?, "
                + "status_updated_ms = ?, auth_type = ?, iot_edge = ?, device_scope = ?" + twinColumns
                + " WHERE hub = ? AND device_id = ? AND module_id = ?")) {
            DeviceBody.Writer w = new DeviceBody.Writer();
            for (OldRow row : batch) {
                DeviceBody.Reader b = new DeviceBody.Reader(row.body(),
                        twinInBody ? DeviceBody.FORMAT : DeviceBody.FORMAT_WITHOUT_TWIN);
                String generationId = b.string();
                String statusReason = b.string();
                long statusUpdated = b.time();
                String authType = b.string();
                w.begin(DeviceBody.FORMAT_QUERYABLE).string(generationId)
                        .string(b.string()).string(b.string()).string(b.string()).string(b.string());
                boolean iotEdge = b.flag();
                String deviceScope = b.string();
                w.string(b.string()).string(b.string()); // parent scopes, managed by
                String[] twin = twinInBody ? new String[] {b.string(), b.string(), b.string()} : null;
                w.time(b.time());
                if (b.hasMore()) w.fixed64(b.fixed64()).number(b.number());
                int i = 1;
                write.setBytes(i++, w.toBytes());
                write.setString(i++, statusReason);
                write.setLong(i++, statusUpdated);
                write.setString(i++, authType);
                write.setInt(i++, iotEdge ? 1 : 0);
                write.setString(i++, deviceScope);
                if (twin != null) for (String document : twin) write.setString(i++, document);
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
}

package dev.iolite.server.jdbc.migration;

import dev.iolite.server.jdbc.rows.DeviceBody;

import org.flywaydb.core.api.migration.BaseJavaMigration;
import org.flywaydb.core.api.migration.Context;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * SQLite schema 3: device rows keep their key, versions and enabled flag as columns and pack the rest
 * into one {@link DeviceBody}. Rows written by schema 1 are converted in place, in Flyway's transaction.
 */
public final class V3__PackedDeviceRows extends BaseJavaMigration {
    private static final int BATCH = 1_000;

    @Override
    public void migrate(Context context) throws SQLException {
        Connection c = context.getConnection();
        try (Statement st = c.createStatement()) {
            st.execute("CREATE TABLE devices_packed ("
                    + "hub TEXT NOT NULL, device_id TEXT NOT NULL, module_id TEXT NOT NULL DEFAULT '', "
                    + "version INTEGER NOT NULL, twin_version INTEGER NOT NULL, enabled INTEGER NOT NULL, "
                    + "body BLOB NOT NULL)");
        }
        copyRows(c);
        try (Statement st = c.createStatement()) {
            st.execute("DROP TABLE devices");
            st.execute("ALTER TABLE devices_packed RENAME TO devices");
            st.execute("CREATE UNIQUE INDEX devices_by_id ON devices (hub, device_id, module_id)");
        }
    }

    private static void copyRows(Connection c) throws SQLException {
        DeviceBody.Writer w = new DeviceBody.Writer();
        try (Statement read = c.createStatement();
             ResultSet rs = read.executeQuery("SELECT hub, device_id, module_id, version, twin_version, enabled, "
                     + "generation_id, status_reason, status_updated_ms, auth_type, primary_key, secondary_key, "
                     + "primary_thumbprint, secondary_thumbprint, iot_edge, device_scope, parent_scopes, managed_by, "
                     + "tags, desired, reported, last_updated_ms FROM devices");
             PreparedStatement write = c.prepareStatement("INSERT INTO devices_packed "
                     + "(hub, device_id, module_id, version, twin_version, enabled, body) VALUES (?, ?, ?, ?, ?, ?, ?)")) {
            int pending = 0;
            while (rs.next()) {
                for (int i = 1; i <= 3; i++) write.setString(i, rs.getString(i));
                for (int i = 4; i <= 6; i++) write.setLong(i, rs.getLong(i));
                w.begin()
                        .string(rs.getString(7)).string(rs.getString(8)).time(rs.getLong(9))
                        .string(rs.getString(10)).string(rs.getString(11)).string(rs.getString(12))
                        .string(rs.getString(13)).string(rs.getString(14)).flag(rs.getInt(15) == 1)
                        .string(rs.getString(16)).string(rs.getString(17)).string(rs.getString(18))
                        .string(rs.getString(19)).string(rs.getString(20)).string(rs.getString(21))
                        .time(rs.getLong(22));
                write.setBytes(7, w.toBytes());
                write.addBatch();
                if (++pending == BATCH) {
                    write.executeBatch();
                    pending = 0;
                }
            }
            if (pending > 0) write.executeBatch();
        }
    }
}

package dev.iolite.server.jdbc;

import dev.iolite.server.jdbc.dialect.SqlDialect;
import dev.iolite.server.jdbc.migration.Migrations;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iolite.server.registry.Authentication;
import dev.iolite.server.registry.Device;
import dev.iolite.server.registry.DeviceKey;
import dev.iolite.server.registry.DeviceStatus;
import dev.iolite.server.registry.Twin;
import dev.iolite.server.registry.TwinDocument;
import dev.iolite.server.jdbc.Database;
import dev.iolite.server.jdbc.registry.JdbcRegistryStore;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** SQLite device rows of earlier schemas: converted with every field, or dropped with their hub (the rest: StoreContract). */
class DeviceRowsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Instant T1 = Instant.parse("2026-11-20T08:15:30.123Z");
    private static final Instant T2 = Instant.parse("2026-11-21T09:00:00.456Z");

    @TempDir
    Path dir;

    private static ObjectNode object(String json) throws Exception {
        return (ObjectNode) JSON.readTree(json);
    }

    /** The hub the rows belong to: its counters and jobs need it (a foreign key since schema 4). */
    static final String HUB_ROW = TestHubs.INSERT.replace("(?,", "('hub',");

    @Test
    void rowsOfHubsDeletedBeforeSchemaFourAreNotKept() throws Exception {
        String url = "jdbc:sqlite:" + dir.resolve("orphans.db");
        Flyway.configure().dataSource(url, null, null).locations(Migrations.location(SqlDialect.sqlite())).target("2").load().migrate();
        try (Connection c = DriverManager.getConnection(url)) {
            c.createStatement().executeUpdate(HUB_ROW);
            c.createStatement().executeUpdate("INSERT INTO hub_stats (hub, total, enabled, disabled) VALUES ('hub', 0, 0, 0),"
                    + " ('deleted-hub', 7, 7, 0)");
            c.createStatement().executeUpdate("INSERT INTO jobs (id, hub, type, status, request, created_ms) VALUES "
                    + "('kept', 'hub', 'export', 'completed', '{}', 1), ('leaked', 'deleted-hub', 'export', 'running', '{}', 1)");
        }
        try (Database db = Database.openSqlite(dir.resolve("orphans.db"))) {
            java.util.List<String> jobs = db.read(c -> {
                java.util.List<String> ids = new java.util.ArrayList<>();
                try (var rs = c.createStatement().executeQuery("SELECT id FROM jobs")) {
                    while (rs.next()) ids.add(rs.getString(1));
                }
                return ids;
            });
            assertThat(jobs).containsExactly("kept");
            // and deleting a hub now takes its counters and jobs with it, through the foreign keys
            db.<Integer>inTransaction(c -> c.createStatement().executeUpdate("DELETE FROM hubs WHERE name = 'hub'"));
            long left = db.read(c -> {
                try (var rs = c.createStatement().executeQuery("SELECT (SELECT count(*) FROM jobs) + (SELECT count(*) FROM hub_stats)")) {
                    rs.next();
                    return rs.getLong(1);
                }
            });
            assertThat(left).isZero();
        }
    }

    @Test
    void rowsWrittenBySchemaOneAreConvertedWithEveryField() throws Exception {
        String url = "jdbc:sqlite:" + dir.resolve("old.db");
        Flyway.configure().dataSource(url, null, null).locations(Migrations.location(SqlDialect.sqlite())).target("2").load().migrate();
        try (Connection c = DriverManager.getConnection(url)) {
            c.createStatement().executeUpdate(HUB_ROW);
        }
        try (Connection c = DriverManager.getConnection(url);
             PreparedStatement ps = c.prepareStatement("INSERT INTO devices (hub, device_id, module_id, version, "
                     + "generation_id, enabled, status_reason, status_updated_ms, auth_type, primary_key, secondary_key, "
                     + "primary_thumbprint, secondary_thumbprint, iot_edge, device_scope, parent_scopes, managed_by, "
                     + "tags, desired, reported, twin_version, last_updated_ms) "
                     + "VALUES ('hub', ?, ?, 3, 'gen-1', 0, 'broken ✗', ?, 'sas', ?, ?, NULL, NULL, 1, 'scope-1', "
                     + "'[\"scope-0\"]', NULL, '{\"a\":1}', '{\"b\":\"x\"}', '{}', 5, ?)")) {
            for (String module : List.of("", "m1")) {
                ps.setString(1, "old-device");
                ps.setString(2, module);
                ps.setLong(3, T1.toEpochMilli());
                ps.setString(4, "p".repeat(44));
                ps.setString(5, "q".repeat(44));
                ps.setLong(6, T2.toEpochMilli());
                ps.executeUpdate();
            }
        }

        try (Database db = Database.openSqlite(dir.resolve("old.db"))) {
            JdbcRegistryStore store = new JdbcRegistryStore(db, JSON);
            Device d = store.find("hub", new DeviceKey("old-device", null)).orElseThrow();
            assertThat(d).isEqualTo(new Device(DeviceKey.device("old-device"), 3, "gen-1",
                    new Device.DeviceState(DeviceStatus.DISABLED, "broken ✗", T1),
                    Authentication.sas("p".repeat(44), "q".repeat(44)), true, new Device.Scopes("scope-1", List.of("scope-0")), null,
                    new Twin(TwinDocument.of(object("{\"a\":1}")), TwinDocument.of(object("{\"b\":\"x\"}")), TwinDocument.EMPTY, 5), T2));
            assertThat(store.listModules("hub", "old-device")).extracting(Device::moduleId).containsExactly("m1");
            assertThat(store.countIdentities("hub")).isEqualTo(2);
        }
    }
}

package dev.iolite.server.store;

import dev.iolite.server.registry.RegistryChanges;
import dev.iolite.server.registry.ExportRow;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iolite.server.registry.AuthType;
import dev.iolite.server.registry.Authentication;
import dev.iolite.server.registry.Device;
import dev.iolite.server.registry.DeviceKey;
import dev.iolite.server.registry.DeviceStatus;
import dev.iolite.server.registry.Twin;
import dev.iolite.server.store.jdbc.Database;
import dev.iolite.server.store.jdbc.JdbcRegistryStore;
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

/** Device rows on a real SQLite file: every field survives the packed row, and schema 1 rows are converted. */
class DeviceRowsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Instant T1 = Instant.parse("2026-11-20T08:15:30.123Z");
    private static final Instant T2 = Instant.parse("2026-11-21T09:00:00.456Z");

    @TempDir
    Path dir;

    private static ObjectNode object(String json) throws Exception {
        return (ObjectNode) JSON.readTree(json);
    }

    @Test
    void everyFieldOfDevicesAndModulesSurvivesAWriteAndARead() throws Exception {
        Device full = new Device(DeviceKey.device("dev-ü-1"), 7, "638700000000000001",
                new Device.DeviceState(DeviceStatus.DISABLED, "stolen — reported by ops", T1),
                new Authentication(AuthType.SELF_SIGNED, null, null, "A".repeat(40), "B".repeat(64)),
                true, new Device.Scopes("ms-azure-iot-edge://edge-1-123",
                        List.of("ms-azure-iot-edge://p-1", "ms-azure-iot-edge://p-2")),
                "edge-1", new Twin(object("{\"site\":\"Zürich\",\"n\":{\"x\":[1,2.5,null,true]}}"),
                        object("{\"fw\":\"1.2\"}"), object("{\"temp\":21.5}"), 42), T2);
        Device bare = new Device(new DeviceKey("dev-2", "module-a"), 1, "638700000000000002",
                new Device.DeviceState(DeviceStatus.ENABLED, null, T1),
                Authentication.sas("k".repeat(44), "s".repeat(44)), false, Device.Scopes.NONE, null,
                new Twin(JSON.createObjectNode(), JSON.createObjectNode(), JSON.createObjectNode(), 1), T1);

        try (Database db = Database.openSqlite(dir.resolve("registry.db"))) {
            db.inTransaction(c -> c.createStatement().executeUpdate(HUB_ROW));
            JdbcRegistryStore store = new JdbcRegistryStore(db, JSON);
            store.apply("hub", new RegistryChanges(List.of(full, bare), List.of(), List.of(),
                    new RegistryChanges.StatsDelta(1, 0, 1)));

            assertThat(store.find("hub", new DeviceKey("dev-ü-1", null))).contains(full);
            assertThat(store.find("hub", new DeviceKey("dev-2", "module-a"))).contains(bare);
            assertThat(store.find("other", new DeviceKey("dev-2", "module-a"))).isEmpty();

            List<ExportRow> rows = store.scan("hub", null, null, 10);
            assertThat(rows).extracting(ExportRow::deviceId).containsExactly("dev-2", "dev-ü-1");
            ExportRow e = rows.get(1);
            assertThat(e.statusReason()).isEqualTo("stolen — reported by ops");
            assertThat(e.primaryThumbprint()).isEqualTo("A".repeat(40));
            assertThat(e.parentScopesJson()).isEqualTo("[\"ms-azure-iot-edge://p-1\",\"ms-azure-iot-edge://p-2\"]");
            assertThat(JSON.readTree(e.tagsJson())).isEqualTo(full.twin().tags());
            assertThat(e.twinVersion()).isEqualTo(42);
            assertThat(rows.get(0).reportedJson()).isEqualTo("{}");
        }
    }

    /** The hub the rows belong to: its counters and jobs need it (a foreign key since schema 4). */
    static final String HUB_ROW = "INSERT INTO hubs (name, subscription_id, resource_group, location, sku_name, "
            + "sku_capacity, tags, version, created_at_ms) VALUES ('hub', 's', 'g', 'l', 'S1', 1, '{}', 1, 0)";

    @Test
    void rowsOfHubsDeletedBeforeSchemaFourAreNotKept() throws Exception {
        String url = "jdbc:sqlite:" + dir.resolve("orphans.db");
        Flyway.configure().dataSource(url, null, null).locations("classpath:db/sqlite").target("2").load().migrate();
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
        Flyway.configure().dataSource(url, null, null).locations("classpath:db/sqlite").target("2").load().migrate();
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
                    new Twin(object("{\"a\":1}"), object("{\"b\":\"x\"}"), JSON.createObjectNode(), 5), T2));
            assertThat(store.listModules("hub", "old-device")).extracting(Device::moduleId).containsExactly("m1");
            assertThat(store.countIdentities("hub")).isEqualTo(2);
        }
    }
}

package dev.iolite.server.jdbc;

import dev.iolite.server.jdbc.dialect.SqlDialect;
import dev.iolite.server.jdbc.migration.Migrations;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The migrations as every store made so far recorded them in Flyway's history: each SQL file's name (relative to
 * its folder) and checksum, and each Java migration's version and description. A change of any of them fails
 * Flyway's validation of every existing store at its next start, so a released migration never changes, not even
 * its comments, and never moves out of its dialect's folder.
 */
class MigrationsTest {

    /** Flyway's checksums of the released SQL migrations (CRC32 of the lines, as it records them). */
    private static final Map<String, Integer> SQLITE = new LinkedHashMap<>();
    private static final Map<String, Integer> POSTGRESQL = new LinkedHashMap<>();
    static {
        SQLITE.put("V1__registry.sql", 1778239919);
        SQLITE.put("V2__jobs.sql", -1017808026);
        SQLITE.put("V4__hub_cascades.sql", -1466028968);
        SQLITE.put("V5__job_attempts.sql", 1207348165);
        SQLITE.put("V6__import_seen.sql", 562764057);
        SQLITE.put("V8__secrets.sql", -1029598586);
        POSTGRESQL.put("V1__registry.sql", -1768110614);
        POSTGRESQL.put("V2__jobs.sql", 2117085643);
        POSTGRESQL.put("V4__hub_cascades.sql", -1503436493);
        POSTGRESQL.put("V5__job_attempts.sql", 1207348165);
        POSTGRESQL.put("V6__import_seen.sql", 1379098531);
        POSTGRESQL.put("V8__secrets.sql", -1029598586);
    }

    @Test
    void aNewSqliteStoreRecordsTheReleasedHistory(@TempDir Path dir) throws SQLException {
        Path file = dir.resolve("store.db");
        try (Database db = Database.openSqlite(file)) {
            assertThat(db.dialect().name()).isEqualTo("sqlite");
        }
        List<String> history = new ArrayList<>();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file);
             Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT version, description, type, script, checksum, success "
                     + "FROM flyway_schema_history ORDER BY installed_rank")) {
            while (rs.next()) {
                String script = rs.getString(4);
                // a Java migration's script is its class name, which Flyway does not validate
                if (rs.getString(3).equals("JDBC")) script = script.substring(script.lastIndexOf('.') + 1);
                history.add(rs.getString(1) + " " + rs.getString(2) + " " + rs.getString(3) + " " + script + " "
                        + rs.getObject(5) + " " + rs.getBoolean(6));
            }
        }
        // the released history comes first, unchanged; migrations added since follow it
        assertThat(history).startsWith(
                "1 registry SQL V1__registry.sql 1778239919 true",
                "2 jobs SQL V2__jobs.sql -1017808026 true",
                "3 PackedDeviceRows JDBC V3__PackedDeviceRows null true",
                "4 hub cascades SQL V4__hub_cascades.sql -1466028968 true",
                "5 job attempts SQL V5__job_attempts.sql 1207348165 true",
                "6 import seen SQL V6__import_seen.sql 562764057 true",
                "7 QueryableDeviceRows JDBC V7__QueryableDeviceRows null true",
                "8 secrets SQL V8__secrets.sql -1029598586 true");
    }

    @Test
    void theSqlMigrationsOfBothDialectsKeepTheirNamesAndChecksums() throws IOException {
        assertThat(checksums(SqlDialect.sqlite(), SQLITE.keySet())).isEqualTo(SQLITE);
        assertThat(checksums(SqlDialect.postgresql(), POSTGRESQL.keySet())).isEqualTo(POSTGRESQL);
    }

    private static Map<String, Integer> checksums(SqlDialect dialect, Iterable<String> names) throws IOException {
        String folder = Migrations.location(dialect).substring("classpath:".length());
        Map<String, Integer> out = new LinkedHashMap<>();
        for (String name : names) {
            try (InputStream in = MigrationsTest.class.getClassLoader().getResourceAsStream(folder + "/" + name)) {
                if (in == null) continue;
                out.put(name, flywayChecksum(in));
            }
        }
        return out;
    }

    /** Flyway's checksum of a migration: CRC32 over each line's UTF-8, without line ends or a byte order mark. */
    private static int flywayChecksum(InputStream in) throws IOException {
        CRC32 crc = new CRC32();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            boolean first = true;
            for (String line; (line = r.readLine()) != null; first = false) {
                if (first && line.startsWith("\ufeff")) line = line.substring(1);
                crc.update(line.getBytes(StandardCharsets.UTF_8));
            }
        }
        return (int) crc.getValue();
    }
}

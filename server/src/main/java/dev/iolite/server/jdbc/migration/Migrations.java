package dev.iolite.server.jdbc.migration;

import dev.iolite.server.jdbc.dialect.SqlDialect;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.migration.JavaMigration;

import javax.sql.DataSource;
import java.util.List;

/**
 * Each dialect's schema migrations: the SQL files in this package's resource folder of the dialect's name
 * ({@code sqlite}, {@code postgresql}), numbered alike, and the migrations written in Java (data conversions SQL
 * cannot express), which run in version order with them. Flyway's history keeps each SQL file's name relative to
 * its folder and its checksum, and each Java migration's version and description, so a store made before these
 * files moved here validates as it did.
 */
public final class Migrations {
    private static final String FOLDER = "classpath:dev/iolite/server/jdbc/migration/";

    private Migrations() {}

    /** Flyway for {@code dialect}'s migrations over {@code dataSource}, ready to inspect or migrate. */
    public static Flyway flyway(DataSource dataSource, SqlDialect dialect) {
        return Flyway.configure().dataSource(dataSource).locations(location(dialect))
                .javaMigrations(javaMigrations(dialect).toArray(JavaMigration[]::new)).load();
    }

    /** The SQL folder of {@code dialect}'s migrations, for tests that migrate part of the way. */
    public static String location(SqlDialect dialect) {
        return FOLDER + dialect.name();
    }

    private static List<JavaMigration> javaMigrations(SqlDialect dialect) {
        return switch (dialect.name()) {
            case "sqlite" -> List.of(new V3__PackedDeviceRows(), V7__QueryableDeviceRows.sqlite());
            case "postgresql" -> List.of(V7__QueryableDeviceRows.postgres());
            default -> throw new IllegalArgumentException("no migrations for the dialect " + dialect.name());
        };
    }
}

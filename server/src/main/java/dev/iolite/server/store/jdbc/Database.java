package dev.iolite.server.store.jdbc;

import dev.iolite.server.store.StoreUrl;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.iolite.server.store.StaleWriteException;
import dev.iolite.server.store.StoreUnavailableException;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.migration.JavaMigration;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.concurrent.TimeUnit;

/** A pooled database with its dialect, migrated at open; runs units of work in transactions. */
public final class Database implements AutoCloseable {
    private final HikariDataSource dataSource;
    private final SqlDialect dialect;
    private final Timer committed;
    private final Timer rolledBack;

    private Database(HikariDataSource dataSource, SqlDialect dialect, MeterRegistry meters) {
        this.dataSource = dataSource;
        this.dialect = dialect;
        this.committed = transactions(meters, "commit");
        this.rolledBack = transactions(meters, "rollback");
    }

    private static Timer transactions(MeterRegistry meters, String outcome) {
        return Timer.builder("iolite.store.transactions").description("Store transactions by outcome, with their time")
                .tag("outcome", outcome).register(meters);
    }

    /**
     * Opens the PostgreSQL store of {@code url}, or the SQLite file when {@code url} is null, and migrates it.
     * Throws {@link OpenException} saying whether the store could not be reached or not be migrated.
     */
    public static Database open(StoreUrl url, Path sqliteFile, MeterRegistry meters) {
        try {
            return url == null ? openSqlite(sqliteFile, meters) : openPostgres(url, meters);
        } catch (OpenException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new OpenException(OpenException.Stage.CONNECT, (url == null ? "the SQLite file " + sqliteFile
                    : "PostgreSQL at " + url) + " could not be opened: " + rootMessage(e), e);
        }
    }

    /** The innermost cause's message on one line (Flyway's span several, the last an advertisement). */
    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) t = t.getCause();
        String m = t.getMessage() == null ? t.toString() : t.getMessage();
        return String.join("; ", m.lines().map(String::strip).filter(l -> !l.isEmpty() && !l.startsWith("Need more flexibility"))
                .toList());
    }

    /** The store could not be reached, or its schema could not be brought to this version. */
    public static final class OpenException extends RuntimeException {
        public enum Stage { CONNECT, MIGRATE }

        private final Stage stage;

        OpenException(Stage stage, String message, Throwable cause) {
            super(message, cause);
            this.stage = stage;
        }

        public Stage stage() { return stage; }
    }

    /** The embedded default: a SQLite file in WAL mode, writers serialized by immediate transactions. */
    public static Database openSqlite(Path file) {
        return openSqlite(file, new CompositeMeterRegistry());
    }

    /** As {@link #openSqlite(Path)}, with the pool's and the transactions' meters in {@code meters}. */
    public static Database openSqlite(Path file, MeterRegistry meters) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl("jdbc:sqlite:" + file.toAbsolutePath());
        config.setPoolName("iolite-sqlite");
        config.setMaximumPoolSize(4);
        config.addDataSourceProperty("journal_mode", "WAL");
        config.addDataSourceProperty("synchronous", "NORMAL");
        config.addDataSourceProperty("busy_timeout", "30000");
        config.addDataSourceProperty("transaction_mode", "IMMEDIATE");
        config.addDataSourceProperty("foreign_keys", "true");
        // Bulk imports: 64 MiB of page cache per connection, 8 KiB pages (set when the file is created),
        // memory-mapped reads, and WAL checkpoints every ~40 MiB rather than every 4 MiB.
        config.addDataSourceProperty("cache_size", "-65536");
        config.addDataSourceProperty("page_size", "8192");
        config.addDataSourceProperty("mmap_size", "268435456");
        config.addDataSourceProperty("temp_store", "MEMORY");
        config.setConnectionInitSql("PRAGMA wal_autocheckpoint = 5000");
        config.setMetricRegistry(meters);
        return open(new HikariDataSource(config), new SqliteDialect(), meters);
    }

    /**
     * The scale-out store: a PostgreSQL database that several nodes share. Connections that fail
     * surface as {@link StoreUnavailableException} (503) within the connection timeout, never a hang.
     */
    public static Database openPostgres(StoreUrl url) {
        return openPostgres(url, new CompositeMeterRegistry());
    }

    /** As {@link #openPostgres(StoreUrl)}, with the pool's and the transactions' meters in {@code meters}. */
    public static Database openPostgres(StoreUrl url, MeterRegistry meters) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(url.jdbcUrl());
        if (url.user() != null) config.setUsername(url.user());
        if (url.password() != null) config.setPassword(url.password());
        config.setPoolName("iolite-postgresql");
        config.setMaximumPoolSize(10);
        config.setConnectionTimeout(5_000);
        config.setValidationTimeout(2_000);
        // Start even when the database is down for a moment; calls fail with 503 until it is back.
        config.setInitializationFailTimeout(30_000);
        config.addDataSourceProperty("reWriteBatchedInserts", "true");
        config.addDataSourceProperty("tcpKeepAlive", "true");
        config.addDataSourceProperty("socketTimeout", "60");
        config.addDataSourceProperty("ApplicationName", "iolite");
        config.setMetricRegistry(meters);
        return open(new HikariDataSource(config), new PostgresDialect(), meters);
    }

    private static Database open(HikariDataSource ds, SqlDialect dialect, MeterRegistry meters) {
        try {
            Flyway flyway = Flyway.configure().dataSource(ds).locations(dialect.migrations())
                    .javaMigrations(dialect.javaMigrations().toArray(JavaMigration[]::new)).load();
            refuseNewerSchema(flyway);
            flyway.migrate();
        } catch (OpenException e) {
            ds.close();
            throw e;
        } catch (RuntimeException e) {
            ds.close();
            throw new OpenException(OpenException.Stage.MIGRATE, "the store's schema could not be migrated to this version: "
                    + rootMessage(e), e);
        }
        return new Database(ds, dialect, meters);
    }

    /**
     * A store that a newer version has migrated is not for this one: it would read rows in a shape it does not know.
     * Flyway lets such a store pass (it ignores "future" migrations by default), so this checks first.
     */
    private static void refuseNewerSchema(Flyway flyway) {
        org.flywaydb.core.api.MigrationInfo newest = null;
        for (org.flywaydb.core.api.MigrationInfo m : flyway.info().applied()) {
            if (m.getState() == org.flywaydb.core.api.MigrationState.FUTURE_SUCCESS
                    || m.getState() == org.flywaydb.core.api.MigrationState.FUTURE_FAILED) {
                newest = m;
            }
        }
        if (newest != null) {
            org.flywaydb.core.api.MigrationInfo known = null;
            for (org.flywaydb.core.api.MigrationInfo m : flyway.info().all()) {
                if (m.getState() != org.flywaydb.core.api.MigrationState.FUTURE_SUCCESS
                        && m.getState() != org.flywaydb.core.api.MigrationState.FUTURE_FAILED) {
                    known = m;
                }
            }
            throw new OpenException(OpenException.Stage.MIGRATE, "the store's schema is at version " + newest.getVersion()
                    + ", newer than this version of Iolite knows (" + (known == null ? "none" : known.getVersion())
                    + "): run the newer version, or restore a backup taken before the upgrade", null);
        }
    }

    public SqlDialect dialect() { return dialect; }

    /** Null when the database answers within two seconds, otherwise why not (for readiness probes). */
    public String unavailableBecause() {
        try (Connection c = dataSource.getConnection()) {
            return c.isValid(2) ? null : "the store did not answer within 2 s";
        } catch (SQLException e) {
            return "the store is unavailable: " + e.getMessage();
        }
    }

    /** Runs {@code work} in one transaction: committed when it returns, rolled back when it throws. */
    public <T> T inTransaction(Work<T> work) {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            long started = System.nanoTime();
            try {
                T result = work.run(c);
                c.commit();
                committed.record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
                return result;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                rolledBack.record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
                throw e;
            } finally {
                c.setAutoCommit(true);
            }
        } catch (SQLException e) {
            throw translate(e);
        }
    }

    /** Runs {@code work} on a connection in auto-commit mode (reads). */
    public <T> T read(Work<T> work) {
        try (Connection c = dataSource.getConnection()) {
            return work.run(c);
        } catch (SQLException e) {
            throw translate(e);
        }
    }

    private RuntimeException translate(SQLException e) {
        if (dialect.isUniqueViolation(e)) return new StaleWriteException("the key is already taken");
        if (dialect.isMissingParent(e)) {
            // the hub was deleted while this request was under way: nothing of it was written
            return new dev.iolite.server.errors.IoliteException(dev.iolite.server.errors.ErrorCode.HUB_NOT_FOUND,
                    "the IoT hub does not exist (it was deleted)");
        }
        if (dialect.isTransient(e)) {
            return new StoreUnavailableException("the store is unavailable for the moment: " + e.getMessage(), e);
        }
        return new StoreUnavailableException("the store failed: " + e.getMessage(), e);
    }

    @Override
    public void close() { dataSource.close(); }

    /** A unit of work on a connection. */
    @FunctionalInterface
    public interface Work<T> {
        T run(Connection c) throws SQLException;
    }
}

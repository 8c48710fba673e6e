package dev.iolite.server.jdbc;

import dev.iolite.server.jdbc.dialect.SqlDialect;
import dev.iolite.server.jdbc.migration.Migrations;

import dev.iolite.server.store.StoreUrl;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.iolite.server.store.StaleWriteException;
import dev.iolite.server.store.StoreUnavailableException;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import org.flywaydb.core.Flyway;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.sql.DriverManager;
import java.time.Duration;
import dev.iolite.server.store.StatementTimeoutException;
import dev.iolite.server.store.StillWanted;

/** A pooled database with its dialect, migrated at open; runs units of work in transactions. */
public final class Database implements AutoCloseable {
    /**
     * Queries run on connections of their own, so that writes, statistics, device reads and job batches never
     * wait behind them: SQLite's pool of 4 (one writer at a time, readers beside it in WAL mode) gets 3 more for
     * queries, at most 2 of them one hub's; PostgreSQL's pool of 10 gets 6, at most 3 one hub's.
     */
    public static final int SQLITE_QUERY_SLOTS = 3;
    public static final int SQLITE_QUERY_SLOTS_PER_HUB = 2;
    public static final int POSTGRES_QUERY_SLOTS = 6;
    public static final int POSTGRES_QUERY_SLOTS_PER_HUB = 3;
    /** How long a query waits for its hub's share before it gets 429; and the Retry-After it is told then. */
    public static final Duration QUERY_SLOT_WAIT = Duration.ofSeconds(2);
    public static final Duration QUERY_RETRY_AFTER = Duration.ofSeconds(2);

    /** The longest a query or a job's scan may run by default; past it the caller is told to narrow it. */
    public static final Duration DEFAULT_DEADLINE = Duration.ofSeconds(30);

    private final HikariDataSource dataSource;
    private final HikariDataSource queryPool;
    private final QueryShares shares;
    private final SqlDialect dialect;
    private final Timer committed;
    private final Timer rolledBack;
    private final ScheduledExecutorService watchdog;
    private final Readiness readiness;

    private Database(HikariDataSource dataSource, HikariDataSource queryPool, QueryShares shares, SqlDialect dialect,
                     MeterRegistry meters, Readiness.Opener dedicated) {
        this.dataSource = dataSource;
        this.queryPool = queryPool;
        this.shares = shares;
        this.dialect = dialect;
        this.committed = transactions(meters, "commit");
        this.rolledBack = transactions(meters, "rollback");
        this.watchdog = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "iolite-statement-watchdog");
            t.setDaemon(true);
            return t;
        });
        this.readiness = new Readiness(dedicated);
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
        HikariConfig queries = sqliteConfig(file, meters);
        queries.setPoolName("iolite-sqlite-queries");
        queries.setMaximumPoolSize(SQLITE_QUERY_SLOTS);
        HikariConfig config = sqliteConfig(file, meters);
        config.setPoolName("iolite-sqlite");
        config.setMaximumPoolSize(4);
        String url = config.getJdbcUrl();
        return open(new HikariDataSource(config), queries, new QueryShares(SQLITE_QUERY_SLOTS, SQLITE_QUERY_SLOTS_PER_HUB,
                QUERY_SLOT_WAIT, QUERY_RETRY_AFTER), SqlDialect.sqlite(), meters, () -> DriverManager.getConnection(url));
    }

    private static HikariConfig sqliteConfig(Path file, MeterRegistry meters) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl("jdbc:sqlite:" + file.toAbsolutePath());
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
        return config;
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
        HikariConfig queries = postgresConfig(url, meters);
        queries.setPoolName("iolite-postgresql-queries");
        queries.setMaximumPoolSize(POSTGRES_QUERY_SLOTS);
        queries.setInitializationFailTimeout(-1);  // the main pool decides whether the store is there at start
        HikariConfig config = postgresConfig(url, meters);
        Readiness.Opener dedicated = () -> {
            java.util.Properties p = new java.util.Properties();
            if (url.user() != null) p.setProperty("user", url.user());
            if (url.password() != null) p.setProperty("password", url.password());
            p.setProperty("connectTimeout", "2");
            p.setProperty("socketTimeout", "2");
            p.setProperty("ApplicationName", "iolite-readiness");
            return DriverManager.getConnection(url.jdbcUrl(), p);
        };
        return open(new HikariDataSource(config), queries, new QueryShares(POSTGRES_QUERY_SLOTS, POSTGRES_QUERY_SLOTS_PER_HUB,
                QUERY_SLOT_WAIT, QUERY_RETRY_AFTER), SqlDialect.postgresql(), meters, dedicated);
    }

    private static HikariConfig postgresConfig(StoreUrl url, MeterRegistry meters) {
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
        return config;
    }

    private static Database open(HikariDataSource ds, HikariConfig queries, QueryShares shares, SqlDialect dialect,
                                 MeterRegistry meters, Readiness.Opener dedicated) {
        try {
            Flyway flyway = Migrations.flyway(ds, dialect);
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
        HikariDataSource queryPool;
        try {
            queryPool = new HikariDataSource(queries);
        } catch (RuntimeException e) {
            ds.close();
            throw new OpenException(OpenException.Stage.CONNECT, "the store's query connections could not be opened: "
                    + rootMessage(e), e);
        }
        return new Database(ds, queryPool, shares, dialect, meters, dedicated);
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

    /**
     * Null when the store answered its last check (at most a few seconds ago), otherwise why not in words fit for
     * anyone (for readiness probes). Never waits on the store: a background check on a connection of its own
     * answers, so a busy pool does not make the probe slow and the probe takes nothing from the pool.
     */
    public String unavailableBecause() {
        return readiness.unavailableBecause();
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

    /**
     * Runs {@code work} (a query) for {@code hub} on a query connection within the hub's share (see
     * {@link #SQLITE_QUERY_SLOTS}), stopping its statements at {@code deadline} or once {@code wanted} says the
     * caller went away.
     *
     * @throws dev.iolite.server.errors.ThrottledException when the hub's share stays taken for {@link #QUERY_SLOT_WAIT}
     * @throws StatementTimeoutException when the deadline stopped a statement (the connection goes back healthy)
     */
    public <T> T query(String hub, Duration deadline, StillWanted wanted, Work<T> work) {
        try (QueryShares.Slot slot = shares.take(hub)) {
            return guarded(queryPool, deadline, wanted, work);
        }
    }

    /** As {@link #read(Work)}, with statements stopped at {@code deadline} (job scans). */
    public <T> T read(Duration deadline, Work<T> work) {
        return guarded(dataSource, deadline, StillWanted.ALWAYS, work);
    }

    private <T> T guarded(HikariDataSource pool, Duration deadline, StillWanted wanted, Work<T> work) {
        try {
            return StatementGuard.run(pool, watchdog, dialect, deadline, wanted, work);
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
    public void close() {
        readiness.close();
        watchdog.shutdownNow();
        queryPool.close();
        dataSource.close();
    }

    /** A unit of work on a connection. */
    @FunctionalInterface
    public interface Work<T> {
        T run(Connection c) throws SQLException;
    }
}

package dev.iolite.server.jdbc;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Whether the store answers, for readiness probes: a thread of its own asks the store {@code SELECT 1} every
 * {@link #EVERY} on a connection outside the pools, and the probe reads the last answer. A probe therefore
 * never waits on the store nor takes a pooled connection, however busy the pools are; and when the store stops
 * answering, the answer goes stale within {@link #STALE} and the probe says so. The reasons are plain words:
 * the driver's message, which may name hosts or users, goes to the log only.
 */
final class Readiness implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Readiness.class);
    static final Duration EVERY = Duration.ofSeconds(1);
    /** An answer older than this means the store did not answer the last checks in time. */
    static final Duration STALE = Duration.ofSeconds(4);
    private static final int CHECK_SECONDS = 2;

    /** Opens the dedicated connection. */
    @FunctionalInterface
    interface Opener {
        Connection open() throws SQLException;
    }

    private final Opener opener;
    private final ScheduledExecutorService thread;
    private Connection connection;  // the checking thread's alone
    private volatile long answeredAt;
    private volatile String failure;

    Readiness(Opener opener) {
        this.opener = opener;
        this.thread = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "iolite-store-readiness");
            t.setDaemon(true);
            return t;
        });
        answeredAt = System.nanoTime() - STALE.toNanos() - 1;
        failure = null;
        check();  // once at start, so that a probe right after it has an answer (the schedule below orders the rest)
        thread.scheduleWithFixedDelay(this::check, EVERY.toMillis(), EVERY.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Null when the store answered within {@link #STALE}, otherwise why not. */
    String unavailableBecause() {
        if (System.nanoTime() - answeredAt < STALE.toNanos()) return null;
        String f = failure;
        return f != null ? f : "the store did not answer within " + STALE.toSeconds() + " s";
    }

    private void check() {
        try {
            if (connection == null) connection = opener.open();
            try (Statement st = connection.createStatement()) {
                st.setQueryTimeout(CHECK_SECONDS);
                st.execute("SELECT 1");
            }
            answeredAt = System.nanoTime();
            if (failure != null) LOG.info("the store answers");
            failure = null;
        } catch (SQLException | RuntimeException e) {
            // the task must not die (the executor would drop it silently): report, start afresh next time
            if (failure == null) LOG.warn("the store does not answer its readiness check: {}", e.toString());
            failure = "the store does not answer";
            closeConnection();
        }
    }

    private void closeConnection() {
        if (connection == null) return;
        try {
            connection.close();
        } catch (SQLException ignored) {
            // it was broken already
        }
        connection = null;
    }

    @Override
    public void close() {
        thread.shutdownNow();
        try {
            thread.awaitTermination(3, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        closeConnection();
    }
}

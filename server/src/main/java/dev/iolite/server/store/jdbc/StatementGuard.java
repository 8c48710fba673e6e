package dev.iolite.server.store.jdbc;

import dev.iolite.server.store.StillWanted;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Watches one store call: a few times a second it checks the deadline and whether the caller still waits,
 * and stops the running statement through the dialect when either is over ({@link SqlDialect#stopStatement}).
 * Stopping and finishing take the same lock, so a statement is only ever stopped while its call runs, never
 * after the connection went back to the pool.
 */
final class StatementGuard implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(StatementGuard.class);
    /** How often the watchdog looks: a caller who hangs up frees the connection within this and the stop's time. */
    static final Duration POLL = Duration.ofMillis(200);

    enum Stop { NONE, DEADLINE, CALLER_GONE }

    private final Connection connection;
    private final SqlDialect dialect;
    private final long deadlineNanos;
    private final StillWanted wanted;
    private final ScheduledFuture<?> poll;
    private Stop stopped = Stop.NONE;
    private boolean done;

    private StatementGuard(ScheduledExecutorService watchdog, Connection connection, SqlDialect dialect, Duration deadline,
                           StillWanted wanted) {
        this.connection = connection;
        this.dialect = dialect;
        this.deadlineNanos = System.nanoTime() + deadline.toNanos();
        this.wanted = wanted;
        this.poll = watchdog.scheduleWithFixedDelay(this::check, POLL.toMillis(), POLL.toMillis(), TimeUnit.MILLISECONDS);
    }

    static StatementGuard watch(ScheduledExecutorService watchdog, Connection c, SqlDialect dialect, Duration deadline,
                                StillWanted wanted) {
        return new StatementGuard(watchdog, c, dialect, deadline, wanted);
    }

    private synchronized void check() {
        if (done || stopped != Stop.NONE) return;
        Stop why = System.nanoTime() - deadlineNanos >= 0 ? Stop.DEADLINE : wanted.stillWanted() ? Stop.NONE : Stop.CALLER_GONE;
        if (why == Stop.NONE) return;
        stopped = why;
        try {
            dialect.stopStatement(connection);
        } catch (SQLException | RuntimeException e) {
            // the task must not die (the executor would drop it silently); the deadline of the database itself remains
            LOG.warn("could not stop a statement ({}): {}", why, e.toString());
        }
    }

    /** Why the watchdog stopped the statement, or NONE. */
    synchronized Stop stopped() { return stopped; }

    @Override
    public synchronized void close() {
        done = true;
        poll.cancel(false);
    }
}

package dev.iolite.server.jdbc;

import dev.iolite.server.jdbc.dialect.SqlDialect;

import com.zaxxer.hikari.HikariDataSource;
import dev.iolite.server.errors.ErrorCode;
import dev.iolite.server.errors.IoliteException;
import dev.iolite.server.store.StatementTimeoutException;
import dev.iolite.server.store.StillWanted;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Watches one store call: a few times a second it checks the deadline and whether the caller still waits,
 * and stops the running statement through the dialect when either is over ({@link SqlDialect#stopStatement}).
 * A stop can miss: PostgreSQL ignores a cancel request that reaches the connection between two statements of
 * the call, and the next statement would run on to the deadline. So the guard repeats the stop at every look
 * until the call ends. Stopping and finishing take the same lock, so a stop is only ever sent while its call
 * runs; one that the database receives late, after the call, is why such a connection leaves the pool.
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
    private int stopsSent;
    private boolean done;

    private StatementGuard(ScheduledExecutorService watchdog, Connection connection, SqlDialect dialect, Duration deadline,
                           StillWanted wanted) {
        this.connection = connection;
        this.dialect = dialect;
        this.deadlineNanos = System.nanoTime() + deadline.toNanos();
        this.wanted = wanted;
        this.poll = watchdog.scheduleWithFixedDelay(this::check, POLL.toMillis(), POLL.toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * Runs a read under a guard, in a transaction where the dialect sets a deadline of the database's own
     * (PostgreSQL also needs the transaction to stream a result with a fetch size). The database's deadline is
     * the exact one; the guard's, a moment later, stops what it missed.
     *
     * @throws StatementTimeoutException when the deadline stopped a statement
     * @throws IoliteException (400) when the caller went away and its statement was stopped
     */
    static <T> T run(HikariDataSource pool, ScheduledExecutorService watchdog, SqlDialect dialect, Duration deadline,
                     StillWanted wanted, Database.Work<T> work) throws SQLException {
        String inDatabase = dialect.statementDeadline(deadline);
        Duration guardAt = inDatabase == null ? deadline : deadline.plus(POLL.multipliedBy(5));
        try (Connection c = pool.getConnection()) {
            boolean stoppedBySql = false;
            StatementGuard guard = new StatementGuard(watchdog, c, dialect, guardAt, wanted);
            try {
                if (inDatabase != null) {
                    c.setAutoCommit(false);
                    try (Statement st = c.createStatement()) {
                        st.execute(inDatabase);
                    }
                }
                T result = work.run(c);
                if (inDatabase != null) c.rollback();  // a read: nothing to keep
                return result;
            } catch (SQLException | RuntimeException e) {
                guard.close();  // no stop may reach the rollback
                stoppedBySql = stoppedBy(dialect, e);
                if (inDatabase != null) rollbackQuietly(c);
                Stop why = guard.stopped();
                if (why == Stop.CALLER_GONE) {
                    throw new IoliteException(ErrorCode.ARGUMENT_INVALID, "the caller went away; its query was stopped");
                }
                if (why == Stop.DEADLINE || stoppedBySql) throw new StatementTimeoutException(deadline, e);
                throw e;
            } finally {
                guard.close();
                if (inDatabase != null) restoreAutoCommit(c);
                // a stop that missed its statement, or one of several, could stop the connection's next user's
                if (guard.mayHaveStopInFlight(stoppedBySql) && dialect.stopMayArriveLate()) pool.evictConnection(c);
            }
        }
    }

    /** Whether the exception, or one it wraps, is the dialect's report of a stopped statement. */
    private static boolean stoppedBy(SqlDialect dialect, Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof SQLException s && dialect.isStopped(s)) return true;
        }
        return false;
    }

    /** Back to auto-commit for the pool's next user; a connection that cannot is broken, and Hikari drops it. */
    private static void restoreAutoCommit(Connection c) {
        try {
            c.setAutoCommit(true);
        } catch (SQLException ignored) {
            // the failure in flight, if any, says more than this one
        }
    }

    private static void rollbackQuietly(Connection c) {
        try {
            c.rollback();
        } catch (SQLException ignored) {
            // the connection is broken; Hikari drops it when it comes back
        }
    }

    private synchronized void check() {
        if (done) return;
        if (stopped == Stop.NONE) {
            stopped = System.nanoTime() - deadlineNanos >= 0 ? Stop.DEADLINE
                    : wanted.stillWanted() ? Stop.NONE : Stop.CALLER_GONE;
            if (stopped == Stop.NONE) return;
        }
        Stop why = stopped;
        stopsSent++;
        try {
            dialect.stopStatement(connection);
        } catch (SQLException | RuntimeException e) {
            // the task must not die (the executor would drop it silently); the deadline of the database itself remains
            if (stopsSent == 1) LOG.warn("could not stop a statement ({}): {}", why, e.toString());
        }
    }

    /** Why the watchdog stopped the statement, or NONE. */
    synchronized Stop stopped() { return stopped; }

    /** Whether a stop sent for this call may still reach the connection after it (the call ended now). */
    synchronized boolean mayHaveStopInFlight(boolean stoppedBySql) {
        return stopsSent > 1 || stopsSent == 1 && !stoppedBySql;
    }

    @Override
    public synchronized void close() {
        done = true;
        poll.cancel(false);
    }
}

package dev.iolite.server.jdbc.dialect;

import java.sql.SQLException;

/**
 * What differs between SQL databases; everything else is portable SQL in the stores. Each default here is
 * standard SQL and JDBC, and a dialect overrides only where its database differs. The two dialects are made here
 * ({@link #sqlite()}, {@link #postgresql()}); everything else knows them only as a {@code SqlDialect}.
 */
public interface SqlDialect {

    /** SQLite's dialect. */
    static SqlDialect sqlite() { return new SqliteDialect(); }

    /** PostgreSQL's dialect. */
    static SqlDialect postgresql() { return new PostgresDialect(); }

    /** The database's name in lower case ({@code sqlite}, {@code postgresql}); it names its migrations' folder. */
    String name();

    /** True when the exception reports a unique or primary key violation. */
    boolean isUniqueViolation(SQLException e);

    /** True when the database could not be reached or is busy, so that a retry may succeed (503). */
    boolean isTransient(SQLException e);

    /**
     * What a query's statement did wrong, for a 400, when the database refused the statement itself or its
     * data (a number out of range, an expression too large); null when the failure is not the statement's
     * (the store unreachable, busy or broken), which stays a 503.
     */
    String queryProblem(SQLException e);

    /** What both dialects say of arithmetic out of a double's range, so that both stores give the same 400. */
    String OUT_OF_RANGE = "a number in the query's arithmetic is out of range: beyond a double's ±1.8e308, "
            + "or a product or quotient of non-zero numbers too small to tell from 0";

    /** A condition "{@code column} is one of a list bound as one parameter", so the statement text never varies. */
    String inList(String column);

    /** Binds the list for {@link #inList} or {@link #listTable}. */
    void bindList(java.sql.PreparedStatement ps, int index, java.util.List<String> values) throws SQLException;

    /**
     * A table for a FROM clause with a row per value of a list bound as one parameter ({@link #bindList}), in the
     * list's order, in one text column named {@code value}: many rows written by one statement of fixed text.
     */
    String listTable();

    /**
     * What follows {@code FROM devices} to read the whole table rather than through the key index, for an
     * aggregate over a hub that holds most of the rows; null (the default) where the planner decides well by
     * itself.
     */
    default String fullScan() { return null; }

    /** How queries read JSON documents in this dialect (SQL has no JSON functions every database shares). */
    JsonSql json();

    /**
     * A parameter holding JSON text, stored as the column type wants it; by default a plain parameter, bound as
     * text ({@link #bindJson}).
     */
    default String jsonParameter() { return "?"; }

    /** A stored JSON column's UTF-8; by default read as text and encoded. */
    default byte[] readJson(java.sql.ResultSet rs, int column) throws SQLException {
        return rs.getString(column).getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    /** Binds a JSON document, given as UTF-8, to a {@link #jsonParameter}; by default as text. */
    default void bindJson(java.sql.PreparedStatement ps, int index, byte[] utf8) throws SQLException {
        ps.setString(index, new String(utf8, java.nio.charset.StandardCharsets.UTF_8));
    }

    /**
     * Whether the driver runs an INSERT batch in one round trip and hands back its generated keys in the batch's
     * order (PostgreSQL's does); where it does not, rows that need their keys are inserted one statement at a time
     * (SQLite, in process, pays nothing for that, and its driver's batch keys once broke its transaction state).
     */
    default boolean batchesGeneratedKeys() { return false; }

    /** Rows per multi-row INSERT: one statement, and on a networked database one round trip, for many rows. */
    default int insertRows() { return 50; }

    /**
     * A statement that lets the current transaction commit without waiting for its durable flush,
     * or null. Used only for job batches, whose checkpoint commits with them.
     */
    default String relaxedDurability() { return null; }

    /**
     * Appended to the job claim's SELECT: row locks, which other nodes skip where the database can; by default
     * the standard {@code FOR UPDATE}.
     */
    default String claimLock() { return " FOR UPDATE"; }

    /**
     * The suffix of a SELECT that locks its row against every other writer, foreign-key checks included; by
     * default the standard {@code FOR UPDATE}.
     */
    default String rowLock() { return " FOR UPDATE"; }

    /** True when a write named a parent row that is gone (a foreign key): here, a hub deleted meanwhile. */
    boolean isMissingParent(SQLException e);

    /**
     * Stops the statement running on {@code c} now, called from another thread; the connection stays usable.
     * Only this stops a running statement on SQLite, whose JDBC query timeout merely bounds lock waits.
     */
    void stopStatement(java.sql.Connection c) throws SQLException;

    /**
     * A statement run first in a read's transaction after which the database itself stops any statement of the
     * transaction that runs past {@code deadline}, or null where only {@link #stopStatement} does.
     */
    default String statementDeadline(java.time.Duration deadline) { return null; }

    /** True when the exception reports a statement stopped by {@link #stopStatement} or {@link #statementDeadline}. */
    boolean isStopped(SQLException e);

    /**
     * Whether a stop may reach a statement after the one it was meant for (PostgreSQL's cancel request travels
     * on a connection of its own), so that a connection whose statement ended on its own despite a stop is dropped.
     */
    default boolean stopMayArriveLate() { return false; }
}

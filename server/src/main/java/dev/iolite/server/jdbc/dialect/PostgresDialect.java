package dev.iolite.server.jdbc.dialect;

import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.List;

/** PostgreSQL: SQLState classes for conflicts and transient failures, arrays for lists, jsonb twins, SKIP LOCKED claims. */
final class PostgresDialect implements SqlDialect {
    @Override
    public String name() { return "postgresql"; }

    @Override
    public boolean isUniqueViolation(SQLException e) {
        return "23505".equals(state(e));
    }

    @Override
    public boolean batchesGeneratedKeys() { return true; }

    @Override
    public boolean isMissingParent(SQLException e) {
        return "23503".equals(state(e));
    }

    /**
     * Connection failures (class 08), serialization failures and deadlocks (40001, 40P01), an
     * administrator's shutdown (57P01 to 57P03) and too many connections (53300): a retry may succeed.
     */
    @Override
    public boolean isTransient(SQLException e) {
        String s = state(e);
        if (s == null) return false;
        return s.startsWith("08") || s.equals("40001") || s.equals("40P01") || s.startsWith("57P") || s.equals("53300");
    }

    /**
     * SQLState classes 22 (data exceptions: a number out of range, a bad cast), 42 (syntax, an undefined
     * function) and 54 (program limits: a statement too complex) are the statement's; connection failures
     * (08) and the rest are the store's.
     */
    @Override
    public String queryProblem(SQLException e) {
        String s = state(e);
        if (s == null) return null;
        if (s.equals("22003")) return OUT_OF_RANGE;
        if (s.startsWith("22") || s.startsWith("42") || s.startsWith("54")) {
            return "the store cannot run this query: " + e.getMessage();
        }
        return null;
    }

    @Override
    public String inList(String column) {
        return column + " = ANY(?)";
    }

    @Override
    public void bindList(PreparedStatement ps, int index, List<String> values) throws SQLException {
        ps.setArray(index, ps.getConnection().createArrayOf("text", values.toArray()));
    }

    /** The text array of {@link #bindList}, a row per element (unnest keeps the array's order). */
    @Override
    public String listTable() { return "unnest(?) AS list (value)"; }

    @Override
    public JsonSql json() { return new JsonSql.Postgres(); }

    @Override
    public String jsonParameter() { return "CAST(? AS jsonb)"; }

    /** 400 rows of 15 parameters: well under the protocol's 65,535, and a tenth of the round trips of 50. */
    @Override
    public int insertRows() { return 400; }

    /** Commits of job batches return before the WAL flush (a crash loses them with their checkpoint). */
    @Override
    public String relaxedDurability() { return "SET LOCAL synchronous_commit = off"; }

    @Override
    public String claimLock() { return " FOR UPDATE OF j SKIP LOCKED"; }

    private static String state(SQLException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException s && s.getSQLState() != null) return s.getSQLState();
        }
        return null;
    }

    /** A cancel request, sent on a connection of its own to the backend that runs the statement. */
    @Override
    public void stopStatement(java.sql.Connection c) throws SQLException {
        c.unwrap(org.postgresql.PGConnection.class).cancelQuery();
    }

    /** Local to the read's transaction, so the pooled connection keeps no timeout once it is back. */
    @Override
    public String statementDeadline(java.time.Duration deadline) {
        return "SET LOCAL statement_timeout = " + Math.max(1, deadline.toMillis());
    }

    /** 57014 query_canceled: by statement_timeout or by a cancel request. */
    @Override
    public boolean isStopped(SQLException e) {
        return "57014".equals(state(e));
    }

    @Override
    public boolean stopMayArriveLate() { return true; }
}

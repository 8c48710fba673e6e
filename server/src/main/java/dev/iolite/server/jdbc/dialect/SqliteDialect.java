package dev.iolite.server.jdbc.dialect;

import java.sql.SQLException;

/** SQLite: constraint result codes and busy/locked as transient. */
final class SqliteDialect implements SqlDialect {
    private static final int SQLITE_BUSY = 5;
    private static final int SQLITE_LOCKED = 6;
    private static final int SQLITE_CONSTRAINT = 19;

    @Override
    public String name() { return "sqlite"; }

    private static final int SQLITE_CONSTRAINT_FOREIGNKEY = 787;

    /**
     * SQLite's planner takes the index for {@code hub = ?} even when it selects every row, and then looks up each
     * row: slower than a plain scan by half.
     */
    @Override
    public String fullScan() { return " NOT INDEXED"; }

    @Override
    public JsonSql json() { return new JsonSql.Sqlite(); }

    /**
     * Twin documents are kept as the text they are (converting them to SQLite's binary JSONB on write cost bulk
     * imports a tenth of their speed, more than it saved queries), bound as their UTF-8 bytes and cast, which
     * spares a decode to a Java string and an encode back per document.
     */
    @Override
    public String jsonParameter() { return "CAST(? AS TEXT)"; }

    /** SQLite hands over a text column's bytes as they are stored; decoding them costs more than this. */
    @Override
    public byte[] readJson(java.sql.ResultSet rs, int column) throws SQLException {
        return rs.getBytes(column);
    }

    @Override
    public void bindJson(java.sql.PreparedStatement ps, int index, byte[] utf8) throws SQLException {
        ps.setBytes(index, utf8);
    }

    /** No row locks: SQLite has one writer at a time, so transactions are serialized anyway. */
    @Override
    public String claimLock() { return ""; }

    @Override
    public String rowLock() { return ""; }

    @Override
    public boolean isUniqueViolation(SQLException e) {
        return (e.getErrorCode() & 0xff) == SQLITE_CONSTRAINT && !isMissingParent(e);
    }

    /** SQLITE_CONSTRAINT_FOREIGNKEY, by its extended code or, where extended codes are off, its message. */
    @Override
    public boolean isMissingParent(SQLException e) {
        return e.getErrorCode() == SQLITE_CONSTRAINT_FOREIGNKEY
                || ((e.getErrorCode() & 0xff) == SQLITE_CONSTRAINT && String.valueOf(e.getMessage()).contains("FOREIGN KEY"));
    }

    /** The JSON array of {@link #bindList} expanded by {@code json_each}, whose column {@code value} holds each value. */
    @Override
    public String listTable() { return "json_each(?)"; }

    /** A JSON array expanded by {@code json_each}: one statement for any number of ids. */
    @Override
    public String inList(String column) {
        return column + " IN (SELECT value FROM json_each(?))";
    }

    @Override
    public void bindList(java.sql.PreparedStatement ps, int index, java.util.List<String> values) throws SQLException {
        StringBuilder b = new StringBuilder(values.size() * 24).append('[');
        for (int i = 0; i < values.size(); i++) {
            if (i > 0) b.append(',');
            quote(b, values.get(i));
        }
        ps.setString(index, b.append(']').toString());
    }

    private static void quote(StringBuilder b, String s) {
        b.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') b.append('\\').append(c);
            else if (c < 0x20) b.append(String.format("\\u%04x", (int) c));
            else b.append(c);
        }
        b.append('"');
    }

    private static final int SQLITE_ERROR = 1;
    private static final int SQLITE_NOMEM = 7;
    private static final int SQLITE_TOOBIG = 18;
    private static final int SQLITE_MISMATCH = 20;
    private static final int SQLITE_RANGE = 25;

    /**
     * SQLITE_ERROR (a statement SQLite cannot run: an expression too deep, the integer overflow that the query
     * writer raises for arithmetic out of range), TOOBIG, MISMATCH, RANGE and NOMEM are the statement's;
     * busy, locked, I/O, full or corrupt files and the like are the store's.
     */
    @Override
    public String queryProblem(SQLException e) {
        int primary = e.getErrorCode() & 0xff;
        String message = String.valueOf(e.getMessage());
        return switch (primary) {
            case SQLITE_ERROR -> message.contains("integer overflow") ? OUT_OF_RANGE
                    : "the store cannot run this query: " + message;
            case SQLITE_TOOBIG, SQLITE_MISMATCH, SQLITE_RANGE -> "the store cannot run this query: " + message;
            case SQLITE_NOMEM -> "the query needs more memory than the store has; narrow it";
            default -> null;
        };
    }

    @Override
    public boolean isTransient(SQLException e) {
        int primary = e.getErrorCode() & 0xff;
        return primary == SQLITE_BUSY || primary == SQLITE_LOCKED;
    }

    private static final int SQLITE_INTERRUPT = 9;

    /** sqlite3_interrupt: the running statement ends with SQLITE_INTERRUPT at its next step; later ones run. */
    @Override
    public void stopStatement(java.sql.Connection c) throws SQLException {
        c.unwrap(org.sqlite.SQLiteConnection.class).getDatabase().interrupt();
    }

    @Override
    public boolean isStopped(SQLException e) {
        return (e.getErrorCode() & 0xff) == SQLITE_INTERRUPT
                || (e.getMessage() != null && e.getMessage().contains("SQLITE_INTERRUPT"));
    }
}

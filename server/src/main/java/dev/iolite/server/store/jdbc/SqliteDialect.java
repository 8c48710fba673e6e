package dev.iolite.server.store.jdbc;

import java.sql.SQLException;

/** SQLite: constraint result codes and busy/locked as transient. */
public final class SqliteDialect implements SqlDialect {
    private static final int SQLITE_BUSY = 5;
    private static final int SQLITE_LOCKED = 6;
    private static final int SQLITE_CONSTRAINT = 19;

    @Override
    public String migrations() { return "classpath:db/sqlite"; }

    @Override
    public boolean isUniqueViolation(SQLException e) {
        return (e.getErrorCode() & 0xff) == SQLITE_CONSTRAINT;
    }

    @Override
    public boolean isTransient(SQLException e) {
        int primary = e.getErrorCode() & 0xff;
        return primary == SQLITE_BUSY || primary == SQLITE_LOCKED;
    }
}

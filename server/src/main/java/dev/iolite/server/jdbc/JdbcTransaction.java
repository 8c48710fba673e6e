package dev.iolite.server.jdbc;

import dev.iolite.server.store.Transaction;

import java.sql.Connection;
import java.sql.SQLException;

/** A {@link Transaction} of this store: the connection whose transaction is open. */
public record JdbcTransaction(Connection connection) implements Transaction {

    public static Connection connectionOf(Transaction tx) {
        if (tx instanceof JdbcTransaction j) return j.connection();
        throw new IllegalArgumentException("a transaction of another store: " + tx);
    }

    /** Runs another port's writes in this transaction; their SQL failures stay SQL failures. */
    public void run(Transaction.Work work) throws SQLException {
        try {
            work.writeIn(this);
        } catch (Failed f) {
            throw f.getCause();
        }
    }

    /** An {@link SQLException} out of a port's writes, on its way back to the store that opened the transaction. */
    public static final class Failed extends RuntimeException {
        public Failed(SQLException e) {
            super(e);
        }

        @Override
        public synchronized SQLException getCause() {
            return (SQLException) super.getCause();
        }
    }
}

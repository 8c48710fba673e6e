package dev.iolite.server.store;

/**
 * One open store transaction, as the writes of several ports see it: a unit of work. A registry batch
 * opens it; a {@link Work} of another port (a job's checkpoint) writes into it, so both commit or
 * neither does. Only the store implementation knows what is inside.
 */
public interface Transaction {

    /** Writes that join a transaction opened by another port. */
    @FunctionalInterface
    interface Work {
        void writeIn(Transaction tx);
    }
}

package dev.iolite.server.store;

/**
 * A store fact: a conditional write found the row changed or removed since it was read, or an
 * insert found the key already taken. Nothing of the transaction was applied.
 */
public final class StaleWriteException extends RuntimeException {
    public StaleWriteException(String message) { super(message, null, false, false); }
}

package dev.iolite.server.store;

/** The store could not be reached or failed; the request may be retried. Rendered as 503. */
public final class StoreUnavailableException extends RuntimeException {
    public StoreUnavailableException(String message, Throwable cause) { super(message, cause); }
}

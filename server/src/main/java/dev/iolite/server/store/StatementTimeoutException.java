package dev.iolite.server.store;

import java.time.Duration;

/**
 * A statement ran past its deadline and the store stopped it. The connection it ran on is healthy and back in
 * the pool. A request turns it into one clear error; a job counts it as a failed attempt.
 */
public final class StatementTimeoutException extends RuntimeException {
    private final Duration deadline;

    public StatementTimeoutException(Duration deadline, Throwable cause) {
        super("the statement ran past its deadline of " + deadline.toSeconds() + " s and was stopped", cause);
        this.deadline = deadline;
    }

    public Duration deadline() { return deadline; }
}

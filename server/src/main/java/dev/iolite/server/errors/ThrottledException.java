package dev.iolite.server.errors;

import java.time.Duration;

/**
 * A request refused because its hub used up a share or a rate (429 {@code ThrottlingException}, 429001).
 * It carries how long the caller should wait, which each surface sends as {@code Retry-After}.
 */
public final class ThrottledException extends IoliteException {
    private final Duration retryAfter;

    public ThrottledException(String message, Duration retryAfter) {
        super(ErrorCode.THROTTLED, message);
        this.retryAfter = retryAfter;
    }

    /** How long to wait before trying again. */
    public Duration retryAfter() { return retryAfter; }

    /** The {@code Retry-After} header's value: whole seconds, at least 1. */
    public String retryAfterSeconds() {
        long ms = retryAfter.toMillis();
        return Long.toString(Math.max(1, (ms + 999) / 1000));
    }
}

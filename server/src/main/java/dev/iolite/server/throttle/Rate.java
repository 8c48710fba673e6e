package dev.iolite.server.throttle;

import java.time.Duration;

/**
 * A documented rate, {@code count} operations per {@code per}. Its bucket holds {@code count} tokens:
 * a client may spend one window's allowance at once and then goes at the steady rate.
 */
public record Rate(long count, Duration per) {
    public Rate {
        if (count < 1) throw new IllegalArgumentException("a rate allows at least one operation, not " + count);
        if (per.isZero() || per.isNegative()) throw new IllegalArgumentException("a rate's window must be positive");
    }

    static Rate perMinute(long count) { return new Rate(count, Duration.ofMinutes(1)); }

    static Rate perSecond(long count) { return new Rate(count, Duration.ofSeconds(1)); }

    /** As messages say it: "20 per minute". */
    @Override
    public String toString() {
        String window = per.equals(Duration.ofMinutes(1)) ? "minute" : per.equals(Duration.ofSeconds(1)) ? "second" : per.toString();
        return count + " per " + window;
    }
}

package dev.iolite.server.throttle;

/**
 * A token bucket: it holds up to one window's allowance of a {@link Rate} and refills continuously at the
 * rate. Times are nanoseconds on one timeline that the caller supplies (from its clock). Not thread-safe:
 * {@link HubRateLimiter} takes its lock around every use.
 */
final class TokenBucket {
    private final double capacity;
    private final double perNano;
    private double tokens;
    private long last;

    /** A full bucket at {@code now}. */
    TokenBucket(Rate rate, long now) {
        this.capacity = rate.count();
        this.perNano = rate.count() / (double) rate.per().toNanos();
        this.tokens = capacity;
        this.last = now;
    }

    /**
     * Takes {@code n} tokens at {@code now} and returns 0, or takes nothing and returns how many nanoseconds
     * from {@code now} until {@code n} tokens are there. More than the bucket holds counts as a full bucket.
     */
    long take(int n, long now) {
        refill(now);
        double wanted = Math.min(n, capacity);
        if (tokens >= wanted) {
            tokens -= wanted;
            return 0;
        }
        return Math.max(1, (long) Math.ceil((wanted - tokens) / perNano));
    }

    private void refill(long now) {
        if (now > last) {
            tokens = Math.min(capacity, tokens + (now - last) * perNano);
            last = now;
        }
    }
}

package dev.iolite.server.throttle;

import dev.iolite.server.errors.ThrottledException;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * IoT Hub's per-hub throttles, on request ({@code --throttle}): one {@link TokenBucket} per hub and
 * {@link Operation}, sized and filled by the {@link Sku}'s documented rates. A call over its hub's rate
 * gets 429 ThrottlingException with {@code Retry-After} saying when the same call would pass; a refused
 * call takes nothing from the bucket. IoT Hub shapes traffic (queues a little) before it refuses; here a
 * call is refused at once, which is what an application's back-off needs to meet.
 *
 * <p>Memory is bounded: at most {@link #MAX_BUCKETS} buckets, the least recently used dropped first (the
 * buckets of a deleted hub age out that way). A dropped bucket comes back full, which only forgives the
 * hub that was idle longest. Thread-safe: one lock around a few arithmetic operations per call.
 */
public final class HubRateLimiter {
    /** Buckets kept at most: five operation classes of about two thousand active hubs. */
    static final int MAX_BUCKETS = 10_000;

    private final Sku sku;
    private final Clock clock;
    private final Map<Key, TokenBucket> buckets = new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Key, TokenBucket> eldest) {
            return size() > MAX_BUCKETS;
        }
    };

    private record Key(String hub, Operation op) {}

    /** Applies {@code sku}'s rates to every hub; null applies none (every call passes). */
    public HubRateLimiter(Sku sku, Clock clock) {
        this.sku = sku;
        this.clock = clock;
    }

    /** The tier and units applied, or null when throttling is off. */
    public Sku sku() { return sku; }

    /**
     * Counts {@code count} operations of class {@code op} against hub {@code hub} (names compare without
     * case, as hub names do), or refuses them all.
     *
     * @throws ThrottledException 429001, with how long until these operations would pass
     */
    public void admit(String hub, Operation op, int count) {
        if (sku == null || count < 1) return;
        long now = nanos(clock.instant());
        Key key = new Key(hub.toLowerCase(Locale.ROOT), op);
        long wait;
        synchronized (buckets) {
            wait = buckets.computeIfAbsent(key, k -> new TokenBucket(sku.rate(op), now)).take(count, now);
        }
        if (wait > 0) {
            Duration after = Duration.ofNanos(wait);
            throw new ThrottledException("hub '" + hub + "' is over its rate of " + op.label() + " (" + sku.rate(op)
                    + " for " + sku + ", as the server's --throttle says); retry after "
                    + Math.max(1, (after.toMillis() + 999) / 1000) + " s", after);
        }
    }

    /** How many buckets are kept (tests). */
    int size() {
        synchronized (buckets) {
            return buckets.size();
        }
    }

    private static long nanos(Instant t) {
        return Math.multiplyExact(t.getEpochSecond(), 1_000_000_000L) + t.getNano();
    }
}

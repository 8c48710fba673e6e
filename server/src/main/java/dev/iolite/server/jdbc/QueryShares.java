package dev.iolite.server.jdbc;

import dev.iolite.server.errors.ThrottledException;

import java.time.Duration;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The connections that queries may use, shared between hubs: all queries together hold at most {@code slots},
 * one hub's at most {@code perHub}. A query that finds no slot waits at most {@code wait}, then is refused with
 * 429 ({@link ThrottledException}) and a {@code Retry-After} of {@code retryAfter}: one hub's slow queries
 * wait on themselves, never on the other hubs' work.
 */
final class QueryShares {
    private final int slots;
    private final int perHub;
    private final Duration wait;
    private final Duration retryAfter;
    private final Map<String, Integer> held = new HashMap<>();  // only hubs holding a slot: at most `slots` entries
    private int inUse;

    QueryShares(int slots, int perHub, Duration wait, Duration retryAfter) {
        if (slots < 1 || perHub < 1 || perHub > slots) throw new IllegalArgumentException("bad query shares " + perHub + "/" + slots);
        this.slots = slots;
        this.perHub = perHub;
        this.wait = wait;
        this.retryAfter = retryAfter;
    }

    int slots() { return slots; }

    int perHub() { return perHub; }

    /** Takes a slot for {@code hub}, waiting at most the configured time; close the slot to give it back. */
    Slot take(String hub) {
        String key = hub.toLowerCase(Locale.ROOT);
        long until = System.nanoTime() + wait.toNanos();
        synchronized (this) {
            while (inUse >= slots || held.getOrDefault(key, 0) >= perHub) {
                long left = until - System.nanoTime();
                if (left <= 0) {
                    boolean own = held.getOrDefault(key, 0) >= perHub;
                    throw new ThrottledException(own
                            ? "the hub already runs " + perHub + " queries at once, its share of the store; try again later"
                            : "the store runs as many queries as it takes at once; try again later", retryAfter);
                }
                try {
                    wait(Math.max(1, left / 1_000_000));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new ThrottledException("the server is stopping", retryAfter);
                }
            }
            inUse++;
            held.merge(key, 1, Integer::sum);
        }
        return () -> give(key);
    }

    private synchronized void give(String key) {
        inUse--;
        held.computeIfPresent(key, (k, n) -> n == 1 ? null : n - 1);
        notifyAll();
    }

    /** A slot taken; closing it gives it back. */
    interface Slot extends AutoCloseable {
        @Override
        void close();
    }
}

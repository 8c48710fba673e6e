package dev.iolite.server.amqp;

import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The Event Hubs readers of this node: how many read each partition of each consumer group (Event Hubs allows
 * {@link #MAX_PER_PARTITION}), and which have read everything and wait for their hub's next commit. The built-in
 * endpoint's writer calls {@link #committed} after each commit; a waiting reader then reads at once instead of at
 * its next recheck.
 */
final class Readers {
    /** Readers of one partition of one consumer group at once, as Event Hubs allows. */
    static final int MAX_PER_PARTITION = 5;

    private final Map<String, Set<PartitionReader>> waiting = new ConcurrentHashMap<>();
    private final Map<String, Integer> open = new ConcurrentHashMap<>();

    /** Counts a reader in; false when its partition of its consumer group has {@link #MAX_PER_PARTITION} already. */
    boolean enter(String hub, String consumerGroup, int partition) {
        String key = key(hub) + '/' + consumerGroup.toLowerCase(Locale.ROOT) + '/' + partition;
        boolean[] ok = {false};
        open.compute(key, (k, n) -> {
            int c = n == null ? 0 : n;
            if (c >= MAX_PER_PARTITION) return c;
            ok[0] = true;
            return c + 1;
        });
        return ok[0];
    }

    void leave(String hub, String consumerGroup, int partition) {
        String key = key(hub) + '/' + consumerGroup.toLowerCase(Locale.ROOT) + '/' + partition;
        open.computeIfPresent(key, (k, n) -> n <= 1 ? null : n - 1);
    }

    void park(String hub, PartitionReader r) {
        waiting.computeIfAbsent(key(hub), h -> ConcurrentHashMap.newKeySet()).add(r);
    }

    void unpark(String hub, PartitionReader r) {
        Set<PartitionReader> s = waiting.get(key(hub));
        if (s != null) s.remove(r);
    }

    /** Wakes the readers that wait on {@code hubs}. Never blocks: each reader reads on its own connection's loop. */
    void committed(Set<String> hubs) {
        for (String h : hubs) {
            Set<PartitionReader> s = waiting.get(key(h));
            if (s == null) continue;
            for (PartitionReader r : s) r.wake();
        }
    }

    private static String key(String hub) { return hub.toLowerCase(Locale.ROOT); }
}

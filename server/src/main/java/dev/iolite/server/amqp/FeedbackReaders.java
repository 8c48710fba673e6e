package dev.iolite.server.amqp;

import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** The feedback readers of this node that wait for their hub's next records; woken when records are added here. */
final class FeedbackReaders {
    private final Map<String, Set<FeedbackReader>> waiting = new ConcurrentHashMap<>();

    void park(String hub, FeedbackReader r) {
        waiting.computeIfAbsent(hub.toLowerCase(Locale.ROOT), h -> ConcurrentHashMap.newKeySet()).add(r);
    }

    void unpark(String hub, FeedbackReader r) {
        Set<FeedbackReader> s = waiting.get(hub.toLowerCase(Locale.ROOT));
        if (s != null) s.remove(r);
    }

    /** Never blocks: each reader reads on its own connection's loop. */
    void added(String hub) {
        Set<FeedbackReader> s = waiting.get(hub.toLowerCase(Locale.ROOT));
        if (s != null) for (FeedbackReader r : s) r.wake();
    }
}

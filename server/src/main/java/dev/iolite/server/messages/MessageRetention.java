package dev.iolite.server.messages;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.OptionalLong;

/**
 * Keeps each hub's built-in endpoint within {@code --telemetry-retention} and {@code --telemetry-max-bytes}: a
 * thread owned here runs a trim every {@link #PERIOD}. A round first deletes, partition by partition, messages
 * enqueued before the retention's cutoff, then, while a hub holds more bytes than its bound, the oldest messages
 * of the partition whose oldest message is the oldest. Each delete takes at most {@link #CHUNK} messages, and a
 * round at most {@link #DELETES_PER_ROUND} deletes, so that the writer never waits long behind it; a backlog
 * shrinks over the next rounds. On PostgreSQL every node trims; their deletes of the same rows are harmless.
 */
public final class MessageRetention implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(MessageRetention.class);
    /** How often the trim runs. */
    public static final Duration PERIOD = Duration.ofSeconds(10);
    /** Messages per delete statement. */
    public static final int CHUNK = 5_000;
    /** Delete statements per round. */
    public static final int DELETES_PER_ROUND = 200;

    private final MessageStore store;
    private final Clock clock;
    private final Duration retention;
    private final long maxBytes;
    private final MessageMetrics metrics;
    private final Thread thread;
    private final Object wake = new Object();
    private volatile boolean closed;
    /** Rounds run, for the hub each starts at. */
    private long rounds;

    /** What a round deleted. */
    public record Trimmed(int byAge, int byBytes) {}

    public MessageRetention(MessageStore store, Clock clock, Duration retention, long maxBytes, MessageMetrics metrics) {
        this.store = store;
        this.clock = clock;
        this.retention = retention;
        this.maxBytes = maxBytes;
        this.metrics = metrics;
        this.thread = new Thread(this::run, "iolite-message-trim");
        thread.setDaemon(true);
    }

    /** Starts the periodic trim. */
    public MessageRetention start() {
        thread.start();
        return this;
    }

    private void run() {
        while (!closed) {
            try {
                trim();
            } catch (RuntimeException e) {
                LOG.warn("the trim of the built-in endpoint failed; it runs again in {} s: {}", PERIOD.toSeconds(), e.toString());
            } catch (Error e) {
                LOG.error("the trim of the built-in endpoint stopped; messages are no longer deleted until a restart", e);
                return;
            }
            synchronized (wake) {
                try {
                    if (!closed) wake.wait(PERIOD.toMillis());
                } catch (InterruptedException e) {
                    return;
                }
            }
        }
    }

    /** One round of the trim, now (the periodic thread's work; tests call it after moving the clock). */
    public synchronized Trimmed trim() {
        int budget = DELETES_PER_ROUND;
        int byAge = 0;
        int byBytes = 0;
        Instant cutoff = clock.instant().minus(retention);
        List<String> hubs = store.hubs();
        // each round starts at another hub, so that when the budget runs out no hub waits behind the same others
        int start = hubs.isEmpty() ? 0 : (int) Math.floorMod(rounds++, (long) hubs.size());
        for (int h = 0; h < hubs.size(); h++) {
            String hub = hubs.get((start + h) % hubs.size());
            for (PartitionState p : store.partitions(hub)) {
                if (p.firstEnqueued() == null || !p.firstEnqueued().isBefore(cutoff)) continue;  // nothing past the retention
                long from = p.firstSequence();
                while (budget > 0 && from < p.nextSequence()) {
                    long before = Math.min(from + CHUNK, p.nextSequence());
                    int n = store.deleteOlderThan(hub, p.partition(), before, cutoff);
                    budget--;
                    byAge += n;
                    if (n < before - from) break;  // reached messages within the retention
                    from = before;
                }
            }
            while (budget > 0) {
                List<PartitionState> parts = store.partitions(hub);
                long excess = parts.stream().mapToLong(PartitionState::bytes).sum() - maxBytes;
                if (excess <= 0) break;
                PartitionState oldest = parts.stream().filter(s -> s.firstEnqueued() != null)
                        .min(Comparator.comparing(PartitionState::firstEnqueued)).orElseThrow();
                long through = Math.min(oldest.firstSequence() + CHUNK, oldest.nextSequence() - 1);
                OptionalLong freeing = store.firstAtOffset(hub, oldest.partition(), oldest.firstSequence(), through,
                        oldest.firstOffset() + excess);
                long before = freeing.orElse(through + 1);
                byBytes += store.deleteBefore(hub, oldest.partition(), before);
                budget--;
            }
        }
        metrics.trimmed("age", byAge);
        metrics.trimmed("bytes", byBytes);
        if (byAge + byBytes > 0) LOG.debug("trimmed {} messages past the retention and {} past the byte bound", byAge, byBytes);
        return new Trimmed(byAge, byBytes);
    }

    @Override
    public void close() {
        closed = true;
        synchronized (wake) {
            wake.notifyAll();
        }
        try {
            thread.join(Duration.ofSeconds(10).toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

package dev.iolite.server.messages;

import dev.iolite.server.errors.ErrorCode;
import dev.iolite.server.errors.IoliteException;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Reads a hub's messages after a cursor, waiting up to a bound for new ones when there are none (a long poll):
 * the API behind {@code iolite messages tail}. A waiting read is answered when this node's writer commits a
 * message of its hub, when {@link #RECHECK} passes (other nodes of a PostgreSQL cluster append too), or at its
 * deadline with an empty page. Waiting reads are bounded ({@link #MAX_WAITING}); the reads themselves run on the
 * caller's thread or on the one thread this feed owns, never on the writer's.
 */
public final class MessageFeed implements AutoCloseable {
    /** How often a waiting read looks at the store again without a commit of this node. */
    public static final Duration RECHECK = Duration.ofSeconds(1);
    /** Waiting reads at once; more get an empty page at once. */
    public static final int MAX_WAITING = 256;
    /** Messages of a partition scanned per read when filtering by device, so that a read's work stays bounded. */
    public static final int SCAN_WINDOW = 10_000;

    private final MessageStore store;
    private final int partitions;
    private final ScheduledExecutorService thread;
    private final Set<Waiting> waiting = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    /** What a read asks for: the hub, the cursor, an optional device, and the page's bounds. */
    public record Request(String hub, MessageCursor cursor, String deviceId, int maxItems, long maxBytes) {}

    private final class Waiting {
        final Request request;
        final CompletableFuture<MessagePage> answer = new CompletableFuture<>();
        final long deadline;

        Waiting(Request request, Duration wait) {
            this.request = request;
            this.deadline = System.nanoTime() + wait.toNanos();
        }

        void retry(boolean last) {
            if (answer.isDone()) return;
            try {
                MessagePage page = read(request);
                if (!page.messages().isEmpty() || last || System.nanoTime() - deadline >= 0) finish(page);
            } catch (RuntimeException e) {
                waiting.remove(this);
                answer.completeExceptionally(e);
            }
        }

        void finish(MessagePage page) {
            waiting.remove(this);
            answer.complete(page);
        }
    }

    public MessageFeed(MessageStore store, int partitions) {
        this.store = store;
        this.partitions = partitions;
        this.thread = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "iolite-message-feed");
            t.setDaemon(true);
            return t;
        });
        thread.scheduleWithFixedDelay(this::recheckAll, RECHECK.toMillis(), RECHECK.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** For {@link MessageLog#onCommit}: wakes the reads waiting on {@code hubs}. Never blocks. */
    public void committed(Set<String> hubs) {
        if (waiting.isEmpty() || closed) return;
        Set<String> lower = new java.util.HashSet<>();
        for (String h : hubs) lower.add(h.toLowerCase(Locale.ROOT));
        for (Waiting w : waiting) {
            if (lower.contains(w.request.hub().toLowerCase(Locale.ROOT))) thread.execute(() -> w.retry(false));
        }
    }

    private void recheckAll() {
        for (Waiting w : new ArrayList<>(waiting)) w.retry(false);
    }

    /** A cursor at the end of every partition of {@code hub}: a read from it returns only messages appended later. */
    public MessageCursor end(String hub) {
        MessageCursor c = MessageCursor.start(partitions);
        for (PartitionState p : store.partitions(hub)) {
            if (p.partition() < partitions) c = c.with(p.partition(), p.nextSequence());
        }
        return c;
    }

    /** A cursor at the oldest kept message of every partition. */
    public MessageCursor start() { return MessageCursor.start(partitions); }

    public int partitions() { return partitions; }

    /**
     * The messages after the request's cursor; when there are none, waits up to {@code wait} for some. The page
     * holds at most {@code maxItems} messages, and stops after the one that takes it past {@code maxBytes}.
     */
    public CompletableFuture<MessagePage> next(Request request, Duration wait) {
        if (request.cursor().partitions() != partitions) {
            throw new IoliteException(ErrorCode.ARGUMENT_INVALID, "the cursor must hold " + partitions + " positions");
        }
        MessagePage page = read(request);
        if (!page.messages().isEmpty() || wait.isZero() || waiting.size() >= MAX_WAITING || closed) {
            return CompletableFuture.completedFuture(page);
        }
        Waiting w = new Waiting(request, wait);
        waiting.add(w);
        try {
            thread.schedule(() -> w.retry(true), wait.toNanos(), TimeUnit.NANOSECONDS);
        } catch (java.util.concurrent.RejectedExecutionException stopping) {
            w.finish(page);
        }
        return w.answer;
    }

    /** One read, now: the partitions in turn from the cursor, until the page is full. */
    MessagePage read(Request r) {
        MessageCursor cursor = r.cursor();
        List<StoredMessage> out = new ArrayList<>();
        long bytes = 0;
        if (r.deviceId() != null) {
            // a device's messages are all in one partition; the scan is bounded by a window of sequence numbers
            int p = Partitions.of(r.deviceId(), partitions);
            PartitionState state = store.partitions(r.hub()).stream().filter(s -> s.partition() == p).findFirst().orElse(null);
            if (state == null) return new MessagePage(out, cursor);
            long end = state.nextSequence();
            long from = Math.max(cursor.at(p), state.firstSequence());
            long before = Math.min(end, from + SCAN_WINDOW);
            if (before <= from) return new MessagePage(out, cursor);
            List<StoredMessage> got = store.read(r.hub(), p, from, before, r.deviceId(), r.maxItems(), r.maxBytes());
            long next = got.size() >= r.maxItems() || sum(got) >= r.maxBytes() ? got.get(got.size() - 1).sequence() + 1 : before;
            return new MessagePage(got, cursor.with(p, next));
        }
        for (int p = 0; p < partitions && out.size() < r.maxItems() && bytes < r.maxBytes(); p++) {
            List<StoredMessage> got = store.read(r.hub(), p, cursor.at(p), Long.MAX_VALUE, null, r.maxItems() - out.size(),
                    r.maxBytes() - bytes);
            if (got.isEmpty()) continue;
            out.addAll(got);
            bytes += sum(got);
            cursor = cursor.with(p, got.get(got.size() - 1).sequence() + 1);
        }
        return new MessagePage(out, cursor);
    }

    private static long sum(List<StoredMessage> messages) {
        long n = 0;
        for (StoredMessage m : messages) n += m.size();
        return n;
    }

    /**
     * Answers every waiting read at once, with what it holds now (nothing new: its cursor unchanged), so that a
     * stopping server does not wait for them; reads from now on answer without waiting. Idempotent.
     */
    @Override
    public void close() {
        closed = true;
        thread.shutdownNow();
        for (Waiting w : new ArrayList<>(waiting)) w.finish(new MessagePage(List.of(), w.request.cursor()));
    }
}

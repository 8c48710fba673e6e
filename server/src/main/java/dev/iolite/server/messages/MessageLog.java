package dev.iolite.server.messages;

import dev.iolite.server.errors.ErrorCode;
import dev.iolite.server.errors.IoliteException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The built-in endpoint's writer: a group commit. Device connections append from any thread into one bounded
 * queue; one thread, owned here, takes what has queued (up to {@link Tuning#maxBatch} messages, waiting at most
 * {@link Tuning#linger} for more once it has some) and writes it in one store transaction, then completes each
 * message's future. So the store is asked once per batch, and an MQTT PUBACK (sent when the future completes)
 * means the message is committed. A full queue refuses at once with 429 ({@code ThrottlingException}); nothing
 * here blocks a caller.
 */
public final class MessageLog implements MessageSink, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(MessageLog.class);
    /** IoT Hub's largest device-to-cloud message: 256 KiB, counted as {@link DeviceMessage#countedSize}. */
    public static final int MAX_MESSAGE_BYTES = 256 * 1024;

    /**
     * The writer's sizes.
     *
     * @param queue    messages that may wait for the writer; past it appends are refused (429). 20,000 is about a
     *                 second of the writer's pace on SQLite on two cores, and at most ~5 GiB of 256 KiB messages
     *                 in the worst case, so the MQTT listener's own in-flight bounds stay the tighter ones
     * @param maxBatch messages per transaction: a few hundred keep a transaction short and amortize its commit
     * @param linger   how long the writer waits for more messages once it has fewer than {@code maxBatch}
     */
    public record Tuning(int queue, int maxBatch, Duration linger) {
        public static final Tuning DEFAULTS = new Tuning(20_000, 500, Duration.ofMillis(2));
    }

    private final MessageStore store;
    private final int partitions;
    private final Clock clock;
    private final Tuning tuning;
    private final MessageMetrics metrics;
    private final ArrayBlockingQueue<Pending> queue;
    private final List<Consumer<Set<String>>> listeners = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final Thread writer;
    private volatile boolean closing;
    /** Why the writer stopped when it stopped by failure, else null. */
    private volatile Throwable died;

    private record Pending(DeviceMessage message, CompletableFuture<Void> done) {}

    public MessageLog(MessageStore store, int partitions, Clock clock, Tuning tuning, MessageMetrics metrics) {
        this.store = store;
        this.partitions = partitions;
        this.clock = clock;
        this.tuning = tuning;
        this.metrics = metrics;
        this.queue = new ArrayBlockingQueue<>(tuning.queue());
        metrics.queue(queue::size);
        this.writer = new Thread(this::run, "iolite-message-writer");
        writer.setDaemon(true);
        writer.start();
    }

    /** Calls {@code listener} on the writer's thread with the hubs of each committed batch; it must not block. */
    public void onCommit(Consumer<Set<String>> listener) { listeners.add(listener); }

    /** The partitions of every hub's built-in endpoint. */
    public int partitions() { return partitions; }

    @Override
    public CompletableFuture<Void> append(DeviceMessage message) {
        if (closing || died != null) {
            metrics.refused("stopping");
            return CompletableFuture.failedFuture(new IoliteException(ErrorCode.SERVICE_UNAVAILABLE,
                    died != null ? "the built-in endpoint's writer stopped: " + died : "the server is stopping"));
        }
        if (message.countedSize() > MAX_MESSAGE_BYTES) {
            metrics.refused("too-large");
            return CompletableFuture.failedFuture(new IoliteException(ErrorCode.REQUEST_TOO_LARGE,
                    "the message is " + message.countedSize() + " bytes; IoT Hub takes at most " + MAX_MESSAGE_BYTES));
        }
        CompletableFuture<Void> done = new CompletableFuture<>();
        if (!queue.offer(new Pending(message, done))) {
            metrics.refused("queue-full");
            return CompletableFuture.failedFuture(new IoliteException(ErrorCode.THROTTLED, "the built-in endpoint has "
                    + tuning.queue() + " messages waiting to be written; send again later"));
        }
        return done;
    }

    /** Messages waiting for the writer. */
    public int queued() { return queue.size(); }

    private void run() {
        List<Pending> batch = new ArrayList<>(tuning.maxBatch());
        try {
            while (true) {
                Pending first = queue.poll(100, TimeUnit.MILLISECONDS);
                if (first == null) {
                    if (closing) break;
                    continue;
                }
                batch.add(first);
                fill(batch);
                write(batch);
                batch.clear();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Throwable e) {
            died = e;
            LOG.error("the built-in endpoint's writer stopped; device messages are refused with 503 until a restart", e);
        }
        fail(batch, "the built-in endpoint's writer stopped");
        List<Pending> rest = new ArrayList<>();
        queue.drainTo(rest);
        fail(rest, died == null ? "the server is stopping" : "the built-in endpoint's writer stopped");
    }

    /** Adds what has queued to {@code batch}, waiting up to the linger for more while it is not full. */
    private void fill(List<Pending> batch) throws InterruptedException {
        queue.drainTo(batch, tuning.maxBatch() - batch.size());
        long deadline = System.nanoTime() + tuning.linger().toNanos();
        while (batch.size() < tuning.maxBatch()) {
            long left = deadline - System.nanoTime();
            if (left <= 0) break;
            Pending p = queue.poll(left, TimeUnit.NANOSECONDS);
            if (p == null) break;
            batch.add(p);
            queue.drainTo(batch, tuning.maxBatch() - batch.size());
        }
    }

    private void write(List<Pending> batch) {
        Instant now = clock.instant().truncatedTo(java.time.temporal.ChronoUnit.MILLIS);  // the store keeps milliseconds
        List<MessageStore.Enqueued> rows = new ArrayList<>(batch.size());
        for (Pending p : batch) rows.add(enqueued(p.message(), now));
        long started = System.nanoTime();
        try {
            store.append(rows);
        } catch (IoliteException e) {
            if (e.errorCode() == ErrorCode.HUB_NOT_FOUND && hubs(batch).size() > 1) {
                // a hub deleted meanwhile fails only its own messages: write each hub's on its own
                for (String hub : hubs(batch)) write(batch.stream().filter(p -> p.message().hub().equals(hub)).toList());
                return;
            }
            fail(batch, e);
            return;
        } catch (RuntimeException e) {
            LOG.warn("{} device messages could not be stored: {}", batch.size(), e.toString());
            fail(batch, new IoliteException(ErrorCode.SERVICE_UNAVAILABLE, "the message could not be stored: " + e.getMessage()));
            return;
        }
        metrics.committed(batch.size(), System.nanoTime() - started);
        Map<String, Integer> perHub = new LinkedHashMap<>();
        for (Pending p : batch) perHub.merge(p.message().hub(), 1, Integer::sum);
        perHub.forEach(metrics::appended);
        for (Pending p : batch) p.done().complete(null);
        for (Consumer<Set<String>> l : listeners) {
            try {
                l.accept(perHub.keySet());
            } catch (RuntimeException e) {
                LOG.warn("a listener of committed messages failed", e);
            }
        }
    }

    private static Set<String> hubs(List<Pending> batch) {
        Set<String> hubs = new LinkedHashSet<>();
        for (Pending p : batch) hubs.add(p.message().hub());
        return hubs;
    }

    private MessageStore.Enqueued enqueued(DeviceMessage m, Instant now) {
        return new MessageStore.Enqueued(m.hub(), Partitions.of(m.from().deviceId(), partitions), now, m.from().deviceId(),
                m.from().moduleId(), systemProperties(m, now), new LinkedHashMap<>(m.application()), m.body());
    }

    /**
     * The system properties a message is kept with: those the device set, in its order, then those IoT Hub adds
     * (https://learn.microsoft.com/azure/iot-hub/iot-hub-devguide-messages-construct): the connection's device and
     * module ids and authentication method, the enqueued time, and the message source.
     */
    static Map<String, String> systemProperties(DeviceMessage m, Instant enqueued) {
        Map<String, String> s = new LinkedHashMap<>(m.system());
        s.put("iothub-connection-device-id", m.from().deviceId());
        if (m.from().moduleId() != null) s.put("iothub-connection-module-id", m.from().moduleId());
        if (m.authMethod() != null) s.put("iothub-connection-auth-method", m.authMethod());
        s.put("iothub-enqueuedtime", enqueued.toString());
        s.put("iothub-message-source", "Telemetry");
        return s;
    }

    private static void fail(List<Pending> batch, String why) {
        fail(batch, new IoliteException(ErrorCode.SERVICE_UNAVAILABLE, why));
    }

    private static void fail(List<Pending> batch, Throwable e) {
        for (Pending p : batch) p.done().completeExceptionally(e);
    }

    /** Stops taking messages, writes those already queued (for up to 10 s), and stops the writer. */
    @Override
    public void close() {
        closing = true;
        try {
            writer.join(Duration.ofSeconds(10).toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (writer.isAlive()) {
            LOG.warn("the built-in endpoint's writer did not finish within 10 s; {} queued messages are refused", queue.size());
            writer.interrupt();
        }
        List<Pending> late = new ArrayList<>();  // offered while the writer took its last look
        queue.drainTo(late);
        fail(late, "the server is stopping");
    }
}

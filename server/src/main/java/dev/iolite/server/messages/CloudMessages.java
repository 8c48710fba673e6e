package dev.iolite.server.messages;

import dev.iolite.server.errors.ErrorCode;
import dev.iolite.server.errors.IoliteException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Cloud-to-device messages with IoT Hub's queue rules
 * (https://learn.microsoft.com/azure/iot-hub/iot-hub-devguide-messages-c2d): at most {@link #MAX_DEPTH} waiting per
 * identity, at most {@link #MAX_BYTES} each, a time to live of {@link #DEFAULT_TTL} unless the sender sets an expiry
 * (at most {@link #MAX_TTL}), and feedback records as each message's {@code iothub-ack} asks: Success when the device
 * acknowledged it, Expired, Purged.
 *
 * <p>Acknowledgements are removed in batches by one thread of this service (a device's PUBACK never waits for a
 * transaction); expired messages and stale feedback are swept every {@link #SWEEP}. What it tells: {@link Wake} when
 * an identity's queue gained a message (the surface holding its connection delivers it), and the feedback listeners
 * when a hub's feedback gained records.
 */
public final class CloudMessages implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(CloudMessages.class);
    public static final int MAX_DEPTH = 50;
    public static final int MAX_BYTES = 64 * 1024;
    public static final Duration DEFAULT_TTL = Duration.ofHours(1);
    public static final Duration MAX_TTL = Duration.ofDays(2);
    /** How long a feedback record waits for the service's receiver. */
    public static final Duration FEEDBACK_TTL = Duration.ofHours(1);
    static final Duration SWEEP = Duration.ofSeconds(5);
    /** Acknowledgements waiting to be removed; past this a PUBACK's removal runs on the caller's thread. */
    static final int ACK_QUEUE = 10_000;
    /** Messages waiting for the writer; past this a send is refused as ServerBusy. */
    static final int WRITE_QUEUE = 10_000;

    /** Told, in the order they were stored, of the messages this node stored. Must return at once. */
    @FunctionalInterface
    public interface Wake {
        void stored(CloudMessage message);
    }

    /** The device's generation id for feedback records, or empty when the device is gone. */
    @FunctionalInterface
    public interface Generations {
        String of(String hub, String deviceId);
    }

    /** Whether an identity exists; a send to one that does not is a DeviceNotFound. */
    @FunctionalInterface
    public interface Identities {
        boolean exists(String hub, String deviceId, String moduleId);
    }

    private final CloudQueueStore store;
    private final Clock clock;
    private final Identities identities;
    private final Generations generations;
    private final CloudMetrics metrics;
    private volatile Wake wake = m -> { };
    private final List<Consumer<String>> feedbackListeners = new CopyOnWriteArrayList<>();
    private final BlockingQueue<CloudMessage> acks = new ArrayBlockingQueue<>(ACK_QUEUE);
    private final BlockingQueue<Send> sends = new ArrayBlockingQueue<>(WRITE_QUEUE);
    private final Thread worker;
    private final Thread writer;
    private volatile boolean closing;

    public CloudMessages(CloudQueueStore store, Clock clock, Identities identities, Generations generations, CloudMetrics metrics) {
        this.store = store;
        this.metrics = metrics;
        this.clock = clock;
        this.identities = identities;
        this.generations = generations;
        this.worker = new Thread(this::work, "iolite-c2d");
        worker.setDaemon(true);
        this.writer = new Thread(this::write, "iolite-c2d-writer");
        writer.setDaemon(true);
    }

    public CloudMessages start() {
        worker.start();
        writer.start();
        return this;
    }

    /** Who delivers: set once, by the composition root, before devices connect. */
    public void wake(Wake wake) { this.wake = wake; }

    /** Told the hub's name when its feedback gained records. */
    public void onFeedback(Consumer<String> listener) { feedbackListeners.add(listener); }

    /**
     * Queues a message for an identity and waits (up to 30 s) until it is stored.
     *
     * @see #sendAsync
     */
    public CloudMessage send(String hub, String deviceId, String moduleId, Map<String, String> system,
                             Map<String, String> application, byte[] body, Instant expiry, String ack) {
        try {
            return sendAsync(hub, deviceId, moduleId, system, application, body, expiry, ack).get(30, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) throw r;
            throw new IoliteException(ErrorCode.SERVER_ERROR, "the message could not be queued");
        } catch (java.util.concurrent.TimeoutException e) {
            throw new IoliteException(ErrorCode.SERVICE_UNAVAILABLE, "the message was not stored within 30 s; it may still be");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IoliteException(ErrorCode.SERVICE_UNAVAILABLE, "interrupted while queueing the message");
        }
    }

    /**
     * Queues a message for an identity: checks it here (size, ack, expiry, that the identity exists, which reads the
     * registry), then hands it to the writer, which stores the messages waiting for it in one transaction. The future
     * completes once the message is stored, or fails with IoT Hub's error.
     *
     * @param expiry the sender's absolute expiry, or null for {@link #DEFAULT_TTL}; one further than {@link #MAX_TTL}
     *               is brought to it
     * @param ack    the sender's {@code iothub-ack}, or null for none
     * @throws IoliteException DeviceNotFound, MessageTooLarge, ArgumentInvalid (ack, expiry); the future fails with
     *                         DeviceMaximumQueueDepthExceeded, or ServerBusy when {@link #WRITE_QUEUE} wait already
     */
    public CompletableFuture<CloudMessage> sendAsync(String hub, String deviceId, String moduleId, Map<String, String> system,
                                                     Map<String, String> application, byte[] body, Instant expiry, String ack) {
        long size = StoredMessage.sizeOf(system, application, body);
        if (size > MAX_BYTES) {
            throw new IoliteException(ErrorCode.MESSAGE_TOO_LARGE, "a cloud-to-device message may hold " + MAX_BYTES
                    + " bytes with its properties; this one holds " + size);
        }
        CloudMessage.Ack a = CloudMessage.Ack.parse(ack);
        if (a == null) throw new IoliteException(ErrorCode.ARGUMENT_INVALID, "iothub-ack must be none, positive, negative or full");
        Instant now = clock.instant();
        Instant until = expiry == null ? now.plus(DEFAULT_TTL) : expiry;
        if (!until.isAfter(now)) throw new IoliteException(ErrorCode.ARGUMENT_INVALID, "the message's expiry time has passed");
        if (until.isAfter(now.plus(MAX_TTL))) until = now.plus(MAX_TTL);
        if (!exists(hub, deviceId, moduleId)) {
            throw new IoliteException(moduleId == null ? ErrorCode.DEVICE_NOT_FOUND : ErrorCode.MODULE_NOT_FOUND,
                    moduleId == null ? "device '" + deviceId + "' does not exist" : "module '" + moduleId + "' of device '" + deviceId + "' does not exist");
        }
        Send s = new Send(new CloudMessage(0, hub, deviceId, moduleId, now, until, a, system, application, body), new CompletableFuture<>());
        if (closing || !sends.offer(s)) {
            s.done().completeExceptionally(new IoliteException(ErrorCode.SERVER_BUSY, "the server is busy queueing messages; try again"));
        }
        return s.done();
    }

    private record Send(CloudMessage message, CompletableFuture<CloudMessage> done) {}

    /** Identities found lately, and until when (System.nanoTime) that answer stands; bounded by {@link #KNOWN_MAX}. */
    private final Map<String, Long> known = new java.util.concurrent.ConcurrentHashMap<>();
    /** Devices' generation ids read lately, for feedback records, with when (System.nanoTime) they were read. */
    private final Map<String, Generation> generationsRead = new java.util.concurrent.ConcurrentHashMap<>();
    static final int KNOWN_MAX = 100_000;
    static final Duration KNOWN_FOR = Duration.ofSeconds(2);

    private record Generation(String id, long readAt) {}

    /**
     * Whether the identity exists, from the registry or from an answer of the last {@link #KNOWN_FOR} (a burst of
     * messages to one device reads its row once). A device deleted meanwhile takes its queue with it; a message that
     * slipped in after its deletion expires unread.
     */
    private boolean exists(String hub, String deviceId, String moduleId) {
        String key = hub.toLowerCase(java.util.Locale.ROOT) + '\n' + deviceId + '\n' + (moduleId == null ? "" : moduleId);
        Long until = known.get(key);
        long now = System.nanoTime();
        if (until != null && until - now > 0) return true;
        if (!identities.exists(hub, deviceId, moduleId)) return false;
        if (known.size() >= KNOWN_MAX) known.clear();
        known.put(key, now + KNOWN_FOR.toNanos());
        return true;
    }

    /** The writer: stores the messages waiting, up to 500 to a transaction, then tells the devices' links. */
    private void write() {
        List<Send> batch = new ArrayList<>();
        while (!closing || !sends.isEmpty()) {
            try {
                Send first = sends.poll(200, TimeUnit.MILLISECONDS);
                if (first == null) continue;
                batch.add(first);
                sends.drainTo(batch, 499);
                List<CloudMessage> messages = new ArrayList<>(batch.size());
                for (Send s : batch) messages.add(s.message());
                long[] ids;
                try {
                    ids = store.enqueueAll(messages, MAX_DEPTH);
                } catch (RuntimeException e) {
                    for (Send s : batch) s.done().completeExceptionally(e);
                    batch.clear();
                    continue;
                }
                for (int i = 0; i < batch.size(); i++) {
                    CloudMessage m = batch.get(i).message();
                    if (ids[i] < 0) {
                        batch.get(i).done().completeExceptionally(new IoliteException(ErrorCode.QUEUE_DEPTH_EXCEEDED, "the queue of '"
                                + m.deviceId() + (m.moduleId() == null ? "" : "/" + m.moduleId()) + "' holds " + MAX_DEPTH
                                + " messages, the most it may; it takes more as the device receives them"));
                        continue;
                    }
                    metrics.sent(m.hub());
                    CloudMessage stored = new CloudMessage(ids[i], m.hub(), m.deviceId(), m.moduleId(), m.enqueued(), m.expiry(),
                            m.ack(), m.system(), m.application(), m.body());
                    batch.get(i).done().complete(stored);
                    wake.stored(stored);
                }
                batch.clear();
            } catch (InterruptedException e) {
                if (closing) break;
            } catch (RuntimeException e) {
                for (Send s : batch) s.done().completeExceptionally(e);
                batch.clear();
                LOG.warn("the cloud-to-device writer failed a batch; it goes on", e);
            }
        }
        List<Send> late = new ArrayList<>();
        sends.drainTo(late);
        for (Send s : late) s.done().completeExceptionally(new IoliteException(ErrorCode.SERVICE_UNAVAILABLE, "the server is stopping"));
    }

    /** Up to {@code limit} of an identity's messages numbered above {@code after}, not expired, oldest first. */
    public List<CloudMessage> pending(String hub, String deviceId, String moduleId, long after, int limit) {
        return store.pending(hub, deviceId, moduleId, after, clock.instant(), limit);
    }

    /**
     * The device acknowledged a message (given as its {@link CloudMessage#receipt}): it is removed soon, with Success
     * feedback if asked. Never blocks long.
     */
    public void completed(CloudMessage receipt) {
        if (closing || !acks.offer(receipt)) complete(receipt.hub(), List.of(receipt));
    }

    /** Removes every message of an identity's queue (Purged feedback where asked); returns how many went. */
    public int purge(String hub, String deviceId, String moduleId) {
        if (!identities.exists(hub, deviceId, moduleId)) {
            throw new IoliteException(ErrorCode.DEVICE_NOT_FOUND, "device '" + deviceId + "' does not exist");
        }
        List<CloudMessage> purged = store.purge(hub, deviceId, moduleId);
        metrics.ended("purged", purged.size());
        record(purged, FeedbackRecord.Status.PURGED);
        return purged.size();
    }

    /** Up to {@code limit} feedback records of a hub numbered above {@code after}. */
    public List<FeedbackRecord> feedback(String hub, long after, int limit) { return store.feedback(hub, after, limit); }

    /** The receiver completed these records. */
    public void feedbackCompleted(String hub, List<Long> ids) { store.removeFeedback(hub, ids); }

    /** Removes acknowledged messages of a hub and records their Success feedback, in one transaction. */
    private void complete(String hub, List<CloudMessage> done) {
        List<Long> ids = new ArrayList<>(done.size());
        Map<Long, FeedbackRecord> feedback = new HashMap<>();
        Instant now = clock.instant();
        for (CloudMessage m : done) {
            ids.add(m.id());
            if (m.ack().wants(FeedbackRecord.Status.SUCCESS)) {
                feedback.put(m.id(), new FeedbackRecord(0, hub, m.messageId(), now, FeedbackRecord.Status.SUCCESS,
                        FeedbackRecord.Status.SUCCESS.description(), m.deviceId(), generation(m)));
            }
        }
        int removed = store.complete(hub, ids, feedback);
        metrics.ended("completed", removed);
        if (!feedback.isEmpty() && removed > 0) feedbackAdded(Set.of(hub));
    }

    /**
     * Records the feedback that removed messages' acks ask for, in a transaction of its own (its records name the
     * devices' generation ids, read from the registry first); a crash between the two loses that feedback, never a
     * message.
     */
    private void record(List<CloudMessage> removed, FeedbackRecord.Status status) {
        List<FeedbackRecord> records = new ArrayList<>();
        Set<String> hubs = new java.util.HashSet<>();
        Map<String, String> generationOf = new HashMap<>();
        for (CloudMessage m : removed) {
            if (!m.ack().wants(status)) continue;
            String generation = generationOf.computeIfAbsent(m.hub() + '/' + m.deviceId(), k -> generation(m));
            records.add(new FeedbackRecord(0, m.hub(), m.messageId(), clock.instant(), status, status.description(), m.deviceId(), generation));
            hubs.add(m.hub());
        }
        if (records.isEmpty()) return;
        store.addFeedback(records);
        feedbackAdded(hubs);
    }

    /** The device's generation id, as read in the last {@link #KNOWN_FOR} or read now; "" when it cannot be read. */
    private String generation(CloudMessage m) {
        String key = m.hub().toLowerCase(java.util.Locale.ROOT) + '\n' + m.deviceId();
        Generation g = generationsRead.get(key);
        long now = System.nanoTime();
        if (g != null && now - g.readAt() < KNOWN_FOR.toNanos()) return g.id();
        String id;
        try {
            id = generations.of(m.hub(), m.deviceId());
        } catch (RuntimeException e) {
            return "";
        }
        if (id == null) id = "";
        if (generationsRead.size() >= KNOWN_MAX) generationsRead.clear();
        generationsRead.put(key, new Generation(id, now));
        return id;
    }

    private void feedbackAdded(Set<String> hubs) {
        for (String h : hubs) for (Consumer<String> l : feedbackListeners) l.accept(h);
    }

    private void work() {
        long nextSweep = System.nanoTime();
        List<CloudMessage> batch = new ArrayList<>();
        while (!closing || !acks.isEmpty()) {
            try {
                CloudMessage first = acks.poll(200, TimeUnit.MILLISECONDS);
                if (first != null) {
                    batch.add(first);
                    acks.drainTo(batch, 999);
                    Map<String, List<CloudMessage>> byHub = new HashMap<>();
                    for (CloudMessage a : batch) byHub.computeIfAbsent(a.hub(), h -> new ArrayList<>()).add(a);
                    batch.clear();
                    for (Map.Entry<String, List<CloudMessage>> e : byHub.entrySet()) complete(e.getKey(), e.getValue());
                }
                if (System.nanoTime() - nextSweep >= 0 && !closing) {
                    nextSweep = System.nanoTime() + SWEEP.toNanos();
                    sweep();
                }
            } catch (InterruptedException e) {
                if (closing) break;
            } catch (RuntimeException e) {
                batch.clear();
                LOG.warn("cloud-to-device bookkeeping failed; it goes on (an acknowledged message may be delivered again)", e);
            }
        }
    }

    private void sweep() {
        Instant now = clock.instant();
        List<CloudMessage> expired = store.expire(now, 1000);
        if (!expired.isEmpty()) LOG.debug("{} cloud-to-device messages expired", expired.size());
        metrics.ended("expired", expired.size());
        record(expired, FeedbackRecord.Status.EXPIRED);
        metrics.queued(store.queued());
        store.expireFeedback(now.minus(FEEDBACK_TTL));
    }

    /** Runs one sweep now (tests that move the clock). */
    public void sweepNow() { sweep(); }

    /** Stores the sends and removes the acknowledgements already taken (for up to 5 s each), then stops. */
    @Override
    public void close() {
        closing = true;
        try {
            writer.join(5_000);
            worker.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (writer.isAlive()) writer.interrupt();
        if (worker.isAlive()) worker.interrupt();
    }
}

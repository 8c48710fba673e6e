package dev.iolite.server.devices;

import dev.iolite.server.registry.DeviceKey;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Writes what the device surfaces report about connections to the {@link ConnectionStore}, and keeps this node's
 * lease there. Calls from network threads only update a map of what changed per identity (one entry per identity,
 * however many events it had) and return; one owned thread writes those entries in batches of at most
 * {@link #BATCH} per transaction every {@link #FLUSH_INTERVAL}, so ten thousand devices connecting at once make
 * ten transactions, not ten thousand. Activity is written at most every {@link #ACTIVITY_INTERVAL} per identity
 * (IoT Hub itself updates it lazily, up to minutes late).
 *
 * <p>Several nodes: the thread renews the node's lease every {@link #HEARTBEAT}, and marks Disconnected the
 * connections of nodes whose lease ({@link #LEASE}) expired. A start marks what this node left behind (a crash)
 * Disconnected; {@link #close} marks its connections Disconnected and gives the lease up. A node that finds its
 * lease was lost (a long pause) writes its live connections again.
 */
public final class ConnectionTracker implements ConnectionEvents, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ConnectionTracker.class);

    /** A node that has not renewed its lease for this long is taken for dead, and its devices Disconnected. */
    public static final Duration LEASE = Duration.ofSeconds(30);
    /** How often a node renews its lease and looks for expired ones: three chances within a lease. */
    public static final Duration HEARTBEAT = Duration.ofSeconds(10);
    /** The longest a change waits before it is written (unless a full batch is waiting). */
    public static final Duration FLUSH_INTERVAL = Duration.ofMillis(200);
    /** Identities written per transaction. */
    public static final int BATCH = 1_000;
    /** {@code lastActivityTime} is written at most this often per identity. */
    public static final Duration ACTIVITY_INTERVAL = Duration.ofSeconds(5);
    /**
     * The most identities with unwritten changes (while the store is unreachable). Past it, changes are dropped,
     * and once the store answers again the node writes all its connections afresh, so nothing stays wrong.
     */
    public static final int MAX_PENDING = 200_000;
    /** How long a failed write waits before the next try. */
    private static final Duration RETRY = Duration.ofSeconds(1);

    private record Id(String hub, DeviceKey key) {}

    /** What an identity did since its last write: the last connection begun, the last ended, the last activity. */
    private record Pending(ConnectionStore.Event connected, ConnectionStore.Event disconnected, Instant active) {
        /** {@code this} then {@code later}. */
        Pending then(Pending later) {
            Instant a = active == null ? later.active : later.active == null || active.isAfter(later.active) ? active : later.active;
            return new Pending(later.connected != null ? later.connected : connected,
                    later.disconnected != null ? later.disconnected : disconnected, a);
        }
    }

    private final ConnectionStore store;
    private final String nodeId;
    private final Clock clock;
    private final MeterRegistry meters;
    private final ConcurrentHashMap<Id, Pending> pending = new ConcurrentHashMap<>();
    /** This node's connections now: what a lost lease or dropped changes write again. */
    private final ConcurrentHashMap<Id, DeviceLink> live = new ConcurrentHashMap<>();
    /** When each live identity's activity was last queued. */
    private final ConcurrentHashMap<Id, Long> activityQueued = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, AtomicLong> connectedDevices = new ConcurrentHashMap<>();
    private final AtomicBoolean dropped = new AtomicBoolean();
    private final Counter connects;
    private final Counter disconnects;
    private final Thread writer;
    private volatile boolean closing;
    private volatile Instant nextHeartbeat = Instant.MIN;
    private boolean failing;

    public ConnectionTracker(ConnectionStore store, String nodeId, Clock clock, MeterRegistry meters) {
        this.store = store;
        this.nodeId = nodeId;
        this.clock = clock;
        this.meters = meters;
        this.connects = Counter.builder("iolite.devices.connects").description("Device and module connections begun")
                .register(meters);
        this.disconnects = Counter.builder("iolite.devices.disconnects").description("Device and module connections ended")
                .register(meters);
        this.writer = new Thread(this::run, "iolite-connections");
        writer.setDaemon(true);
        writer.setUncaughtExceptionHandler((t, e) -> LOG.error("the connection state writer died; connection state is"
                + " no longer written until the server restarts", e));
    }

    /** Marks what this node left behind Disconnected, takes the lease, and starts the writer. */
    public void start() {
        Instant now = clock.instant();
        int left = store.disconnectNode(nodeId, now, false);
        if (left > 0) LOG.info("marked {} connections of this node's previous run Disconnected", left);
        store.renewLease(nodeId, now, now.plus(LEASE));
        nextHeartbeat = now.plus(HEARTBEAT);
        writer.start();
    }

    public String nodeId() { return nodeId; }

    /** Devices of {@code hub} connected now at any node ({@code connectedDeviceCount}). */
    public long connectedDeviceCount(String hub) {
        return store.connectedDevices(hub);
    }

    @Override
    public void connected(DeviceLink link, Instant at) {
        Id id = new Id(link.hub(), link.key());
        DeviceLink before = live.put(id, link);
        if (before == null && link.key().moduleId() == null) gauge(link.hub()).incrementAndGet();
        activityQueued.put(id, at.toEpochMilli());
        connects.increment();
        queue(id, new Pending(new ConnectionStore.Event(link.id(), at), null, null));
    }

    @Override
    public void disconnected(DeviceLink link, Instant at) {
        Id id = new Id(link.hub(), link.key());
        if (live.remove(id, link)) {
            activityQueued.remove(id);
            if (link.key().moduleId() == null) gauge(link.hub()).decrementAndGet();
        }
        disconnects.increment();
        queue(id, new Pending(null, new ConnectionStore.Event(link.id(), at), null));
    }

    @Override
    public void active(DeviceLink link, Instant at) {
        Id id = new Id(link.hub(), link.key());
        Long last = activityQueued.get(id);
        long ms = at.toEpochMilli();
        if (last == null || ms - last < ACTIVITY_INTERVAL.toMillis()) return;  // not live here, or written lately
        if (!activityQueued.replace(id, last, ms)) return;  // another thread queued it just now
        queue(id, new Pending(null, null, at));
    }

    private void queue(Id id, Pending p) {
        if (pending.size() >= MAX_PENDING && !pending.containsKey(id)) {
            if (dropped.compareAndSet(false, true)) {
                LOG.warn("{} identities have connection changes the store has not taken yet; later ones are dropped"
                        + " until it catches up, then every connection of this node is written again", MAX_PENDING);
            }
            return;
        }
        pending.merge(id, p, Pending::then);
        if (pending.size() >= BATCH) LockSupport.unpark(writer);
    }

    private AtomicLong gauge(String hub) {
        return connectedDevices.computeIfAbsent(hub, h -> {
            AtomicLong n = new AtomicLong();
            Gauge.builder("iolite.devices.connected", n, AtomicLong::get)
                    .description("Devices connected to this node (modules not counted)").tag("hub", h).register(meters);
            return n;
        });
    }

    private void run() {
        while (!closing) {
            LockSupport.parkNanos(FLUSH_INTERVAL.toNanos());
            try {
                flush();
                if (!clock.instant().isBefore(nextHeartbeat)) heartbeat();
                if (failing) LOG.info("connection state is written again");
                failing = false;
            } catch (RuntimeException e) {
                if (!failing) LOG.warn("connection state could not be written; retrying every {} s: {}", RETRY.toSeconds(), e.toString());
                failing = true;
                LockSupport.parkNanos(RETRY.toNanos());
            }
        }
    }

    /**
     * Writes the changes pending when it begins, a batch per transaction; a failed batch goes back, under newer
     * changes. Changes that arrive meanwhile wait for the next round, so a steady stream of them never keeps the
     * heartbeat from its turn.
     */
    private void flush() {
        for (int batches = pending.size() / BATCH + 1; batches > 0 && !pending.isEmpty(); batches--) {
            List<ConnectionStore.Change> batch = new ArrayList<>(Math.min(BATCH, pending.size()));
            Map<Id, Pending> taken = new java.util.HashMap<>();
            for (Iterator<Id> it = pending.keySet().iterator(); it.hasNext() && batch.size() < BATCH; ) {
                Id id = it.next();
                Pending p = pending.remove(id);
                if (p == null) continue;
                taken.put(id, p);
                batch.add(new ConnectionStore.Change(id.hub(), id.key(), p.connected(), p.disconnected(), p.active()));
            }
            try {
                store.apply(nodeId, batch);
            } catch (RuntimeException e) {
                taken.forEach((id, p) -> pending.merge(id, p, (newer, older) -> older.then(newer)));
                throw e;
            }
        }
        if (dropped.get() && pending.size() < MAX_PENDING / 2 && dropped.compareAndSet(true, false)) rewriteAll();
    }

    private void heartbeat() {
        Instant now = clock.instant();
        boolean held = store.renewLease(nodeId, now, now.plus(LEASE));
        nextHeartbeat = now.plus(HEARTBEAT);
        if (!held) {
            LOG.warn("this node's lease had expired; its {} connections are written again", live.size());
            rewriteAll();
        }
        int marked = store.expireOtherNodes(nodeId, now);
        if (marked > 0) LOG.info("marked {} connections of nodes whose lease expired Disconnected", marked);
    }

    /** Marks this node's rows Disconnected and writes its live connections again, as connected now. */
    private void rewriteAll() {
        Instant now = clock.instant();
        store.disconnectNode(nodeId, now, false);
        live.forEach((id, link) -> queue(id, new Pending(new ConnectionStore.Event(link.id(), now), null, null)));
    }

    /**
     * Stops the writer, writes what is pending, and marks this node's connections Disconnected (the surfaces have
     * closed them, or are about to with the process); gives the lease up.
     */
    @Override
    public void close() {
        if (closing) return;
        closing = true;
        LockSupport.unpark(writer);
        try {
            writer.join(TimeUnit.SECONDS.toMillis(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            while (!writer.isAlive() && !pending.isEmpty()) flush();
            store.disconnectNode(nodeId, clock.instant(), true);
        } catch (RuntimeException e) {
            LOG.warn("could not mark this node's connections Disconnected at stop; other nodes will once its lease"
                    + " expires: {}", e.toString());
        }
    }
}

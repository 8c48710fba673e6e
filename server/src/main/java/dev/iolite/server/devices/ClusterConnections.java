package dev.iolite.server.devices;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iolite.server.registry.DeviceKey;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One connection per identity across nodes: every connection that starts here is told to the other nodes, and a
 * node that holds an older link of the same identity closes it as replaced, as IoT Hub closes the first of two
 * connections with one client id ({@link DeviceSessions#replacedElsewhere}).
 *
 * <p>Starts are gathered in a queue of {@link #QUEUE} and published by this object's one thread every
 * {@link #EVERY}, up to {@link #PER_MESSAGE} to a message, so that a storm of connects costs a few bus messages, and
 * a connect never waits for the bus. When the queue is full a start is not told (counted, logged once per
 * overflow): the older link then lasts until it ends by itself, and the connection state stays right either way,
 * because the store keeps the newest connection ({@code connected_ms}). With a bus that reaches no other node
 * nothing is queued and no thread runs.
 */
public final class ClusterConnections implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ClusterConnections.class);
    static final String TOPIC = "connected";
    static final int QUEUE = 10_000;
    static final int PER_MESSAGE = 500;
    static final Duration EVERY = Duration.ofMillis(20);

    private record Started(String hub, DeviceKey key, Instant at) {}

    private final NodeBus bus;
    private final DeviceSessions sessions;
    private final ObjectMapper json;
    private final BlockingQueue<Started> queue = new ArrayBlockingQueue<>(QUEUE);
    private final AtomicLong untold = new AtomicLong();
    private final ScheduledExecutorService sender;
    private volatile boolean overflowing;

    public ClusterConnections(NodeBus bus, DeviceSessions sessions, ObjectMapper json) {
        this.bus = bus;
        this.sessions = sessions;
        this.json = json;
        if (!bus.reachesOthers()) {
            sender = null;
            return;
        }
        sender = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "iolite-connections-out");
            t.setDaemon(true);
            return t;
        });
        sender.scheduleWithFixedDelay(this::sendSafely, EVERY.toMillis(), EVERY.toMillis(), TimeUnit.MILLISECONDS);
        sessions.whenStarted((link, at) -> started(link.hub(), link.key(), at));
        bus.subscribe(TOPIC, this::received);
    }

    /** Connection starts this node could not tell the other nodes (its queue was full). */
    public long untold() { return untold.get(); }

    private void started(String hub, DeviceKey key, Instant at) {
        if (queue.offer(new Started(hub, key, at))) {
            overflowing = false;
            return;
        }
        untold.incrementAndGet();
        if (!overflowing) {
            overflowing = true;
            LOG.warn("connections start faster than this node can tell the other nodes; an identity that moved here may"
                    + " stay connected at its old node until that connection ends (counted, logged once per overflow)");
        }
    }

    private void sendSafely() {
        try {
            send();
        } catch (RuntimeException e) {
            // the schedule ends at an exception: log it and keep going at the next round
            LOG.warn("telling the other nodes of new connections failed: {}", e.toString());
        }
    }

    private void send() {
        List<Started> batch = new ArrayList<>(PER_MESSAGE);
        while (queue.drainTo(batch, PER_MESSAGE) > 0) {
            ArrayNode items = json.createArrayNode();
            for (Started s : batch) {
                ObjectNode item = items.addObject().put("h", s.hub()).put("d", s.key().deviceId()).put("t", s.at().toEpochMilli());
                if (s.key().moduleId() != null) item.put("m", s.key().moduleId());
            }
            bus.publish(TOPIC, items.toString());
            batch.clear();
        }
    }

    private void received(NodeBus.Envelope e) {
        JsonNode items;
        try {
            items = json.readTree(e.body());
        } catch (JsonProcessingException ex) {
            LOG.warn("node {} sent connection starts that are not JSON; ignored: {}", e.from(), ex.getOriginalMessage());
            return;
        }
        for (JsonNode item : items) {
            DeviceKey key = new DeviceKey(item.path("d").asText(), item.hasNonNull("m") ? item.get("m").asText() : null);
            sessions.replacedElsewhere(item.path("h").asText(), key, Instant.ofEpochMilli(item.path("t").asLong()));
        }
    }

    /** Stops the sender; what is queued is not told. */
    @Override
    public void close() {
        if (sender == null) return;
        sender.shutdownNow();
        try {
            if (!sender.awaitTermination(2, TimeUnit.SECONDS)) LOG.warn("the connection-start sender did not stop within 2 s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

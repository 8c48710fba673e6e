package dev.iolite.server.jdbc.cluster;

import dev.iolite.server.devices.NodeBus;
import dev.iolite.server.jdbc.Database;
import dev.iolite.server.store.StoreUrl;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * The nodes of one PostgreSQL store talk through it with LISTEN and NOTIFY on the channel {@link #CHANNEL}:
 * nothing but the database they share.
 *
 * <p>Three threads, all this object's: the listener holds one connection of its own (outside the pools, which would
 * take it back) that LISTENs, and waits for notifications at most {@link #POLL} at a time, so that it notices
 * {@link #close} and checks its connection now and then; after a failure it opens a new one with growing pauses
 * (up to {@link #MAX_BACKOFF}), logging the failure once and the recovery once. The deliverer hands what arrived to
 * the topic's handler, through a queue of {@link #QUEUE} (a full queue drops, logged). The sender NOTIFYs on pooled
 * connections, several messages per transaction, from a queue of {@link #QUEUE} that {@link #publish} waits on for
 * at most {@link #OFFER_WAIT}.
 *
 * <p>A payload is {@code from LF seq LF topic LF kind LF data}: kind {@code b} carries the body; kind {@code r}
 * the id of a {@code node_messages} row that holds it, for bodies past {@link #NOTIFY_LIMIT} bytes (PostgreSQL
 * refuses payloads of 8000 bytes or more). The sender deletes rows older than {@link #KEEP}. The sequence number
 * keeps two equal messages of one transaction apart (PostgreSQL folds identical ones into one).
 */
public final class PgNodeBus implements NodeBus {
    private static final Logger LOG = LoggerFactory.getLogger(PgNodeBus.class);
    public static final String CHANNEL = "iolite_nodes";
    /** The largest payload sent as it is, in bytes: PostgreSQL's limit is 8000, less a margin. */
    static final int NOTIFY_LIMIT = 7900;
    static final int QUEUE = 10_000;
    static final Duration OFFER_WAIT = Duration.ofSeconds(2);
    static final Duration POLL = Duration.ofMillis(500);
    /** How often the listener asks its connection {@code SELECT 1}: a connection that died silently fails it. */
    static final Duration CHECK_EVERY = Duration.ofSeconds(10);
    static final Duration MAX_BACKOFF = Duration.ofSeconds(10);
    static final Duration KEEP = Duration.ofMinutes(1);
    private static final int BATCH = 100;

    private record Outgoing(String topic, String body) {}

    private final Database db;
    private final StoreUrl url;
    private final String nodeId;
    private final Map<String, Consumer<Envelope>> handlers = new ConcurrentHashMap<>();
    private final BlockingQueue<Outgoing> outgoing = new ArrayBlockingQueue<>(QUEUE);
    private final BlockingQueue<String> incoming = new ArrayBlockingQueue<>(QUEUE);
    private final AtomicLong seq = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    private final List<Thread> threads = new ArrayList<>();
    private volatile boolean closed;
    private Connection listening;  // the listener thread's alone, once started
    private volatile boolean dropping;

    private PgNodeBus(Database db, StoreUrl url, String nodeId) {
        this.db = db;
        this.url = url;
        this.nodeId = nodeId;
    }

    /**
     * A bus for {@code nodeId} on the store of {@code url}, listening when it returns (unless the store cannot be
     * reached now: then it logs so and keeps trying).
     */
    public static PgNodeBus start(Database db, StoreUrl url, String nodeId) {
        PgNodeBus bus = new PgNodeBus(db, url, nodeId);
        try {
            bus.listening = bus.openListening();
        } catch (SQLException e) {
            LOG.warn("the node bus cannot LISTEN on the store yet ({}); other nodes' messages are missed until it can", e.toString());
        }
        bus.thread("iolite-node-bus-listen", bus::listen);
        bus.thread("iolite-node-bus-deliver", bus::deliver);
        bus.thread("iolite-node-bus-send", bus::send);
        return bus;
    }

    private void thread(String name, Runnable loop) {
        Thread t = new Thread(() -> {
            try {
                loop.run();
            } catch (Throwable e) {
                // the loops catch what they expect; anything else ends the thread, and the node must say so
                LOG.error("{} died; this node no longer exchanges messages with other nodes fully", name, e);
            }
        }, name);
        t.setDaemon(true);
        threads.add(t);
        t.start();
    }

    @Override public String nodeId() { return nodeId; }

    @Override public boolean reachesOthers() { return true; }

    @Override
    public void subscribe(String topic, Consumer<Envelope> handler) {
        if (handlers.putIfAbsent(topic, handler) != null) throw new IllegalStateException("topic " + topic + " has a handler already");
    }

    @Override
    public void publish(String topic, String body) {
        if (closed) return;
        try {
            if (!outgoing.offer(new Outgoing(topic, body), OFFER_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
                drop(1, "the outgoing queue of " + QUEUE + " stayed full for " + OFFER_WAIT.toMillis() + " ms");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Messages dropped so far (full queues, failed sends), for tests and the log. */
    public long dropped() { return dropped.get(); }

    private void drop(int count, String why) {
        dropped.addAndGet(count);
        if (!dropping) {
            dropping = true;
            LOG.warn("the node bus drops messages: {}; devices on other nodes may miss desired patches, disconnects or method calls", why);
        }
    }

    // ---- listening

    private Connection openListening() throws SQLException {
        Properties p = new Properties();
        if (url.user() != null) p.setProperty("user", url.user());
        if (url.password() != null) p.setProperty("password", url.password());
        p.setProperty("connectTimeout", "5");
        p.setProperty("socketTimeout", "30");
        p.setProperty("tcpKeepAlive", "true");
        p.setProperty("ApplicationName", "iolite-node-bus");
        Connection c = DriverManager.getConnection(url.jdbcUrl(), p);
        try (Statement st = c.createStatement()) {
            st.execute("LISTEN " + CHANNEL);
        } catch (SQLException e) {
            c.close();
            throw e;
        }
        return c;
    }

    private void listen() {
        long backoff = 250;
        boolean failing = false;
        long checked = System.nanoTime();
        while (!closed) {
            try {
                if (listening == null) {
                    listening = openListening();
                    if (failing) LOG.info("the node bus listens again (messages published meanwhile were missed)");
                    failing = false;
                    backoff = 250;
                }
                PGNotification[] ns = listening.unwrap(PGConnection.class).getNotifications((int) POLL.toMillis());
                if (ns != null) {
                    for (PGNotification n : ns) received(n.getParameter());
                }
                if (System.nanoTime() - checked > CHECK_EVERY.toNanos()) {
                    try (Statement st = listening.createStatement()) {
                        st.setQueryTimeout(5);
                        st.execute("SELECT 1");
                    }
                    checked = System.nanoTime();
                }
            } catch (SQLException | RuntimeException e) {
                if (closed) break;
                if (!failing) LOG.warn("the node bus lost its connection to the store ({}); reconnecting", e.toString());
                failing = true;
                closeQuietly(listening);
                listening = null;
                pause(backoff);
                backoff = Math.min(backoff * 2, MAX_BACKOFF.toMillis());
            }
        }
        closeQuietly(listening);
        listening = null;
    }

    private void received(String payload) {
        int i = payload.indexOf('\n');
        if (i < 0 || payload.substring(0, i).equals(nodeId)) return;
        if (!incoming.offer(payload)) drop(1, "the incoming queue of " + QUEUE + " is full (a handler is slow)");
    }

    private void deliver() {
        while (!closed) {
            String payload;
            try {
                payload = incoming.poll(POLL.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                return;
            }
            if (payload == null) continue;
            String[] parts = payload.split("\n", 5);
            if (parts.length < 5) {
                LOG.warn("a message on channel {} is not of this version's form; ignored", CHANNEL);
                continue;
            }
            Consumer<Envelope> handler = handlers.get(parts[2]);
            if (handler == null) continue;
            try {
                String body = parts[3].equals("r") ? stored(Long.parseLong(parts[4])) : parts[4];
                if (body != null) handler.accept(new Envelope(parts[0], parts[2], body));
            } catch (RuntimeException e) {
                LOG.warn("a {} message of node {} could not be handled: {}", parts[2], parts[0], e.toString());
            }
        }
    }

    private String stored(long id) {
        return db.read(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT body FROM node_messages WHERE id = ?")) {
                ps.setLong(1, id);
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) return rs.getString(1);
                }
            }
            LOG.warn("node message {} was deleted before this node read it; ignored", id);
            return null;
        });
    }

    // ---- sending

    private void send() {
        long cleaned = System.nanoTime();
        boolean stored = false;
        List<Outgoing> batch = new ArrayList<>(BATCH);
        while (!closed) {
            try {
                Outgoing first = outgoing.poll(POLL.toMillis(), TimeUnit.MILLISECONDS);
                if (first != null) {
                    batch.add(first);
                    outgoing.drainTo(batch, BATCH - 1);
                    stored |= notify(batch);
                    if (dropping && outgoing.isEmpty()) {
                        dropping = false;
                        LOG.info("the node bus sends again ({} messages dropped so far)", dropped.get());
                    }
                }
                if (stored && System.nanoTime() - cleaned > KEEP.toNanos() / 2) {
                    db.read(c -> {
                        try (Statement st = c.createStatement()) {
                            return st.executeUpdate("DELETE FROM node_messages WHERE created_at < now() - interval '"
                                    + KEEP.toSeconds() + " seconds'");
                        }
                    });
                    cleaned = System.nanoTime();
                    stored = false;
                }
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                drop(batch.size(), "the store did not take them (" + e.getMessage() + ")");
                pause(1000);
            } finally {
                batch.clear();
            }
        }
    }

    /** NOTIFYs {@code batch} in one transaction; true when a body went through the table. */
    private boolean notify(List<Outgoing> batch) {
        return db.inTransaction(c -> {
            boolean stored = false;
            try (PreparedStatement notify = c.prepareStatement("SELECT pg_notify(?, ?)");
                 PreparedStatement insert = c.prepareStatement("INSERT INTO node_messages (body) VALUES (?) RETURNING id")) {
                for (Outgoing o : batch) {
                    String head = nodeId + "\n" + seq.incrementAndGet() + "\n" + o.topic() + "\n";
                    String payload = head + "b\n" + o.body();
                    if (payload.getBytes(StandardCharsets.UTF_8).length > NOTIFY_LIMIT) {
                        insert.setString(1, o.body());
                        try (ResultSet rs = insert.executeQuery()) {
                            rs.next();
                            payload = head + "r\n" + rs.getLong(1);
                        }
                        stored = true;
                    }
                    notify.setString(1, CHANNEL);
                    notify.setString(2, payload);
                    notify.executeQuery().close();
                }
            }
            return stored;
        });
    }

    // ---- ends

    private void pause(long ms) {
        long until = System.nanoTime() + ms * 1_000_000;
        while (!closed && System.nanoTime() < until) {
            try {
                Thread.sleep(Math.min(100, ms));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private static void closeQuietly(Connection c) {
        if (c == null) return;
        try {
            c.close();
        } catch (SQLException e) {
            // it failed already
        }
    }

    @Override
    public void close() {
        closed = true;
        for (Thread t : threads) {
            try {
                t.join(POLL.toMillis() * 4);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        for (Thread t : threads) {
            if (t.isAlive()) {
                LOG.warn("{} did not stop within {} ms; left to end with the process", t.getName(), POLL.toMillis() * 4);
            }
        }
    }
}

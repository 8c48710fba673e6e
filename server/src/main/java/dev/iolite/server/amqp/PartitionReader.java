package dev.iolite.server.amqp;

import dev.iolite.server.hubs.Hub;
import dev.iolite.server.hubs.Right;
import dev.iolite.server.messages.MessageStore;
import dev.iolite.server.messages.PartitionState;
import dev.iolite.server.messages.StoredMessage;
import org.apache.qpid.proton.amqp.DescribedType;
import org.apache.qpid.proton.amqp.Symbol;
import org.apache.qpid.proton.amqp.messaging.Source;
import org.apache.qpid.proton.amqp.transport.SenderSettleMode;
import org.apache.qpid.proton.engine.Delivery;
import org.apache.qpid.proton.engine.Sender;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * An Event Hubs reader of one partition of a hub's built-in endpoint ({@code HUB/ConsumerGroups/CG/Partitions/P}):
 * sends the partition's kept messages in sequence-number order from the position its filter names, as the reader's
 * credit allows, then waits for new ones. One read of the store at a time, off the network thread, of at most
 * {@link #PAGE} events and {@link #PAGE_BYTES}; nothing more is read while the connection cannot take what it was
 * given. A reader that has read everything waits for its hub's next commit on this node, and looks again every
 * {@link #RECHECK_MS} for messages that other nodes appended.
 */
final class PartitionReader implements AmqpConnection.LinkEndpoint {
    private static final Logger LOG = LoggerFactory.getLogger(PartitionReader.class);
    static final Symbol SELECTOR = Symbol.valueOf("apache.org:selector-filter:string");
    static final int PAGE = 500;
    static final long PAGE_BYTES = 1024 * 1024;
    static final long RECHECK_MS = 250;

    private final AmqpConnection connection;
    private final Readers readers;
    private final Sender sender;
    private final String hub;
    private final String consumerGroup;
    private final int partition;
    private final EventPosition position;
    private Claims.Grant grant;
    private long next = -1;
    private boolean reading;
    private boolean closed;
    private boolean waitingForCommit;
    private long tag;

    private PartitionReader(AmqpConnection connection, Readers readers, Sender sender, String hub, String consumerGroup,
                            int partition, EventPosition position, Claims.Grant grant) {
        this.connection = connection;
        this.readers = readers;
        this.sender = sender;
        this.hub = hub;
        this.consumerGroup = consumerGroup;
        this.partition = partition;
        this.position = position;
        this.grant = grant;
    }

    /** A reader for an attaching link, or null when the link was refused (not found, not authorized, bad filter). */
    static PartitionReader attach(AmqpConnection c, Readers readers, Sender sender, List<String> segments) {
        AmqpContext cx = c.cx;
        Hub hub = cx.hubs().find(segments.get(0)).orElse(null);
        if (hub == null) {
            c.refuse(sender, "amqp:not-found", "The messaging entity '" + segments.get(0) + "' could not be found");
            return null;
        }
        List<String> address = new ArrayList<>(segments);
        address.set(0, hub.name());
        Claims.Grant grant = c.grantFor(address, Right.SERVICE_CONNECT);
        if (grant == null) {
            c.refuse(sender, "amqp:unauthorized-access", "no token put on $cbs covers '" + String.join("/", segments) + "' with ServiceConnect");
            return null;
        }
        String cg = segments.get(2);
        if (!cx.consumerGroups().exists(hub.name(), cg)) {
            c.refuse(sender, "amqp:not-found", "The messaging entity '" + hub.name() + "/ConsumerGroups/" + cg + "' could not be found");
            return null;
        }
        String id = segments.get(4);
        int partition = id.matches("[0-9]{1,4}") ? Integer.parseInt(id) : -1;
        if (partition < 0 || partition >= cx.partitions()) {
            c.refuse(sender, "com.microsoft:argument-out-of-range", "The specified partition is invalid for an EventHub partition sender or receiver. "
                    + "It should be between 0 and " + (cx.partitions() - 1) + ".");
            return null;
        }
        EventPosition position;
        try {
            position = EventPosition.parse(selector(sender));
        } catch (IllegalArgumentException e) {
            c.refuse(sender, "com.microsoft:argument-error", e.getMessage());
            return null;
        }
        if (!readers.enter(hub.name(), cg, partition)) {
            c.refuse(sender, "amqp:resource-limit-exceeded", "Exceeded the maximum number of allowed receivers per partition in a consumer group which is "
                    + Readers.MAX_PER_PARTITION);
            return null;
        }
        return new PartitionReader(c, readers, sender, hub.name(), cg, partition, position, grant);
    }

    /** The selector filter's text in the link's source, or null without one. */
    private static String selector(Sender sender) {
        if (!(sender.getRemoteSource() instanceof Source s) || s.getFilter() == null) return null;
        for (Map.Entry<?, ?> e : ((Map<?, ?>) s.getFilter()).entrySet()) {
            if (!SELECTOR.equals(e.getKey())) continue;
            Object v = e.getValue() instanceof DescribedType d ? d.getDescribed() : e.getValue();
            return v == null ? null : v.toString();
        }
        return null;
    }

    /** Another thread's commit: read again on this reader's own loop. */
    void wake() {
        connection.run(() -> {
            if (waitingForCommit) {
                waitingForCommit = false;
                readers.unpark(hub, this);
                flow();
            }
        });
    }

    @Override
    public void flow() {
        if (closed || reading || waitingForCommit) return;
        int credit = sender.getCredit();
        if (credit <= 0 || !connection.writable()) return;
        reading = true;
        int want = Math.min(credit, PAGE);
        long from = next;
        try {
            connection.cx.reads().execute(() -> read(from, want));
        } catch (RejectedExecutionException busy) {
            reading = false;
            connection.channel().executor().schedule(() -> connection.run(this::flow), RECHECK_MS, TimeUnit.MILLISECONDS);
        }
    }

    /** How often a reader that reads full pages measures its lag (a reader that read less is at the end). */
    private static final long LAG_EVERY_NANOS = TimeUnit.SECONDS.toNanos(1);
    /** When this reader last measured its lag (System.nanoTime); its reads run one at a time. */
    private long lagMeasuredAt = System.nanoTime() - LAG_EVERY_NANOS;

    /** Off the loop: one page from the store, encoded. */
    private void read(long from, int want) {
        List<byte[]> events = new ArrayList<>();
        long after = from;
        try {
            MessageStore store = connection.cx.messages();
            if (after < 0) after = start(store);
            List<StoredMessage> page = store.read(hub, partition, after, Long.MAX_VALUE, null, want, PAGE_BYTES);
            for (StoredMessage m : page) events.add(EventCodec.encode(m));
            if (!page.isEmpty()) after = page.get(page.size() - 1).sequence() + 1;
            long now = System.nanoTime();
            if (page.size() == want && now - lagMeasuredAt >= LAG_EVERY_NANOS) {  // perhaps behind: how far, once a second at most
                lagMeasuredAt = now;
                long at = after;
                store.partitions(hub).stream().filter(x -> x.partition() == partition).findFirst()
                        .ifPresent(s -> connection.cx.metrics().readerLag(hub, Math.max(0, s.nextSequence() - at)));
            }
        } catch (RuntimeException e) {
            LOG.warn("reading partition {} of hub {} failed; the reader tries again", partition, hub, e);
        }
        long nextAfter = after;
        connection.run(() -> deliver(events, nextAfter));
    }

    /** Where the reader's position points: the sequence number of the first event it reads. */
    private long start(MessageStore store) {
        PartitionState s = store.partitions(hub).stream().filter(x -> x.partition() == partition).findFirst().orElse(null);
        long end = s == null ? 0 : s.nextSequence();
        if (position instanceof EventPosition.Latest) return end;
        if (position instanceof EventPosition.Sequence q) return Math.max(0, q.inclusive() ? q.sequence() : q.sequence() + 1);
        if (position instanceof EventPosition.Offset o) {
            return store.firstAtOffset(hub, partition, -1, Long.MAX_VALUE, o.inclusive() ? o.offset() : o.offset() + 1).orElse(end);
        }
        if (position instanceof EventPosition.Enqueued t) {
            return store.sequenceAt(hub, partition, t.inclusive() ? t.time() : t.time().plusMillis(1)).orElse(end);
        }
        return 0;  // the earliest kept event: reads start at the first sequence number still kept
    }

    private void deliver(List<byte[]> events, long after) {
        reading = false;
        if (closed) return;
        next = after;
        boolean settled = sender.getRemoteSenderSettleMode() == SenderSettleMode.SETTLED;
        for (byte[] e : events) {
            Delivery d = sender.delivery(AmqpConnection.tag(tag++).getArray());
            sender.send(e, 0, e.length);
            sender.advance();
            if (settled) d.settle();
        }
        if (!events.isEmpty()) {
            connection.cx.metrics().eventsOut(hub, events.size());
            flow();
            return;
        }
        if (next < 0) return;
        waitingForCommit = true;
        readers.park(hub, this);
        connection.channel().executor().schedule(() -> connection.run(() -> {
            if (!waitingForCommit) return;
            waitingForCommit = false;
            readers.unpark(hub, this);
            flow();
        }), RECHECK_MS, TimeUnit.MILLISECONDS);
    }

    @Override
    public void delivery(Delivery d) {
        if (d.remotelySettled() || d.getRemoteState() != null) d.settle();
    }

    @Override
    public void tick(long nowMillis) {
        if (grant.expiry() + Claims.SKEW_SECONDS >= nowMillis / 1000) return;
        List<String> address = List.of(hub, "ConsumerGroups", consumerGroup, "Partitions", Integer.toString(partition));
        Claims.Grant renewed = connection.grantFor(address, Right.SERVICE_CONNECT);
        if (renewed != null) {
            grant = renewed;
            return;
        }
        connection.detach(sender, "amqp:unauthorized-access", "the token that opened this link has expired; put a new one on $cbs");
    }

    @Override
    public void closed() {
        if (closed) return;
        closed = true;
        readers.unpark(hub, this);
        readers.leave(hub, consumerGroup, partition);
    }
}

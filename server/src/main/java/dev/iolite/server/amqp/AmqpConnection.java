package dev.iolite.server.amqp;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import org.apache.qpid.proton.Proton;
import org.apache.qpid.proton.amqp.Binary;
import org.apache.qpid.proton.amqp.Symbol;
import org.apache.qpid.proton.amqp.UnsignedLong;
import org.apache.qpid.proton.amqp.messaging.ApplicationProperties;
import org.apache.qpid.proton.amqp.messaging.Properties;
import org.apache.qpid.proton.amqp.messaging.Source;
import org.apache.qpid.proton.amqp.messaging.Target;
import org.apache.qpid.proton.amqp.transport.ErrorCondition;
import org.apache.qpid.proton.engine.Collector;
import org.apache.qpid.proton.engine.Connection;
import org.apache.qpid.proton.engine.Delivery;
import org.apache.qpid.proton.engine.EndpointState;
import org.apache.qpid.proton.engine.Event;
import org.apache.qpid.proton.engine.Link;
import org.apache.qpid.proton.engine.Receiver;
import org.apache.qpid.proton.engine.Sasl;
import org.apache.qpid.proton.engine.SaslListener;
import org.apache.qpid.proton.engine.Sender;
import org.apache.qpid.proton.engine.Session;
import org.apache.qpid.proton.engine.Transport;
import org.apache.qpid.proton.engine.TransportException;
import org.apache.qpid.proton.message.Message;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * One AMQP 1.0 connection: Proton-J's engine (frames, sessions, links, SASL) driven by this Netty handler, which
 * feeds it the bytes read and writes what it produces. Everything here runs on the connection's event loop; work
 * that may block (store reads) runs elsewhere and comes back through {@link #run}.
 *
 * <p>What the connection serves, by link address: {@code $cbs} (tokens), {@code $management} (Event Hubs'
 * properties), {@code HUB/ConsumerGroups/CG/Partitions/P} (an Event Hubs reader of the built-in endpoint). Links to
 * anything else are refused with {@code amqp:not-found}; a link other than {@code $cbs} needs a token that covers
 * its address.
 */
final class AmqpConnection extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LoggerFactory.getLogger(AmqpConnection.class);
    /** The largest frame taken and sent. */
    static final int MAX_FRAME = 64 * 1024;
    /** Sessions per connection. */
    static final int MAX_SESSIONS = 64;
    /** Links per connection. */
    static final int MAX_LINKS = 256;
    /** The largest message taken from a client (a C2D message is at most 64 KiB; a token far less). */
    static final int MAX_MESSAGE = 256 * 1024;
    /** The idle timeout this side announces: a client must send a frame (or an empty one) this often. */
    static final int IDLE_TIMEOUT_MS = 240_000;
    /** A connection that has put no valid token by then is closed. */
    static final long AUTH_DEADLINE_MS = 60_000;
    /** Requests a client may leave unanswered on one request-response node before its link is closed. */
    static final int MAX_PENDING_REPLIES = 64;

    final AmqpContext cx;
    final Claims claims;
    private final Readers readers;
    private final FeedbackReaders feedbackReaders;
    private ChannelHandlerContext ctx;
    private Transport transport;
    private Connection connection;
    private Collector collector;
    private final List<Claims.Grant> grants = new ArrayList<>();
    private final Map<Link, LinkEndpoint> links = new HashMap<>();
    private int sessions;
    private boolean closing;
    private ScheduledFuture<?> ticker;
    private final long openedAt = System.currentTimeMillis();
    private String remoteHost;
    /** Whether a valid token was ever put: a connection that puts none within {@link #AUTH_DEADLINE_MS} is closed. */
    private boolean everGranted;

    /** What serves a link. */
    interface LinkEndpoint {
        /** The peer gave credit (to a sender) or a writable channel came back. */
        default void flow() {}

        /** A delivery arrived (on a receiver) or its remote state changed (on a sender). */
        default void delivery(Delivery d) {}

        /** Once a second: a chance to notice an expired token. */
        default void tick(long nowMillis) {}

        /** The link is gone: release what it holds. */
        default void closed() {}
    }

    AmqpConnection(AmqpContext cx, Claims claims, Readers readers, FeedbackReaders feedbackReaders) {
        this.cx = cx;
        this.claims = claims;
        this.readers = readers;
        this.feedbackReaders = feedbackReaders;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        cx.metrics().opened();
        transport = Proton.transport();
        transport.setMaxFrameSize(MAX_FRAME);
        transport.setChannelMax(MAX_SESSIONS - 1);
        transport.setIdleTimeout(IDLE_TIMEOUT_MS);
        Sasl sasl = transport.sasl();
        sasl.server();
        sasl.allowSkip(true);  // the C# and Node IoT Hub service clients open without SASL and put tokens on $cbs
        sasl.setMechanisms("MSSBCBS", "PLAIN", "ANONYMOUS");
        sasl.setListener(new SaslServer());
        connection = Proton.connection();
        collector = Proton.collector();
        connection.collect(collector);
        transport.bind(connection);
        ticker = ctx.executor().scheduleWithFixedDelay(this::tick, 1, 1, TimeUnit.SECONDS);
        pump();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf buf = (ByteBuf) msg;
        try {
            while (buf.isReadable() && !closing) {
                int capacity = transport.capacity();
                if (capacity <= 0) {
                    closing = true;
                    break;
                }
                ByteBuffer tail = transport.tail();
                int n = Math.min(capacity, buf.readableBytes());
                ByteBuffer slice = tail.duplicate();
                slice.limit(slice.position() + n);
                buf.readBytes(slice);
                tail.position(tail.position() + n);
                try {
                    transport.process();
                } catch (TransportException e) {
                    LOG.debug("AMQP from {}: {}", ctx.channel().remoteAddress(), e.getMessage());
                }
                pump();
            }
        } finally {
            buf.release();
        }
        pump();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (ctx.channel().isWritable()) {
            for (LinkEndpoint e : new ArrayList<>(links.values())) e.flow();
            pump();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (ticker != null) ticker.cancel(false);
        for (LinkEndpoint e : links.values()) e.closed();
        links.clear();
        cx.metrics().closed();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.debug("AMQP connection from {} failed: {}", ctx.channel().remoteAddress(), cause.toString());
        ctx.close();
    }

    /** Runs {@code r} on this connection's event loop, then sends what it produced. */
    void run(Runnable r) {
        if (ctx.executor().inEventLoop()) {
            r.run();
            pump();
        } else {
            ctx.executor().execute(() -> {
                if (!ctx.channel().isActive()) return;
                r.run();
                pump();
            });
        }
    }

    ChannelHandlerContext channel() { return ctx; }

    boolean writable() { return ctx.channel().isWritable(); }

    /** Handles the engine's events, then writes what the transport has to send. */
    void pump() {
        Event e;
        while ((e = collector.peek()) != null) {
            try {
                handle(e);
            } catch (RuntimeException failure) {
                LOG.warn("AMQP connection from {}: handling {} failed", ctx.channel().remoteAddress(), e.getType(), failure);
                fail("amqp:internal-error", "the server failed to handle a frame");
            }
            collector.pop();
        }
        boolean wrote = false;
        while (true) {
            int pending = transport.pending();
            if (pending < 0) {
                ctx.flush();
                ctx.close();
                return;
            }
            if (pending == 0) break;
            ByteBuffer head = transport.head();
            int n = head.remaining();
            ctx.write(ctx.alloc().buffer(n).writeBytes(head));
            transport.pop(n);
            wrote = true;
        }
        if (wrote) ctx.flush();
        if (closing && transport.pending() <= 0) ctx.close();
    }

    private void tick() {
        long now = System.currentTimeMillis();
        try {
            transport.tick(now);
        } catch (RuntimeException ignored) {
            // a transport already closed has nothing to time out
        }
        grants.removeIf(g -> g.expiry() + Claims.SKEW_SECONDS < now / 1000);
        for (LinkEndpoint l : new ArrayList<>(links.values())) l.tick(now);
        if (!everGranted && now - openedAt > AUTH_DEADLINE_MS && connection.getLocalState() != EndpointState.CLOSED) {
            fail("amqp:unauthorized-access", "no valid token was put within " + AUTH_DEADLINE_MS / 1000 + " s");
        }
        pump();
    }

    /** Closes the whole connection with an error. */
    void fail(String condition, String description) {
        if (connection.getLocalState() == EndpointState.UNINITIALIZED) connection.open();
        connection.setCondition(new ErrorCondition(Symbol.valueOf(condition), description));
        connection.close();
        closing = true;
    }

    private void handle(Event e) {
        switch (e.getType()) {
            case CONNECTION_REMOTE_OPEN -> {
                remoteHost = connection.getRemoteHostname();
                connection.setContainer("iolite");
                connection.open();
            }
            case CONNECTION_REMOTE_CLOSE -> {
                connection.close();
                closing = true;
            }
            case SESSION_REMOTE_OPEN -> {
                Session s = e.getSession();
                if (++sessions > MAX_SESSIONS) {
                    s.open();
                    s.setCondition(new ErrorCondition(Symbol.valueOf("amqp:resource-limit-exceeded"),
                            "a connection may hold " + MAX_SESSIONS + " sessions"));
                    s.close();
                    return;
                }
                s.setIncomingCapacity(4 * MAX_MESSAGE);
                s.open();
            }
            case SESSION_REMOTE_CLOSE -> {
                sessions--;
                e.getSession().close();
            }
            case LINK_REMOTE_OPEN -> attach(e.getLink());
            case LINK_REMOTE_CLOSE, LINK_REMOTE_DETACH -> {
                Link l = e.getLink();
                LinkEndpoint ep = links.remove(l);
                if (ep != null) ep.closed();
                if (l.getLocalState() != EndpointState.CLOSED) {
                    if (e.getType() == Event.Type.LINK_REMOTE_DETACH) l.detach();
                    else l.close();
                }
            }
            case LINK_FLOW -> {
                LinkEndpoint ep = links.get(e.getLink());
                if (ep != null) ep.flow();
            }
            case DELIVERY -> {
                Delivery d = e.getDelivery();
                LinkEndpoint ep = links.get(d.getLink());
                if (ep != null) ep.delivery(d);
                else if (d.remotelySettled() || d.getLink() instanceof Receiver) d.settle();
            }
            case TRANSPORT_ERROR -> {
                ErrorCondition c = transport.getCondition();
                LOG.debug("AMQP from {}: transport error {}", ctx.channel().remoteAddress(), c);
                closing = true;
            }
            case TRANSPORT_CLOSED -> closing = true;
            default -> { }
        }
    }

    /** Routes an attaching link by its address. */
    private void attach(Link link) {
        if (links.size() >= MAX_LINKS) {
            refuse(link, "amqp:resource-limit-exceeded", "a connection may hold " + MAX_LINKS + " links");
            return;
        }
        String address = link instanceof Sender
                ? (link.getRemoteSource() instanceof Source s ? s.getAddress() : null)
                : (link.getRemoteTarget() instanceof Target t ? t.getAddress() : null);
        if (address == null || address.isBlank()) {
            refuse(link, "amqp:invalid-field", "the link names no address");
            return;
        }
        List<String> segments = Claims.segments(address);
        String node = segments.isEmpty() ? "" : segments.get(segments.size() - 1);
        LinkEndpoint ep;
        if (segments.size() == 1 && node.equals("$cbs")) {
            ep = link instanceof Receiver r ? new RequestNode(r, (m, n) -> putToken(m)) : new ReplyLink((Sender) link);
        } else if (segments.size() == 1 && node.equals("$management")) {
            // its requests carry their own token (security_token), or rely on one put on $cbs
            ep = link instanceof Receiver r ? new RequestNode(r, new ManagementNode(this)::handle) : new ReplyLink((Sender) link);
        } else if (link instanceof Sender sender && segments.size() == 5 && segments.get(1).equalsIgnoreCase("ConsumerGroups")
                && segments.get(3).equalsIgnoreCase("Partitions")) {
            ep = PartitionReader.attach(this, readers, sender, segments);
            if (ep == null) return;  // refused inside
        } else if (link instanceof Receiver receiver && isNode(segments, "messages", "devicebound")) {
            Claims.Grant g = iotGrant(address);
            if (g == null) {
                refuse(link, "amqp:unauthorized-access", "put a token with ServiceConnect on $cbs before sending cloud-to-device messages");
                return;
            }
            ep = new CloudSender(this, receiver, g.hub(), cx.cloud());
        } else if (link instanceof Sender sender && isNode(segments, "messages", "servicebound", "feedback")) {
            Claims.Grant g = iotGrant(address);
            if (g == null) {
                refuse(link, "amqp:unauthorized-access", "put a token with ServiceConnect on $cbs before receiving feedback");
                return;
            }
            ep = new FeedbackReader(this, sender, g.hub(), cx.cloud(), feedbackReaders);
        } else {
            refuse(link, "amqp:not-found", "the server has no node at '" + address + "'");
            return;
        }
        open(link);
        links.put(link, ep);
        if (ep instanceof RequestNode r) r.start();
        if (ep instanceof CloudSender c) c.start();
        ep.flow();
    }

    /** Opens a link, echoing the peer's source, target and settle modes. */
    static void open(Link link) {
        link.setSource(link.getRemoteSource());
        link.setTarget(link.getRemoteTarget());
        link.setSenderSettleMode(link.getRemoteSenderSettleMode());
        link.setReceiverSettleMode(link.getRemoteReceiverSettleMode());
        if (link instanceof Receiver) link.setMaxMessageSize(UnsignedLong.valueOf(MAX_MESSAGE));
        link.open();
    }

    /** Refuses an attaching link as AMQP asks: an attach without the source or target, then a detach with the error. */
    void refuse(Link link, String condition, String description) {
        cx.metrics().linkRefused(condition);
        if (link instanceof Sender) {
            link.setSource(null);
            link.setTarget(link.getRemoteTarget());
        } else {
            link.setSource(link.getRemoteSource());
            link.setTarget(null);
        }
        link.open();
        link.setCondition(new ErrorCondition(Symbol.valueOf(condition), description));
        link.close();
    }

    /** Closes an open link with an error. */
    void detach(Link link, String condition, String description) {
        LinkEndpoint ep = links.remove(link);
        if (ep != null) ep.closed();
        link.setCondition(new ErrorCondition(Symbol.valueOf(condition), description));
        link.close();
    }

    /** The grant that covers {@code segments} (an address under its hub) with {@code right}, or null. */
    Claims.Grant grantFor(List<String> segments, dev.iolite.server.hubs.Right right) {
        long now = System.currentTimeMillis() / 1000;
        for (int i = grants.size() - 1; i >= 0; i--) {
            Claims.Grant g = grants.get(i);
            if (g.expiry() + Claims.SKEW_SECONDS >= now && g.covers(segments)
                    && dev.iolite.server.hubs.Right.grants(g.rights(), right)) {
                return g;
            }
        }
        return null;
    }

    /** Whether {@code segments} are {@code names}, compared without case. */
    private static boolean isNode(List<String> segments, String... names) {
        if (segments.size() != names.length) return false;
        for (int i = 0; i < names.length; i++) if (!segments.get(i).equalsIgnoreCase(names[i])) return false;
        return true;
    }

    /** The newest grant with ServiceConnect that covers an IoT Hub address (one that names no hub: its grant's hub). */
    private Claims.Grant iotGrant(String address) {
        long now = System.currentTimeMillis() / 1000;
        for (int i = grants.size() - 1; i >= 0; i--) {
            Claims.Grant g = grants.get(i);
            if (g.expiry() + Claims.SKEW_SECONDS >= now && g.covers(Claims.address(address, g.hub()))
                    && dev.iolite.server.hubs.Right.grants(g.rights(), dev.iolite.server.hubs.Right.SERVICE_CONNECT)) {
                return g;
            }
        }
        return null;
    }

    /** Checks a token a request carries and keeps its grant; throws when it is refused. */
    Claims.Grant accept(String token, String audience) throws Claims.Refused {
        try {
            Claims.Grant g = claims.check(token, audience, remoteHost, cx.clock().instant());
            grants.add(g);
            everGranted = true;
            if (grants.size() > MAX_LINKS) grants.remove(0);
            return g;
        } catch (Claims.Refused r) {
            cx.metrics().tokenRefused();
            LOG.info("AMQP token refused from {}: {}", ctx.channel().remoteAddress(), r.getMessage());
            throw r;
        }
    }

    /** A reply link to {@code address} ({@code reply-to}), or else one whose source is {@code node}. */
    ReplyLink replyLink(String address, String node) {
        ReplyLink fallback = null;
        for (Map.Entry<Link, LinkEndpoint> e : links.entrySet()) {
            if (!(e.getValue() instanceof ReplyLink r)) continue;
            Link l = e.getKey();
            if (address != null && l.getRemoteTarget() instanceof Target t && address.equals(t.getAddress())) return r;
            if (l.getRemoteSource() instanceof Source s && node.equals(s.getAddress())) fallback = r;
        }
        return fallback;
    }

    // ---- $cbs -------------------------------------------------------------------------------------------------

    private Message putToken(Message request) {
        Map<String, Object> props = request.getApplicationProperties() == null ? Map.of()
                : asStrings(request.getApplicationProperties().getValue());
        Object operation = props.get("operation");
        if (!"put-token".equals(operation)) return status(request, 400, "the only operation of $cbs is put-token");
        Object body = request.getBody() instanceof org.apache.qpid.proton.amqp.messaging.AmqpValue v ? v.getValue() : null;
        if (!(body instanceof String token)) return status(request, 400, "the token must be the message's body, as a string");
        String type = String.valueOf(props.get("type"));
        if (!type.endsWith(":sastoken")) return status(request, 400, "only SAS tokens are taken ('" + type + "' is not)");
        try {
            accept(token, String.valueOf(props.getOrDefault("name", "")));
            return status(request, 200, "OK");
        } catch (Claims.Refused r) {
            return status(request, r.status, r.getMessage());
        }
    }

    /** A response to {@code request}: its id as the correlation id, and the status in application properties. */
    static Message status(Message request, int code, String description) {
        Message m = Proton.message();
        Properties p = new Properties();
        Object id = request.getProperties() == null ? null : request.getProperties().getMessageId();
        p.setCorrelationId(id);
        if (request.getProperties() != null && request.getProperties().getReplyTo() != null) p.setTo(request.getProperties().getReplyTo());
        m.setProperties(p);
        Map<String, Object> app = new HashMap<>();
        app.put("status-code", code);
        app.put("status-description", description);
        m.setApplicationProperties(new ApplicationProperties(app));
        return m;
    }

    static Map<String, Object> asStrings(Map<?, ?> map) {
        Map<String, Object> out = new HashMap<>();
        if (map != null) for (Map.Entry<?, ?> e : map.entrySet()) out.put(String.valueOf(e.getKey()), e.getValue());
        return out;
    }

    /** A request-response node's receiver: each request is answered on the reply link its {@code reply-to} names. */
    final class RequestNode implements LinkEndpoint {
        private final Receiver receiver;
        private final java.util.function.BiFunction<Message, RequestNode, Message> handler;
        private final String node;

        /** {@code handler} answers a request at once, or returns null and answers later through {@link #reply}. */
        RequestNode(Receiver receiver, java.util.function.BiFunction<Message, RequestNode, Message> handler) {
            this.receiver = receiver;
            this.handler = handler;
            this.node = ((Target) receiver.getRemoteTarget()).getAddress();
        }

        void start() { receiver.flow(MAX_PENDING_REPLIES); }

        @Override
        public void delivery(Delivery d) {
            if (!d.isReadable() || d.isPartial()) {
                if (d.pending() > MAX_MESSAGE) detach(receiver, "amqp:link:message-size-exceeded", "a request may hold " + MAX_MESSAGE + " bytes");
                return;
            }
            byte[] bytes = new byte[d.pending()];
            int n = receiver.recv(bytes, 0, bytes.length);
            receiver.advance();
            Message request = Proton.message();
            try {
                request.decode(bytes, 0, Math.max(0, n));
            } catch (RuntimeException bad) {
                d.disposition(new org.apache.qpid.proton.amqp.messaging.Rejected());
                d.settle();
                return;
            }
            d.disposition(org.apache.qpid.proton.amqp.messaging.Accepted.getInstance());
            d.settle();
            Message response = handler.apply(request, this);
            if (response != null) reply(request, response);
            receiver.flow(1);
        }

        /** Sends a response now, or when it is ready (a response that needs the store completes later). */
        void reply(Message request, Message response) {
            String replyTo = request.getProperties() == null ? null : request.getProperties().getReplyTo();
            ReplyLink r = replyLink(replyTo, node);
            if (r == null) {
                LOG.debug("AMQP request on {} from {} has no reply link; dropped", node, ctx.channel().remoteAddress());
                return;
            }
            r.send(response);
        }
    }

    /** A request-response node's sender: answers go out as credit allows, at most {@link #MAX_PENDING_REPLIES} waiting. */
    final class ReplyLink implements LinkEndpoint {
        private final Sender sender;
        private final java.util.ArrayDeque<byte[]> queue = new java.util.ArrayDeque<>();
        private long tag;

        ReplyLink(Sender sender) {
            this.sender = sender;
        }

        void send(Message m) {
            if (queue.size() >= MAX_PENDING_REPLIES) {
                detach(sender, "amqp:resource-limit-exceeded", "the client does not take its responses");
                return;
            }
            byte[] buf = new byte[4096];
            int n;
            while (true) {
                try {
                    n = m.encode(buf, 0, buf.length);
                    break;
                } catch (java.nio.BufferOverflowException big) {
                    buf = new byte[buf.length * 4];
                }
            }
            queue.add(java.util.Arrays.copyOf(buf, n));
            flow();
        }

        @Override
        public void flow() {
            while (sender.getCredit() > 0 && !queue.isEmpty()) {
                byte[] bytes = queue.poll();
                Delivery d = sender.delivery(Long.toString(tag++).getBytes(StandardCharsets.US_ASCII));
                sender.send(bytes, 0, bytes.length);
                sender.advance();
                d.settle();
            }
        }

        @Override
        public void delivery(Delivery d) {
            if (d.remotelySettled()) d.settle();
        }
    }

    /** SASL: PLAIN carries a SAS token as its password ({@code policy@sas.root.HUB}); the others defer to $cbs. */
    private final class SaslServer implements SaslListener {
        @Override
        public void onSaslInit(Sasl sasl, Transport transport) {
            String[] mechs = sasl.getRemoteMechanisms();
            String mech = mechs.length == 0 ? "" : mechs[0];
            byte[] response = new byte[Math.max(0, sasl.pending())];
            sasl.recv(response, 0, response.length);
            if (mech.equals("PLAIN")) {
                String[] parts = new String(response, StandardCharsets.UTF_8).split("\0", -1);
                String password = parts.length == 3 ? parts[2] : "";
                try {
                    grants.add(claims.check(password, null, sasl.getHostname(), cx.clock().instant()));
                    everGranted = true;
                } catch (Claims.Refused r) {
                    cx.metrics().tokenRefused();
                    LOG.info("AMQP SASL PLAIN refused from {}: {}", ctx.channel().remoteAddress(), r.getMessage());
                    sasl.done(Sasl.SaslOutcome.PN_SASL_AUTH);
                    return;
                }
            }
            sasl.done(Sasl.SaslOutcome.PN_SASL_OK);
        }

        @Override public void onSaslMechanisms(Sasl sasl, Transport transport) { }
        @Override public void onSaslChallenge(Sasl sasl, Transport transport) { }
        @Override public void onSaslResponse(Sasl sasl, Transport transport) { }
        @Override public void onSaslOutcome(Sasl sasl, Transport transport) { }
    }

    static Binary tag(long n) {
        return new Binary(ByteBuffer.allocate(8).putLong(n).array());
    }
}

package dev.iolite.server.mqtt;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iolite.server.devices.DeviceAuthenticator;
import dev.iolite.server.devices.DeviceLink;
import dev.iolite.server.errors.IoliteException;
import dev.iolite.server.errors.LogText;
import dev.iolite.server.messages.DeviceMessage;
import dev.iolite.server.registry.Device;
import dev.iolite.server.registry.DeviceKey;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.mqtt.MqttConnAckMessage;
import io.netty.handler.codec.mqtt.MqttConnectMessage;
import io.netty.handler.codec.mqtt.MqttConnectReturnCode;
import io.netty.handler.codec.mqtt.MqttFixedHeader;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageBuilders;
import io.netty.handler.codec.mqtt.MqttMessageIdVariableHeader;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttPubAckMessage;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttSubAckMessage;
import io.netty.handler.codec.mqtt.MqttSubAckPayload;
import io.netty.handler.codec.mqtt.MqttSubscribeMessage;
import io.netty.handler.codec.mqtt.MqttTopicSubscription;
import io.netty.handler.codec.mqtt.MqttUnsubscribeMessage;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.ScheduledFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.net.ssl.SSLPeerUnverifiedException;
import java.nio.charset.StandardCharsets;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Duration;
import dev.iolite.server.messages.CloudMessage;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One device's MQTT connection: IoT Hub's CONNECT rules, then its fixed set of topics
 * (https://learn.microsoft.com/azure/iot/iot-mqtt-connect-to-iot-hub). Runs on the connection's event loop; what
 * may block (authentication, twin reads and writes) runs on {@link MqttContext#work()}, one step at a time per
 * connection, and comes back to the event loop to answer. Anything IoT Hub refuses closes the connection, as
 * IoT Hub does on MQTT.
 */
final class MqttConnection extends ChannelInboundHandlerAdapter implements DeviceLink {
    private static final Logger LOG = LoggerFactory.getLogger(MqttConnection.class);
    private static final AtomicLong IDS = new AtomicLong();
    /** IoT Hub's device-to-cloud limit: body, system property values, application property names and values. */
    static final int MAX_MESSAGE_BYTES = 256 * 1024;
    /** QoS 1 messages read but not yet acknowledged; past it the connection stops reading until some are. */
    static final int MAX_IN_FLIGHT = 64;
    /** Twin requests waiting their turn; past it a request is answered 429, as IoT Hub throttles. */
    static final int MAX_QUEUED_TWIN_REQUESTS = 16;
    /** Bytes waiting to go out to a device that does not read them: past it the connection is closed. */
    static final int MAX_UNSENT_BYTES = 4 * 1024 * 1024;
    /** IoT Hub closes a connection idle for 1.5 times its keep-alive, at most 1767 s. */
    static final long MAX_IDLE_SECONDS = 1767;
    /** Packets kept behind a message that waits for room in the built-in endpoint; past it the connection is closed. */
    static final int MAX_STALLED = 256;
    /** Cloud-to-device messages sent to one connection and not yet acknowledged. */
    static final int CLOUD_WINDOW = 16;
    /** How long an acknowledged message is passed over by a look through the whole queue (its removal is batched). */
    static final long CLOUD_ACKED_NANOS = 10_000_000_000L;
    /** How soon a message refused for a full queue is offered again. */
    static final long RETRY_MILLIS = 20;
    private static final String TWIN_RES = "$iothub/twin/res/#";
    private static final String DESIRED = "$iothub/twin/PATCH/properties/desired/#";
    private static final String METHODS = "$iothub/methods/POST/#";

    private final MqttContext cx;
    private final long id = IDS.incrementAndGet();
    private ChannelHandlerContext ctx;
    private volatile DeviceAuthenticator.Authenticated who;
    private volatile boolean methods;
    private volatile boolean desired;
    private boolean twinResponses;
    /** The QoS each of the device's filters was granted, for what goes out on it. */
    private MqttQoS twinQos = MqttQoS.AT_MOST_ONCE;
    private MqttQoS desiredQos = MqttQoS.AT_MOST_ONCE;
    private int nextPacketId;
    /** Receipts of the cloud-to-device messages sent and not yet acknowledged, by packet id; at most {@link #CLOUD_WINDOW}. */
    private final java.util.Map<Integer, CloudMessage> cloudInFlight = new java.util.HashMap<>();
    /** Whether the device subscribed to its cloud-to-device messages. */
    private boolean cloudInbox;
    /** The highest queue id read for this connection: the next read starts after it. */
    private long cloudAfter;
    private boolean cloudReading;
    private boolean cloudAgain;
    /** The next read looks through the whole queue (another node stored a message, perhaps under a lower number). */
    private boolean cloudRescan;
    /** The last read found the queue's end, and every message this node stored since was sent as it was stored. */
    private boolean cloudCaughtUp;
    /** Messages acknowledged lately, by id, with when (System.nanoTime): their removal may not have committed yet. */
    private final java.util.LinkedHashMap<Long, Long> cloudAcked = new java.util.LinkedHashMap<>();
    /** A message refused for a full queue, to offer again; while set, packets read wait in {@link #stalled}. */
    private Runnable waiting;
    private final java.util.ArrayDeque<MqttMessage> stalled = new java.util.ArrayDeque<>();
    /** The version of the last desired patch sent (event loop only). */
    private long lastDesiredVersion;
    private boolean connecting;
    private int inFlight;
    private int queuedTwin;
    /** Twin requests run one after the other, in the order the device sent them. */
    private CompletableFuture<Void> twinTail = CompletableFuture.completedFuture(null);
    private ScheduledFuture<?> expiry;
    private MqttPublishMessage will;
    private volatile boolean closedByServer;
    /** Counted among the connections that have not authenticated, until CONNECT succeeds or the connection ends. */
    private boolean pending;

    MqttConnection(MqttContext cx) {
        this.cx = cx;
    }

    // ---- DeviceLink

    @Override public String hub() { return who.hub().name(); }

    @Override public DeviceKey key() { return who.key(); }

    @Override public long id() { return id; }

    @Override public boolean acceptsMethods() { return methods; }

    @Override public boolean acceptsDesired() { return desired; }

    @Override public boolean acceptsCloudMessages() { return cloudInbox; }

    @Override
    public void cloudMessageStored(CloudMessage m) {
        if (ctx == null) return;
        ctx.executor().execute(() -> {
            if (!cloudInbox || !ctx.channel().isActive()) return;
            if (cloudCaughtUp && !cloudReading && !cloudRescan && m.id() > cloudAfter && cloudInFlight.size() < CLOUD_WINDOW) {
                publishCloud(m);  // nothing before it waits undelivered: no need to read the queue
                ctx.flush();
                return;
            }
            cloudCaughtUp = false;
            readCloud();
        });
    }

    @Override
    public void cloudMessagesWaiting(boolean elsewhere) {
        if (ctx == null) return;
        ctx.executor().execute(() -> {
            if (elsewhere) cloudRescan = true;
            readCloud();
        });
    }

    /**
     * On the connection's loop: reads the identity's next messages (as many as the window has room for) off the
     * loop, then publishes them at QoS 1. A PUBACK completes one and makes room. What is in flight when the
     * connection ends stays queued and goes out again on the next connection.
     */
    private void readCloud() {
        if (!cloudInbox || !ctx.channel().isActive()) return;
        if (cloudReading) {
            cloudAgain = true;
            return;
        }
        int room = CLOUD_WINDOW - cloudInFlight.size();
        if (room <= 0) return;
        cloudReading = true;
        cloudCaughtUp = false;
        long after = cloudRescan ? 0 : cloudAfter;
        if (cloudRescan) room += cloudInFlight.size() + cloudAcked.size();  // those are read again and passed over
        cloudRescan = false;
        int ask = room;
        String hub = hub();
        DeviceKey k = key();
        try {
            cx.work().execute(() -> {
                List<CloudMessage> got;
                try {
                    got = cx.cloud().pending(hub, k.deviceId(), k.moduleId(), after, ask);
                } catch (RuntimeException e) {
                    LOG.warn("reading the cloud-to-device queue of {} in hub {} failed", k, hub, e);
                    got = List.of();
                }
                List<CloudMessage> read = got;
                ctx.executor().execute(() -> deliverCloud(read, ask));
            });
        } catch (java.util.concurrent.RejectedExecutionException stopping) {
            cloudReading = false;
        }
    }

    private void deliverCloud(List<CloudMessage> read, int asked) {
        cloudReading = false;
        if (!ctx.channel().isActive()) return;
        long now = System.nanoTime();
        cloudAcked.values().removeIf(at -> now - at > CLOUD_ACKED_NANOS);
        for (CloudMessage m : read) {
            if (inFlight(m.id()) || cloudAcked.containsKey(m.id())) continue;  // a look through the whole queue
            publishCloud(m);
        }
        if (!read.isEmpty()) ctx.flush();
        if (cloudAgain || read.size() == asked) {
            cloudAgain = false;
            readCloud();
        } else {
            cloudCaughtUp = true;  // the read found the end: what this node stores next can go out as it is stored
        }
    }

    private void publishCloud(CloudMessage m) {
        cloudAfter = Math.max(cloudAfter, m.id());
        nextPacketId = nextPacketId % 65535 + 1;
        cloudInFlight.put(nextPacketId, m.receipt());
        String prefix = m.moduleId() == null ? "devices/" + m.deviceId() : "devices/" + m.deviceId() + "/modules/" + m.moduleId();
        String topic = prefix + "/messages/devicebound/" + PropertyBag.encode(m.system(),
                m.ack() == CloudMessage.Ack.NONE ? null : m.ack().wire(), m.application());
        ctx.write(MqttMessageBuilders.publish().topicName(topic).qos(MqttQoS.AT_LEAST_ONCE).retained(false)
                .messageId(nextPacketId).payload(Unpooled.wrappedBuffer(m.body())).build());
    }

    private boolean inFlight(long id) {
        for (CloudMessage m : cloudInFlight.values()) if (m.id() == id) return true;
        return false;
    }

    private void cloudAcknowledged(int packetId) {
        CloudMessage m = cloudInFlight.remove(packetId);
        if (m == null) return;
        cloudAcked.put(m.id(), System.nanoTime());
        if (cloudAcked.size() > 4 * CLOUD_WINDOW) cloudAcked.remove(cloudAcked.keySet().iterator().next());
        cx.cloud().completed(m);
        readCloud();
    }

    @Override
    public void sendMethodRequest(String requestId, String methodName, String payload) {
        send("$iothub/methods/POST/" + methodName + "/?$rid=" + PropertyBag.encode(requestId),
                payload == null ? "null" : payload, MqttQoS.AT_MOST_ONCE);
    }

    /**
     * Sends a desired patch once per version and in order: a patch older than one already sent (two writers'
     * commits told in the other order) is dropped, as the newer one was computed after it.
     */
    @Override
    public void sendDesiredPatch(long version, String patch) {
        String body = patch.equals("{}") ? "{\"$version\":" + version + "}"
                : patch.substring(0, patch.length() - 1) + ",\"$version\":" + version + "}";
        if (ctx == null) return;
        ctx.executor().execute(() -> {
            if (version <= lastDesiredVersion) return;
            lastDesiredVersion = version;
            send("$iothub/twin/PATCH/properties/desired/?$version=" + version, body, desiredQos);
        });
    }

    @Override
    public void close(CloseReason reason) {
        closedByServer = true;
        if (ctx == null) return;
        LOG.info("closing the MQTT connection of {} in hub {}: {}", who == null ? "?" : key(), who == null ? "?" : hub(), reason.text());
        ctx.channel().close();
    }

    // ---- Netty

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        pending = cx.metrics().opened();
        if (!pending) {
            LOG.warn("MQTT connection from {} closed: {} connections are waiting for their CONNECT already",
                    ctx.channel().remoteAddress(), MqttMetrics.MAX_UNAUTHENTICATED);
            ctx.close();
            return;
        }
        ctx.fireChannelActive();
    }

    private void leavePending() {
        if (pending) {
            pending = false;
            cx.metrics().authenticatedOrGone();
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        MqttMessage m = (MqttMessage) msg;
        try {
            if (waiting != null) {  // behind a message that waits for room: in order, after it
                if (stalled.size() >= MAX_STALLED) {
                    drop("sent " + MAX_STALLED + " packets while its messages waited for room in the built-in endpoint");
                    return;
                }
                if (m instanceof MqttPublishMessage p) p.retain();
                stalled.add(m);
                return;
            }
            handle(m);
        } finally {
            if (m instanceof MqttPublishMessage p) p.release();
        }
    }

    private void handle(MqttMessage m) {
        if (m.decoderResult().isFailure()) {
            refuseMalformed(m.decoderResult().cause());
            return;
        }
        MqttMessageType type = m.fixedHeader().messageType();
        if (who != null) cx.sessions().active(this);
        if (who == null) {
            if (type == MqttMessageType.CONNECT && !connecting) {
                connect((MqttConnectMessage) m);
            } else {
                drop("sent " + type + " before its CONNECT was accepted");
            }
            return;
        }
        switch (type) {
            case PUBLISH -> publish((MqttPublishMessage) m);
            case SUBSCRIBE -> subscribe((MqttSubscribeMessage) m);
            case UNSUBSCRIBE -> unsubscribe((MqttUnsubscribeMessage) m);
            case PINGREQ -> ctx.writeAndFlush(new MqttMessage(new MqttFixedHeader(MqttMessageType.PINGRESP, false,
                    MqttQoS.AT_MOST_ONCE, false, 0)));
            case PUBACK -> cloudAcknowledged(((io.netty.handler.codec.mqtt.MqttPubAckMessage) m).variableHeader().messageId());
            case DISCONNECT -> {
                will = release(will);
                ctx.close();
            }
            case CONNECT -> drop("sent a second CONNECT");
            default -> drop("sent " + type + ", which IoT Hub does not accept");
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof IdleStateEvent) {
            drop(who == null ? "sent no CONNECT in time" : "was silent past its keep-alive (404104 DeviceConnectionClosedRemotely)");
        } else {
            ctx.fireUserEventTriggered(evt);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        leavePending();
        waiting = null;
        for (MqttMessage m = stalled.poll(); m != null; m = stalled.poll()) {
            if (m instanceof MqttPublishMessage p) p.release();
        }
        if (expiry != null) expiry.cancel(false);
        DeviceAuthenticator.Authenticated w = who;
        if (w != null) {
            cx.sessions().unregister(this);
            if (will != null && !closedByServer) {
                sendWill(w, will);
            }
            LOG.debug("{} of hub {} disconnected", w.key(), w.hub().name());
        }
        will = release(will);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof DecoderException) {
            refuseMalformed(cause);
        } else if (!(cause instanceof java.io.IOException)) {
            LOG.warn("MQTT connection {} failed: {}", describe(), cause.toString());
        }
        ctx.close();
    }

    // ---- CONNECT

    private void connect(MqttConnectMessage m) {
        connecting = true;
        var v = m.variableHeader();
        var p = m.payload();
        if (v.version() != 4) {
            connack(MqttConnectReturnCode.CONNECTION_REFUSED_UNACCEPTABLE_PROTOCOL_VERSION);
            return;
        }
        if (v.isWillFlag() && v.willQos() > 1) {
            drop("asked for a QoS " + v.willQos() + " will");
            return;
        }
        String password = v.hasPassword() && p.passwordInBytes() != null
                ? new String(p.passwordInBytes(), StandardCharsets.UTF_8) : null;
        DeviceAuthenticator.Presented presented = new DeviceAuthenticator.Presented(p.clientIdentifier(),
                v.hasUserName() ? p.userName() : null, password, clientCertificate());
        byte[] willBody = v.isWillFlag() ? p.willMessageInBytes() : null;
        String willTopic = v.isWillFlag() ? p.willTopic() : null;
        int keepAlive = v.keepAliveTimeSeconds();
        try {
            CompletableFuture.supplyAsync(() -> {
                try {
                    return cx.authenticator().authenticate(presented);
                } catch (DeviceAuthenticator.Refused e) {
                    LOG.info("MQTT CONNECT of '{}' refused: {}", LogText.escape(presented.clientId()), e.getMessage());
                    return null;
                }
            }, cx.work()).whenComplete((w, e) -> ctx.executor().execute(() -> connected(w, e, keepAlive, willTopic, willBody)));
        } catch (RejectedExecutionException e) {
            LOG.warn("MQTT CONNECT of '{}' refused: the server is busy", LogText.escape(presented.clientId()));
            connack(MqttConnectReturnCode.CONNECTION_REFUSED_SERVER_UNAVAILABLE);
        }
    }

    private void connected(DeviceAuthenticator.Authenticated w, Throwable failure, int keepAlive, String willTopic, byte[] willBody) {
        if (!ctx.channel().isActive()) return;
        if (failure != null) {
            LOG.warn("MQTT CONNECT failed: {}", failure.toString());
            connack(MqttConnectReturnCode.CONNECTION_REFUSED_SERVER_UNAVAILABLE);
            return;
        }
        if (w == null) {
            connack(MqttConnectReturnCode.CONNECTION_REFUSED_NOT_AUTHORIZED);
            return;
        }
        if (willTopic != null) {
            if (eventsTopicOf(w.key(), willTopic) == null) {
                LOG.info("MQTT CONNECT of {} refused: its will's topic '{}' is not its events topic", w.key(), LogText.escape(willTopic));
                connack(MqttConnectReturnCode.CONNECTION_REFUSED_NOT_AUTHORIZED);
                return;
            }
            will = MqttMessageBuilders.publish().topicName(willTopic).qos(MqttQoS.AT_MOST_ONCE)
                    .payload(Unpooled.wrappedBuffer(willBody)).build();
        }
        who = w;
        long idle = keepAlive == 0 ? MAX_IDLE_SECONDS : Math.min(MAX_IDLE_SECONDS, keepAlive * 3L / 2 + 1);
        ctx.pipeline().replace(IdleStateHandler.class, "idle", new IdleStateHandler(idle, 0, 0, TimeUnit.SECONDS));
        if (w.expires() != null) {
            long ms = Math.max(0, Duration.between(cx.clock().instant(), w.expires()).toMillis());
            expiry = ctx.executor().schedule(() -> close(CloseReason.TOKEN_EXPIRED), ms, TimeUnit.MILLISECONDS);
        }
        connack(MqttConnectReturnCode.CONNECTION_ACCEPTED);
        cx.sessions().register(this);
    }

    private void connack(MqttConnectReturnCode code) {
        if (code == MqttConnectReturnCode.CONNECTION_ACCEPTED) {
            cx.metrics().accepted();
            leavePending();
        } else {
            cx.metrics().refused();
        }
        MqttConnAckMessage ack = MqttMessageBuilders.connAck().returnCode(code).sessionPresent(false).build();
        if (code == MqttConnectReturnCode.CONNECTION_ACCEPTED) {
            ctx.writeAndFlush(ack);
        } else {
            ctx.writeAndFlush(ack).addListener(ChannelFutureListener.CLOSE);
        }
    }

    private X509Certificate clientCertificate() {
        SslHandler ssl = ctx.pipeline().get(SslHandler.class);
        if (ssl == null) return null;
        try {
            Certificate[] chain = ssl.engine().getSession().getPeerCertificates();
            return chain.length > 0 && chain[0] instanceof X509Certificate x ? x : null;
        } catch (SSLPeerUnverifiedException e) {
            return null;
        }
    }

    // ---- SUBSCRIBE

    private void subscribe(MqttSubscribeMessage m) {
        List<Integer> granted = new ArrayList<>();
        for (MqttTopicSubscription s : m.payload().topicSubscriptions()) {
            String filter = s.topicName();
            MqttQoS q = s.qualityOfService() == MqttQoS.AT_MOST_ONCE ? MqttQoS.AT_MOST_ONCE : MqttQoS.AT_LEAST_ONCE;
            if (filter.equals(TWIN_RES)) {
                twinResponses = true;
                twinQos = q;
            } else if (filter.equals(DESIRED)) {
                desired = true;
                desiredQos = q;
            } else if (filter.equals(METHODS)) {
                methods = true;
            } else if (isOwnInbox(filter)) {
                cloudInbox = true;
            } else {
                drop("subscribed to '" + LogText.escape(filter) + "', which is not one of its topics");
                return;
            }
            granted.add(Math.min(1, s.qualityOfService().value()));
        }
        ctx.writeAndFlush(new MqttSubAckMessage(new MqttFixedHeader(MqttMessageType.SUBACK, false, MqttQoS.AT_MOST_ONCE, false, 0),
                MqttMessageIdVariableHeader.from(m.variableHeader().messageId()), new MqttSubAckPayload(granted)));
        cx.sessions().changed(this);
        if (cloudInbox) readCloud();
    }

    /** The cloud-to-device inbox of a device, or a module's inputs (which IoT Edge serves; nothing arrives here). */
    private boolean isOwnInbox(String filter) {
        DeviceKey k = who.key();
        if (k.moduleId() == null) return filter.equals("devices/" + k.deviceId() + "/messages/devicebound/#");
        String module = "devices/" + k.deviceId() + "/modules/" + k.moduleId() + "/";
        return filter.equals(module + "#") || filter.equals(module + "inputs/#");
    }

    private void unsubscribe(MqttUnsubscribeMessage m) {
        for (String filter : m.payload().topics()) {
            if (filter.equals(TWIN_RES)) twinResponses = false;
            if (filter.equals(DESIRED)) desired = false;
            if (filter.equals(METHODS)) methods = false;
            if (isOwnInbox(filter)) cloudInbox = false;
        }
        ctx.writeAndFlush(MqttMessageBuilders.unsubAck().packetId(m.variableHeader().messageId()).build());
    }

    // ---- PUBLISH

    private void publish(MqttPublishMessage m) {
        MqttQoS qos = m.fixedHeader().qosLevel();
        if (qos == MqttQoS.EXACTLY_ONCE) {
            drop("published at QoS 2, which IoT Hub does not support");
            return;
        }
        String topic = m.variableHeader().topicName();
        int packetId = m.variableHeader().packetId();
        if (topic.startsWith("$iothub/twin/")) {
            twinRequest(topic, ByteBufUtil.getBytes(m.payload()));
            ack(qos, packetId);
        } else if (topic.startsWith("$iothub/methods/res/")) {
            methodAnswer(topic, ByteBufUtil.getBytes(m.payload()));
            ack(qos, packetId);
        } else {
            String bag = eventsTopicOf(who.key(), topic);
            if (bag == null) {
                drop("published to '" + LogText.escape(topic) + "', which is not one of its topics");
                return;
            }
            telemetry(bag, m, qos, packetId);
        }
    }

    private void ack(MqttQoS qos, int packetId) {
        if (qos == MqttQoS.AT_LEAST_ONCE) {
            ctx.writeAndFlush(new MqttPubAckMessage(new MqttFixedHeader(MqttMessageType.PUBACK, false, MqttQoS.AT_MOST_ONCE, false, 0),
                    MqttMessageIdVariableHeader.from(packetId)));
        }
    }

    /** The property bag of {@code topic} when it is {@code key}'s own events topic, else null. */
    static String eventsTopicOf(DeviceKey key, String topic) {
        String prefix = "devices/" + key.deviceId() + (key.moduleId() == null ? "" : "/modules/" + key.moduleId())
                + "/messages/events/";
        if (topic.startsWith(prefix)) return topic.substring(prefix.length());
        if (topic.equals(prefix.substring(0, prefix.length() - 1))) return "";
        return null;
    }

    private void telemetry(String bag, MqttPublishMessage m, MqttQoS qos, int packetId) {
        PropertyBag.Parsed props;
        try {
            props = PropertyBag.parse(bag);
        } catch (IllegalArgumentException e) {
            drop("sent a malformed property bag");
            return;
        }
        if (m.fixedHeader().isRetain()) props.application().put("mqtt-retain", "true");
        DeviceMessage msg = new DeviceMessage(hub(), key(), props.system(), props.application(),
                ByteBufUtil.getBytes(m.payload()), who.authMethod(), cx.clock().instant());
        if (msg.countedSize() > MAX_MESSAGE_BYTES) {
            drop("sent a message of " + msg.countedSize() + " bytes; IoT Hub's limit is " + MAX_MESSAGE_BYTES);
            return;
        }
        store(msg, qos, packetId);
    }

    /**
     * Appends a message; when the built-in endpoint's queue is full, the connection stops reading and the same
     * message is offered again shortly, the packets read meanwhile kept behind it: the device is slowed down, as
     * IoT Hub throttles, rather than cut off, and its messages keep their order.
     */
    private void store(DeviceMessage msg, MqttQoS qos, int packetId) {
        CompletableFuture<Void> stored = cx.messages().append(msg);
        if (stored.isCompletedExceptionally() && stored.handle((v, e) -> e).getNow(null) instanceof IoliteException ie
                && ie.errorCode() == dev.iolite.server.errors.ErrorCode.THROTTLED) {
            ctx.channel().config().setAutoRead(false);
            waiting = () -> store(msg, qos, packetId);
            ctx.executor().schedule(this::retryWaiting, RETRY_MILLIS, TimeUnit.MILLISECONDS);
            return;
        }
        if (qos == MqttQoS.AT_MOST_ONCE) return;
        if (++inFlight >= MAX_IN_FLIGHT) ctx.channel().config().setAutoRead(false);
        stored.whenComplete((ok, e) -> ctx.executor().execute(() -> {
            inFlight--;
            if (waiting == null && !ctx.channel().config().isAutoRead() && inFlight < MAX_IN_FLIGHT / 2) {
                ctx.channel().config().setAutoRead(true);
            }
            if (e != null) {
                drop("had a message refused: " + rootMessage(e));
            } else {
                ack(qos, packetId);
            }
        }));
    }

    /** Offers the waiting message again, then handles what was read behind it, until one has to wait again. */
    private void retryWaiting() {
        if (!ctx.channel().isActive()) return;
        Runnable r = waiting;
        waiting = null;
        r.run();
        while (waiting == null && !stalled.isEmpty()) {
            MqttMessage next = stalled.poll();
            try {
                handle(next);
            } finally {
                if (next instanceof MqttPublishMessage p) p.release();
            }
        }
        if (waiting == null && inFlight < MAX_IN_FLIGHT && ctx.channel().isActive()) ctx.channel().config().setAutoRead(true);
    }

    private void sendWill(DeviceAuthenticator.Authenticated w, MqttPublishMessage m) {
        String bag = eventsTopicOf(w.key(), m.variableHeader().topicName());
        PropertyBag.Parsed props = PropertyBag.parse(bag == null ? "" : bag);
        props.application().put("iothub-MessageType", "Will");
        cx.messages().append(new DeviceMessage(w.hub().name(), w.key(), props.system(), props.application(),
                ByteBufUtil.getBytes(m.payload()), w.authMethod(), cx.clock().instant()));
    }

    // ---- twins

    private void twinRequest(String topic, byte[] body) {
        int q = topic.indexOf("/?");
        String path = q < 0 ? topic : topic.substring(0, q);
        String query = q < 0 ? "" : topic.substring(q + 2);
        String rid = PropertyBag.param(query, "$rid");
        boolean get = path.equals("$iothub/twin/GET");
        boolean patch = path.equals("$iothub/twin/PATCH/properties/reported");
        if (!get && !patch) {
            drop("published to '" + LogText.escape(topic) + "', which is not one of its topics");
            return;
        }
        if (rid == null) rid = "";
        String requestId = rid;
        if (queuedTwin >= MAX_QUEUED_TWIN_REQUESTS) {
            twinAnswer(429, requestId, null, error(429001, "too many twin requests in flight on this connection"));
            return;
        }
        queuedTwin++;
        String hub = hub();
        DeviceKey key = key();
        twinTail = twinTail.handleAsync((x, y) -> {
            try {
                if (get) return twinGet(hub, key);
                ObjectNode p = parsePatch(body);
                Device d = cx.registry().patchReported(hub, key, p);
                return new TwinAnswer(204, Long.toString(d.twin().version()), null);
            } catch (IoliteException e) {
                return new TwinAnswer(e.errorCode().httpStatus(), null, error(e.errorCode().code(), e.getMessage()));
            } catch (RuntimeException e) {
                LOG.warn("twin request of {} in hub {} failed", key, hub, e);
                return new TwinAnswer(500, null, error(500001, "internal error"));
            }
        }, cx.work()).thenAccept(a -> ctx.executor().execute(() -> {
            queuedTwin--;
            twinAnswer(a.status(), requestId, a.version(), a.body());
        }));
    }

    private record TwinAnswer(int status, String version, String body) {}

    private TwinAnswer twinGet(String hub, DeviceKey key) {
        Device d = cx.registry().get(hub, key);
        long v = d.twin().version();
        String body = "{\"desired\":" + withVersion(d.twin().desired().json(), v) + ",\"reported\":"
                + withVersion(d.twin().reported().json(), v) + "}";
        return new TwinAnswer(200, null, body);
    }

    private ObjectNode parsePatch(byte[] body) {
        JsonNode n;
        try {
            n = cx.json().readTree(body);
        } catch (java.io.IOException e) {
            throw new IoliteException(dev.iolite.server.errors.ErrorCode.ARGUMENT_INVALID, "the reported properties patch is not JSON");
        }
        if (!(n instanceof ObjectNode o)) {
            throw new IoliteException(dev.iolite.server.errors.ErrorCode.ARGUMENT_INVALID, "the reported properties patch must be a JSON object");
        }
        return o;
    }

    private static String withVersion(String doc, long version) {
        return doc.equals("{}") ? "{\"$version\":" + version + "}" : doc.substring(0, doc.length() - 1) + ",\"$version\":" + version + "}";
    }

    private String error(int code, String message) {
        ObjectNode n = cx.json().createObjectNode();
        n.put("errorCode", code);
        n.put("message", message);
        return n.toString();
    }

    private void twinAnswer(int status, String rid, String version, String body) {
        if (!twinResponses) {
            LOG.debug("{} asked for its twin without subscribing to {}; the answer is dropped", key(), TWIN_RES);
            return;
        }
        send("$iothub/twin/res/" + status + "/?$rid=" + PropertyBag.encode(rid) + (version == null ? "" : "&$version=" + version),
                body == null ? "" : body, twinQos);
    }

    // ---- methods

    private void methodAnswer(String topic, byte[] body) {
        String rest = topic.substring("$iothub/methods/res/".length());
        int slash = rest.indexOf('/');
        int status;
        try {
            status = Integer.parseInt(slash < 0 ? rest : rest.substring(0, slash));
        } catch (NumberFormatException e) {
            drop("answered a method with a status that is not a number");
            return;
        }
        int q = rest.indexOf('?');
        String rid = q < 0 ? null : PropertyBag.param(rest.substring(q + 1), "$rid");
        if (rid == null) {
            drop("answered a method without $rid");
            return;
        }
        cx.methods().answer(this, rid, status, body);
    }

    // ---- out

    /**
     * Publishes from any thread, at the QoS the device's subscription was granted (deliveries are not retried:
     * a connection that drops loses what it had not acknowledged, as twin responses and method requests are
     * asked again); a device that does not read what it is sent is disconnected.
     */
    private void send(String topic, String body, MqttQoS qos) {
        if (ctx == null) return;
        ctx.executor().execute(() -> {
            if (!ctx.channel().isActive()) return;
            if (!ctx.channel().isWritable() && ctx.channel().unsafe().outboundBuffer() != null
                    && ctx.channel().unsafe().outboundBuffer().totalPendingWriteBytes() > MAX_UNSENT_BYTES) {
                drop("does not read what it is sent (" + MAX_UNSENT_BYTES + " bytes waiting)");
                return;
            }
            int packetId = 0;
            if (qos == MqttQoS.AT_LEAST_ONCE) {
                nextPacketId = nextPacketId % 65535 + 1;
                packetId = nextPacketId;
            }
            ctx.writeAndFlush(MqttMessageBuilders.publish().topicName(topic).qos(qos).retained(false).messageId(packetId)
                    .payload(Unpooled.wrappedBuffer(body.getBytes(StandardCharsets.UTF_8))).build());
        });
    }

    // ---- ends

    private void refuseMalformed(Throwable cause) {
        drop("sent a malformed packet (" + (cause == null ? "?" : cause.getMessage()) + ")");
    }

    /** Closes the connection for something the device did; logged once, at info (it is the device's doing). */
    private void drop(String why) {
        if (!ctx.channel().isActive()) return;
        closedByServer = false;  // a will still goes out: the device did not DISCONNECT
        cx.metrics().dropped();
        LOG.info("MQTT connection {} closed: it {}", describe(), why);
        ctx.close();
    }

    private String describe() {
        DeviceAuthenticator.Authenticated w = who;
        return (w == null ? "" : w.key() + " of hub " + w.hub().name() + " ") + "from " + ctx.channel().remoteAddress();
    }

    private static MqttPublishMessage release(MqttPublishMessage m) {
        if (m != null) m.release();
        return null;
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while ((t instanceof java.util.concurrent.CompletionException) && t.getCause() != null) t = t.getCause();
        return t.getMessage();
    }
}

package dev.iolite.cli.simulate;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoop;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.mqtt.MqttConnAckMessage;
import io.netty.handler.codec.mqtt.MqttConnectReturnCode;
import io.netty.handler.codec.mqtt.MqttFixedHeader;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageBuilders;
import io.netty.handler.codec.mqtt.MqttMessageIdVariableHeader;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttPubAckMessage;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttVersion;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.concurrent.ScheduledFuture;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * One simulated device: its connection to the hub, re-made with backoff when lost, and what it does on it. Every
 * field is confined to the device's event loop (the fleet's threads are shared by all devices; none is a device's
 * own). On CONNACK it subscribes to methods, twin responses and desired patches, reads its twin, then patches
 * its reported properties; it answers each direct method with status 200 and the request's payload, and publishes
 * telemetry at QoS 1 as its share of the fleet's rate allows, with at most {@link #IN_FLIGHT} messages unacknowledged.
 */
final class SimulatedDevice {
    /** Telemetry messages a device may have published and not yet seen acknowledged; more waits (and falls behind). */
    static final int IN_FLIGHT = 32;
    /** Seconds between PINGREQs when nothing else is written is half of this; the hub allows 1.5 times it of silence. */
    static final int KEEP_ALIVE_SECONDS = 60;
    private static final long CONNACK_TIMEOUT_SECONDS = 30;
    /** How long a stopping device waits for the hub to close the connection after its DISCONNECT. */
    private static final long DISCONNECT_WAIT_SECONDS = 2;
    private static final long MAX_BACKOFF_MILLIS = 30_000;
    /** The most credit a device saves up while it cannot send: a tenth of a second of its rate, at least two messages. */
    private static final double MAX_CREDIT_SECONDS = 0.1;

    private final DeviceCredential credential;
    private final Fleet fleet;
    final EventLoop loop;
    private final String telemetryTopic;
    private final int[] inflightIds = new int[IN_FLIGHT];
    private final long[] inflightSentAt = new long[IN_FLIGHT];
    private final CompletableFuture<Void> stopped = new CompletableFuture<>();

    private Channel channel;
    private boolean awaitingConnAck;
    private boolean accepted;
    private boolean stopping;
    private int attempts;
    private int inflight;
    private int nextPacketId = 1;
    private int nextRid = 1;
    private long sequence;
    private double credit;
    private String twinReadRid;
    private long twinReadSentAt;
    private String reportedRid;
    private ScheduledFuture<?> connAckTimeout;

    SimulatedDevice(DeviceCredential credential, Fleet fleet, EventLoop loop) {
        this.credential = credential;
        this.fleet = fleet;
        this.loop = loop;
        this.telemetryTopic = Topics.telemetry(credential.deviceId());
    }

    String deviceId() { return credential.deviceId(); }

    /** Opens a connection; the fleet calls it when a handshake slot is free. */
    void connect() {
        loop.execute(this::open);
    }

    private void open() {
        if (stopping) {
            fleet.handshakeDone();
            return;
        }
        awaitingConnAck = true;
        ChannelFuture f = fleet.bootstrap(loop, new Handler()).connect(fleet.settings().host(), fleet.settings().port());
        channel = f.channel();
        f.addListener((ChannelFutureListener) done -> {
            if (!done.isSuccess()) fleet.log().debug("{}: cannot connect: {}", deviceId(), done.cause().toString());
        });
    }

    /** Disconnects (DISCONNECT, then close) and stays disconnected; the future completes once the socket is closed. */
    CompletableFuture<Void> stop() {
        loop.execute(() -> {
            stopping = true;
            if (channel == null || !channel.isOpen()) {
                stopped.complete(null);
                return;
            }
            if (accepted) {
                // the hub closes the connection on DISCONNECT; reading until it does leaves no PUBACK unread in
                // this socket, whose close would then be a reset that can discard the DISCONNECT on the hub's side
                Channel c = channel;
                c.writeAndFlush(new MqttMessage(new MqttFixedHeader(MqttMessageType.DISCONNECT, false, MqttQoS.AT_MOST_ONCE, false, 0)));
                loop.schedule(() -> c.close(), DISCONNECT_WAIT_SECONDS, TimeUnit.SECONDS);
            } else {
                channel.close();
            }
        });
        return stopped;
    }

    /** Sends what {@code seconds} more of this device's share of the rate allows; called by its loop's ticker. */
    void tick(double seconds, double perSecond) {
        if (!accepted || stopping || perSecond <= 0) return;
        credit += perSecond * seconds;
        int written = 0;
        while (credit >= 1 && inflight < IN_FLIGHT && channel.isWritable()) {
            publishTelemetry();
            credit -= 1;
            written++;
        }
        double max = Math.max(2, perSecond * MAX_CREDIT_SECONDS);
        if (credit > max) {
            fleet.stats().behind.add((long) (credit - max));
            credit = max;
        }
        if (written > 0) channel.flush();
    }

    private void publishTelemetry() {
        int id = packetId();
        int slot = freeSlot();
        inflightIds[slot] = id;
        inflightSentAt[slot] = System.nanoTime();
        inflight++;
        byte[] body = ("{\"deviceId\":\"" + deviceId() + "\",\"seq\":" + (++sequence) + ",\"temperature\":"
                + (20 + (sequence % 50) / 10.0) + "}").getBytes(StandardCharsets.UTF_8);
        channel.write(MqttMessageBuilders.publish().topicName(telemetryTopic).qos(MqttQoS.AT_LEAST_ONCE).retained(false)
                .messageId(id).payload(Unpooled.wrappedBuffer(body)).build());
        fleet.stats().sent.increment();
    }

    private int freeSlot() {
        for (int i = 0; i < IN_FLIGHT; i++) if (inflightIds[i] == 0) return i;
        throw new IllegalStateException("no free in-flight slot with " + inflight + " in flight; this indicates a bug");
    }

    private int packetId() {
        int id = nextPacketId;
        nextPacketId = nextPacketId == 0xFFFF ? 1 : nextPacketId + 1;
        return id;
    }

    private String rid() { return Integer.toString(nextRid++); }

    /**
     * Payloads wrap heap arrays rather than pooled buffers: the encoder copies them into its own, and a message that
     * a closing connection drops costs nothing but garbage.
     */
    private void publish(String topic, byte[] body) {
        channel.writeAndFlush(MqttMessageBuilders.publish().topicName(topic).qos(MqttQoS.AT_MOST_ONCE).retained(false)
                .payload(Unpooled.wrappedBuffer(body)).build());
    }

    private void scheduleReconnect() {
        long base = Math.min(MAX_BACKOFF_MILLIS, 1000L << Math.min(attempts, 5));
        attempts++;
        long delay = base / 2 + ThreadLocalRandom.current().nextLong(base / 2 + 1);
        loop.schedule(() -> {
            if (!stopping) fleet.enqueue(this);
        }, delay, TimeUnit.MILLISECONDS);
    }

    /** The handler of one connection; a reconnection gets a new one. */
    private final class Handler extends SimpleChannelInboundHandler<MqttMessage> {
        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            connAckTimeout = loop.schedule(() -> {
                if (awaitingConnAck) ctx.close();
            }, CONNACK_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            String host = fleet.settings().hubHostName();
            ctx.writeAndFlush(MqttMessageBuilders.connect().clientId(deviceId()).protocolVersion(MqttVersion.MQTT_3_1_1)
                    .cleanSession(false).keepAlive(KEEP_ALIVE_SECONDS).hasUser(true).username(credential.userName(host))
                    .hasPassword(true).password(credential.password(host, Instant.now()).getBytes(StandardCharsets.UTF_8))
                    .build());
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, MqttMessage m) {
            if (m.decoderResult().isFailure()) {
                fleet.log().debug("{}: malformed packet from the hub: {}", deviceId(), m.decoderResult().cause().toString());
                ctx.close();
                return;
            }
            switch (m.fixedHeader().messageType()) {
                case CONNACK -> connAck(ctx, (MqttConnAckMessage) m);
                case SUBACK -> readTwin(ctx);
                case PUBACK -> pubAck(((MqttPubAckMessage) m).variableHeader().messageId());
                case PUBLISH -> received(ctx, (MqttPublishMessage) m);
                default -> { }  // PINGRESP, UNSUBACK: nothing to do
            }
        }

        private void connAck(ChannelHandlerContext ctx, MqttConnAckMessage m) {
            handshakeEnded();
            MqttConnectReturnCode code = m.variableHeader().connectReturnCode();
            if (code != MqttConnectReturnCode.CONNECTION_ACCEPTED) {
                fleet.stats().refused.increment();
                fleet.log().debug("{}: the hub refused the connection: {}", deviceId(), code);
                ctx.close();
                return;
            }
            accepted = true;
            attempts = 0;
            credit = 0;
            fleet.stats().connected.incrementAndGet();
            fleet.stats().connects.increment();
            ctx.writeAndFlush(MqttMessageBuilders.subscribe().messageId(packetId())
                    .addSubscription(MqttQoS.AT_LEAST_ONCE, Topics.METHODS)
                    .addSubscription(MqttQoS.AT_LEAST_ONCE, Topics.TWIN_RESPONSES)
                    .addSubscription(MqttQoS.AT_LEAST_ONCE, Topics.DESIRED).build());
        }

        private void readTwin(ChannelHandlerContext ctx) {
            twinReadRid = rid();
            twinReadSentAt = System.nanoTime();
            publish(Topics.twinGet(twinReadRid), new byte[0]);
        }

        private void pubAck(int id) {
            for (int i = 0; i < IN_FLIGHT; i++) {
                if (inflightIds[i] == id) {
                    inflightIds[i] = 0;
                    inflight--;
                    fleet.stats().pubackWindow.recordNanos(System.nanoTime() - inflightSentAt[i]);
                    fleet.stats().acknowledged.increment();
                    return;
                }
            }
        }

        private void received(ChannelHandlerContext ctx, MqttPublishMessage m) {
            if (m.fixedHeader().qosLevel() == MqttQoS.AT_LEAST_ONCE) {
                ctx.writeAndFlush(MqttMessageBuilders.pubAck().packetId(m.variableHeader().packetId()).build());
            }
            ByteBuf content = m.content();
            Topics.Inbound in = Topics.parse(m.variableHeader().topicName());
            if (in instanceof Topics.MethodCall call) {
                byte[] payload = ByteBufUtil.getBytes(content);
                fleet.settings().events().onMethod(deviceId(), call.name(), payload);
                fleet.stats().methods.increment();
                publish(Topics.methodResponse(200, call.rid()), payload);
            } else if (in instanceof Topics.TwinResponse r) {
                twinResponse(r);
            } else if (in instanceof Topics.DesiredPatch d) {
                fleet.stats().desiredPatches.increment();
                fleet.settings().events().onDesired(deviceId(), d.version(), ByteBufUtil.getBytes(content));
            } else {
                fleet.log().debug("{}: ignored a message on {}", deviceId(), m.variableHeader().topicName());
            }
        }

        private void twinResponse(Topics.TwinResponse r) {
            if (r.rid() != null && r.rid().equals(twinReadRid)) {
                twinReadRid = null;
                if (r.status() != 200) {
                    fleet.stats().twinErrors.increment();
                    return;
                }
                fleet.stats().twinReads.increment();
                fleet.stats().twinReadLatency.recordNanos(System.nanoTime() - twinReadSentAt);
                fleet.settings().events().onTwinRead(deviceId());
                reportedRid = rid();
                publish(Topics.reportedPatch(reportedRid), ("{\"simulator\":{\"connectedAt\":\"" + Instant.now()
                        + "\",\"connections\":" + (attempts + 1) + "}}").getBytes(StandardCharsets.UTF_8));
            } else if (r.rid() != null && r.rid().equals(reportedRid)) {
                reportedRid = null;
                if (r.status() == 204) fleet.stats().reportedPatches.increment(); else fleet.stats().twinErrors.increment();
            }
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof IdleStateEvent idle) {
                switch (idle.state()) {
                    case WRITER_IDLE -> ctx.writeAndFlush(new MqttMessage(new MqttFixedHeader(MqttMessageType.PINGREQ, false, MqttQoS.AT_MOST_ONCE, false, 0)));
                    case READER_IDLE -> ctx.close();
                    default -> { }
                }
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            fleet.log().debug("{}: connection failed: {}", deviceId(), cause.toString());
            ctx.close();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            closed(ctx.channel());
        }

        @Override
        public void channelUnregistered(ChannelHandlerContext ctx) {
            // a connect that failed before the channel became active ends here without channelInactive
            closed(ctx.channel());
        }
    }

    private void handshakeEnded() {
        if (connAckTimeout != null) connAckTimeout.cancel(false);
        if (awaitingConnAck) {
            awaitingConnAck = false;
            fleet.handshakeDone();
        }
    }

    private void closed(Channel closing) {
        if (closing != channel) return;  // the second callback of one closing, or a connection already replaced
        boolean wasAwaiting = awaitingConnAck;
        handshakeEnded();
        if (wasAwaiting && !stopping) fleet.stats().failedConnects.increment();
        if (accepted) {
            accepted = false;
            fleet.stats().connected.decrementAndGet();
            if (!stopping) fleet.stats().disconnects.increment();
        }
        channel = null;
        java.util.Arrays.fill(inflightIds, 0);
        inflight = 0;
        twinReadRid = null;
        reportedRid = null;
        if (stopping) stopped.complete(null); else scheduleReconnect();
    }
}

package dev.iolite.cli.simulate;

import dev.iolite.server.http.TlsMaterial;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.mqtt.MqttConnAckMessage;
import io.netty.handler.codec.mqtt.MqttConnectMessage;
import io.netty.handler.codec.mqtt.MqttConnectReturnCode;
import io.netty.handler.codec.mqtt.MqttDecoder;
import io.netty.handler.codec.mqtt.MqttEncoder;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageBuilders;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttSubscribeMessage;
import io.netty.handler.codec.mqtt.MqttSubAckMessage;
import io.netty.handler.codec.mqtt.MqttMessageIdVariableHeader;
import io.netty.handler.codec.mqtt.MqttSubAckPayload;
import io.netty.handler.codec.mqtt.MqttFixedHeader;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.TrustManagerFactory;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Just enough of IoT Hub's MQTT side, over TLS with a certificate of the server's own making, for the simulator's
 * client to be tested without a server: CONNACK (accepted, or refused when told), SUBACK, twin reads and reported
 * patches, PUBACK, and direct method requests sent on demand. It records what devices sent.
 */
final class FakeHub implements AutoCloseable {
    final List<String> userNames = new CopyOnWriteArrayList<>();
    final List<String> passwords = new CopyOnWriteArrayList<>();
    final List<String> methodResponses = new CopyOnWriteArrayList<>();
    final List<String> reported = new CopyOnWriteArrayList<>();
    final AtomicInteger telemetry = new AtomicInteger();
    final AtomicInteger disconnects = new AtomicInteger();
    final Map<String, Channel> devices = new ConcurrentHashMap<>();
    volatile MqttConnectReturnCode answer = MqttConnectReturnCode.CONNECTION_ACCEPTED;

    private final NioEventLoopGroup group = new NioEventLoopGroup(1);
    private final Channel server;
    private final TrustManagerFactory trust;

    FakeHub(Path dir) throws Exception {
        TlsMaterial tls = TlsMaterial.load(dir, null, null);
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        char[] pw = "pw".toCharArray();
        kmf.init(tls.keyStore(pw), pw);
        SslContext ssl = SslContextBuilder.forServer(kmf).build();
        KeyStore ts = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(tls.truststore())) {
            ts.load(in, TlsMaterial.TRUSTSTORE_PASSWORD.toCharArray());
        }
        trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trust.init(ts);
        server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(ssl.newHandler(ch.alloc()), new MqttDecoder(), MqttEncoder.INSTANCE, new Session());
                    }
                }).bind("127.0.0.1", 0).sync().channel();
    }

    int port() { return ((java.net.InetSocketAddress) server.localAddress()).getPort(); }

    TrustManagerFactory trust() { return trust; }

    /** Sends {@code deviceId} a method request as IoT Hub does (QoS 0). */
    void callMethod(String deviceId, String method, String rid, String payload) {
        devices.get(deviceId).writeAndFlush(MqttMessageBuilders.publish().topicName("$iothub/methods/POST/" + method + "/?$rid=" + rid)
                .qos(MqttQoS.AT_MOST_ONCE).payload(Unpooled.copiedBuffer(payload, StandardCharsets.UTF_8)).build());
    }

    /** Closes every device's connection, as a hub that restarts would. */
    void dropAll() {
        devices.values().forEach(Channel::close);
    }

    @Override
    public void close() {
        server.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
    }

    private final class Session extends SimpleChannelInboundHandler<MqttMessage> {
        private String deviceId;

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, MqttMessage m) {
            switch (m.fixedHeader().messageType()) {
                case CONNECT -> {
                    MqttConnectMessage c = (MqttConnectMessage) m;
                    deviceId = c.payload().clientIdentifier();
                    userNames.add(c.payload().userName());
                    passwords.add(new String(c.payload().passwordInBytes(), StandardCharsets.UTF_8));
                    MqttConnectReturnCode code = answer;
                    ctx.writeAndFlush(MqttMessageBuilders.connAck().returnCode(code).sessionPresent(false).build());
                    if (code == MqttConnectReturnCode.CONNECTION_ACCEPTED) devices.put(deviceId, ctx.channel()); else ctx.close();
                }
                case SUBSCRIBE -> {
                    MqttSubscribeMessage s = (MqttSubscribeMessage) m;
                    int[] granted = s.payload().topicSubscriptions().stream().mapToInt(t -> 1).toArray();
                    ctx.writeAndFlush(new MqttSubAckMessage(new MqttFixedHeader(MqttMessageType.SUBACK, false, MqttQoS.AT_MOST_ONCE, false, 0),
                            MqttMessageIdVariableHeader.from(s.variableHeader().messageId()), new MqttSubAckPayload(granted)));
                }
                case PUBLISH -> publish(ctx, (MqttPublishMessage) m);
                case DISCONNECT -> {
                    disconnects.incrementAndGet();
                    ctx.close();
                }
                default -> { }
            }
        }

        private void publish(ChannelHandlerContext ctx, MqttPublishMessage p) {
            String topic = p.variableHeader().topicName();
            String body = ByteBufUtil.getBytes(p.content()).length == 0 ? "" : p.content().toString(StandardCharsets.UTF_8);
            if (topic.startsWith("$iothub/twin/GET/")) {
                String rid = Topics.param(topic.substring(topic.indexOf('?')), "$rid");
                answer(ctx, "$iothub/twin/res/200/?$rid=" + rid, "{\"desired\":{\"$version\":1},\"reported\":{\"$version\":1}}");
            } else if (topic.startsWith("$iothub/twin/PATCH/properties/reported/")) {
                reported.add(body);
                String rid = Topics.param(topic.substring(topic.indexOf('?')), "$rid");
                answer(ctx, "$iothub/twin/res/204/?$rid=" + rid + "&$version=2", "");
            } else if (topic.startsWith("$iothub/methods/res/")) {
                methodResponses.add(topic + " " + body);
            } else if (topic.startsWith("devices/" + deviceId + "/messages/events/")) {
                telemetry.incrementAndGet();
                ctx.writeAndFlush(MqttMessageBuilders.pubAck().packetId(p.variableHeader().packetId()).build());
            }
        }

        private void answer(ChannelHandlerContext ctx, String topic, String body) {
            ctx.writeAndFlush(MqttMessageBuilders.publish().topicName(topic).qos(MqttQoS.AT_MOST_ONCE)
                    .payload(Unpooled.copiedBuffer(body, StandardCharsets.UTF_8)).build());
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (deviceId != null) devices.remove(deviceId, ctx.channel());
        }
    }
}

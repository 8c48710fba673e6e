package dev.iolite.server.testkit;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.mqtt.MqttConnAckMessage;
import io.netty.handler.codec.mqtt.MqttDecoder;
import io.netty.handler.codec.mqtt.MqttEncoder;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageBuilders;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttSubAckMessage;
import io.netty.handler.codec.mqtt.MqttVersion;

import javax.net.ssl.SSLSocket;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A device that speaks MQTT itself, for what the device SDKs never send: Netty's MQTT codec over TLS on the server's
 * MQTT port. One thread reads and decodes; the test writes. It connects and subscribes to method requests.
 */
public final class RawMqttDevice implements AutoCloseable {
    private final SSLSocket socket;
    private final OutputStream out;
    private final EmbeddedChannel encoder = new EmbeddedChannel(MqttEncoder.INSTANCE);
    private final BlockingQueue<MqttMessage> received = new LinkedBlockingQueue<>();
    private final Thread reader;

    /** Connects as {@code deviceId} with {@code password} (a SAS token) and subscribes to method requests. */
    public RawMqttDevice(ServerExtension server, String deviceId, String password) throws Exception {
        this(server.mqttPort(), TestTls.TRUSTSTORE, server.hubHostName(), deviceId, password);
    }

    /** As above, for a server in another process: its MQTT port, truststore and hub host name from its ready.json. */
    public RawMqttDevice(int mqttPort, java.nio.file.Path truststore, String hubHostName, String deviceId, String password) throws Exception {
        socket = (SSLSocket) TestTls.trusting(truststore).getSocketFactory().createSocket("127.0.0.1", mqttPort);
        socket.setSoTimeout(0);
        out = socket.getOutputStream();
        InputStream in = socket.getInputStream();
        EmbeddedChannel decoder = new EmbeddedChannel(new MqttDecoder());
        reader = new Thread(() -> {
            byte[] buf = new byte[8192];
            try {
                for (int n; (n = in.read(buf)) >= 0; ) {
                    decoder.writeInbound(Unpooled.copiedBuffer(buf, 0, n));
                    for (Object m; (m = decoder.readInbound()) != null; ) received.add((MqttMessage) m);
                }
            } catch (java.io.IOException e) {
                // closed
            }
        }, "raw-device-" + deviceId);
        reader.setDaemon(true);
        reader.start();
        send(MqttMessageBuilders.connect().clientId(deviceId).protocolVersion(MqttVersion.MQTT_3_1_1).keepAlive(60)
                .cleanSession(true).username(hubHostName + "/" + deviceId + "/?api-version=2021-04-12")
                .password(password.getBytes(StandardCharsets.UTF_8)).build());
        MqttMessage ack = next();
        assertThat(ack).isInstanceOf(MqttConnAckMessage.class);
        assertThat(((MqttConnAckMessage) ack).variableHeader().connectReturnCode().byteValue()).isZero();
        send(MqttMessageBuilders.subscribe().messageId(1).addSubscription(MqttQoS.AT_MOST_ONCE, "$iothub/methods/POST/#").build());
        assertThat(next()).isInstanceOf(MqttSubAckMessage.class);
    }

    public void send(MqttMessage m) throws Exception {
        encoder.writeOutbound(m);
        for (ByteBuf b; (b = encoder.readOutbound()) != null; ) {
            byte[] bytes = new byte[b.readableBytes()];
            b.readBytes(bytes);
            b.release();
            out.write(bytes);
        }
        out.flush();
    }

    public MqttMessage next() throws InterruptedException {
        MqttMessage m = received.poll(30, TimeUnit.SECONDS);
        assertThat(m).as("a packet from the server within 30 s").isNotNull();
        return m;
    }

    /** The next method request's topic ({@code $iothub/methods/POST/{name}/?$rid={rid}}). */
    public String nextRequest() throws InterruptedException {
        MqttMessage m = next();
        assertThat(m).isInstanceOf(MqttPublishMessage.class);
        MqttPublishMessage p = (MqttPublishMessage) m;
        String topic = p.variableHeader().topicName();
        p.release();
        return topic;
    }

    /** Answers the request of {@code requestTopic} with {@code status} and {@code body} as they are. */
    public void answer(String requestTopic, int status, byte[] body) throws Exception {
        String rid = requestTopic.substring(requestTopic.indexOf("$rid=") + 5);
        send(MqttMessageBuilders.publish().topicName("$iothub/methods/res/" + status + "/?$rid=" + rid)
                .qos(MqttQoS.AT_MOST_ONCE).retained(false).payload(Unpooled.wrappedBuffer(body)).build());
    }

    /** Whether the server closed the connection within {@code wait}. */
    public boolean closedWithin(java.time.Duration wait) throws InterruptedException {
        reader.join(Math.max(1, wait.toMillis()));
        return !reader.isAlive();
    }

    @Override
    public void close() throws Exception {
        socket.close();
        reader.join(5000);
    }
}

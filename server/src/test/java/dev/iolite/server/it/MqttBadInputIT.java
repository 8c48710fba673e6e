package dev.iolite.server.it;

import com.microsoft.azure.sdk.iot.device.DeviceClient;
import dev.iolite.server.auth.SasToken;
import dev.iolite.server.testkit.DeviceSdks;
import dev.iolite.server.testkit.ServerExtension;
import dev.iolite.server.testkit.SqliteOnly;
import dev.iolite.server.testkit.TestTls;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.mqtt.MqttConnectReturnCode;
import io.netty.handler.codec.mqtt.MqttEncoder;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageBuilders;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttVersion;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import javax.net.ssl.SSLSocket;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What IoT Hub refuses on MQTT ends the connection that sent it, and only that one: packets are encoded with
 * Netty's MQTT codec and written on a raw TLS socket, since no SDK sends them.
 */
@SqliteOnly("the MQTT surface refuses these before any store is involved")
class MqttBadInputIT {
    @RegisterExtension
    static final ServerExtension server = new ServerExtension();

    private static String key;

    @BeforeAll
    static void device() throws Exception {
        key = DeviceSdks.register(server, "raw-1");
    }

    @Test
    void garbageEndsTheConnection() throws Exception {
        try (SSLSocket s = socket()) {
            s.getOutputStream().write("GET / HTTP/1.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            assertClosed(s);
        }
    }

    @Test
    void aCredentialOfAnotherDeviceGetsNotAuthorized() throws Exception {
        DeviceSdks.register(server, "raw-2");
        try (SSLSocket s = socket()) {
            write(s, connect("raw-2", token("raw-1")));
            assertThat(connackCode(s.getInputStream())).isEqualTo(MqttConnectReturnCode.CONNECTION_REFUSED_NOT_AUTHORIZED.byteValue());
            assertClosed(s);
        }
    }

    @Test
    void anUnknownTopicQos2AndAnotherDevicesTopicEachEndTheirConnection() throws Exception {
        String otherKey = DeviceSdks.register(server, "bystander");
        DeviceClient bystander = DeviceSdks.open(DeviceSdks.connectionString(server, "bystander", otherKey));
        try {
            bystander.subscribeToDesiredProperties((t, c) -> { }, null);
            MqttMessage[] offences = {
                MqttMessageBuilders.publish().topicName("devices/raw-1/nowhere").qos(MqttQoS.AT_MOST_ONCE)
                        .payload(Unpooled.wrappedBuffer(new byte[] {1})).build(),
                MqttMessageBuilders.publish().topicName("devices/raw-1/messages/events/").qos(MqttQoS.EXACTLY_ONCE).messageId(7)
                        .payload(Unpooled.wrappedBuffer(new byte[] {1})).build(),
                MqttMessageBuilders.subscribe().addSubscription(MqttQoS.AT_LEAST_ONCE, "devices/raw-2/messages/devicebound/#")
                        .messageId(8).build(),
                MqttMessageBuilders.publish().topicName("devices/raw-2/messages/events/").qos(MqttQoS.AT_MOST_ONCE)
                        .payload(Unpooled.wrappedBuffer(new byte[] {1})).build(),
            };
            for (MqttMessage offence : offences) {
                try (SSLSocket s = socket()) {
                    write(s, connect("raw-1", token("raw-1")));
                    assertThat(connackCode(s.getInputStream())).isEqualTo((byte) 0);
                    write(s, offence);
                    assertClosed(s);
                }
            }
            // another device's connection saw nothing of it
            assertThat(DeviceSdks.twin(bystander)).isNotNull();
        } finally {
            bystander.close();
        }
    }

    @Test
    void aConnectionThatNeverSendsConnectIsNotAnsweredAndOthersCarryOn() throws Exception {
        try (SSLSocket idle = socket()) {
            idle.startHandshake();
            try (SSLSocket s = socket()) {
                write(s, connect("raw-1", token("raw-1")));
                assertThat(connackCode(s.getInputStream())).isEqualTo((byte) 0);
            }
        }
    }

    private static String token(String deviceId) {
        return SasToken.createFor(server.hubHostName() + "/devices/" + deviceId, null, key, Instant.now().plusSeconds(600));
    }

    private static MqttMessage connect(String clientId, String password) {
        return MqttMessageBuilders.connect().clientId(clientId).protocolVersion(MqttVersion.MQTT_3_1_1)
                .username(server.hubHostName() + "/" + clientId + "/?api-version=2021-04-12").hasUser(true)
                .password(password.getBytes(StandardCharsets.UTF_8)).hasPassword(true).keepAlive(60).cleanSession(true).build();
    }

    private static SSLSocket socket() throws IOException {
        SSLSocket s = (SSLSocket) TestTls.trusting(TestTls.TRUSTSTORE).getSocketFactory().createSocket("127.0.0.1", server.mqttPort());
        s.setSoTimeout(10_000);
        return s;
    }

    private static void write(SSLSocket s, MqttMessage m) throws IOException {
        EmbeddedChannel ch = new EmbeddedChannel(MqttEncoder.INSTANCE);
        ch.writeOutbound(m);
        OutputStream out = s.getOutputStream();
        for (ByteBuf b = ch.readOutbound(); b != null; b = ch.readOutbound()) {
            byte[] bytes = new byte[b.readableBytes()];
            b.readBytes(bytes);
            b.release();
            out.write(bytes);
        }
        out.flush();
    }

    /** The return code of the CONNACK that must come first (fixed header 0x20 0x02, flags, code). */
    private static byte connackCode(InputStream in) throws IOException {
        byte[] ack = in.readNBytes(4);
        assertThat(ack).hasSize(4);
        assertThat(ack[0]).isEqualTo((byte) 0x20);
        return ack[3];
    }

    private static void assertClosed(SSLSocket s) {
        try {
            InputStream in = s.getInputStream();
            int n;
            do {
                n = in.read(new byte[256]);
            } while (n > 0);
            assertThat(n).isEqualTo(-1);
        } catch (java.net.SocketTimeoutException e) {
            throw new AssertionError("the connection was still open after 10 s", e);
        } catch (IOException e) {
            // a reset is a close as well
        }
    }
}

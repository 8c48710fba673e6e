package dev.iolite.server.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.microsoft.azure.sdk.iot.device.DeviceClient;
import com.microsoft.azure.sdk.iot.device.IotHubClientProtocol;
import com.microsoft.azure.sdk.iot.device.IotHubMessageResult;
import com.microsoft.azure.sdk.iot.device.Message;
import com.microsoft.azure.sdk.iot.service.exceptions.IotHubMessageTooLargeException;
import com.microsoft.azure.sdk.iot.service.exceptions.IotHubNotFoundException;
import com.microsoft.azure.sdk.iot.service.messaging.AcknowledgementType;
import com.microsoft.azure.sdk.iot.service.messaging.DeliveryAcknowledgement;
import com.microsoft.azure.sdk.iot.service.messaging.FeedbackRecord;
import com.microsoft.azure.sdk.iot.service.messaging.FeedbackStatusCode;
import com.microsoft.azure.sdk.iot.service.messaging.IotHubServiceClientProtocol;
import com.microsoft.azure.sdk.iot.service.messaging.MessageFeedbackProcessorClient;
import com.microsoft.azure.sdk.iot.service.messaging.MessageFeedbackProcessorClientOptions;
import com.microsoft.azure.sdk.iot.service.messaging.MessagingClient;
import com.microsoft.azure.sdk.iot.service.messaging.MessagingClientOptions;
import dev.iolite.server.testkit.DeviceSdks;
import dev.iolite.server.testkit.TestTls;
import dev.iolite.server.testkit.RawMqttDevice;
import io.netty.handler.codec.mqtt.MqttMessageBuilders;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttSubAckMessage;
import dev.iolite.server.testkit.ServerExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Cloud-to-device messages over HTTPS (the route {@code iolite device send} uses, and IoT Hub's purge) received by the
 * official Java device SDK over MQTT, with IoT Hub's queue rules; and the official Java service SDK's messaging
 * and feedback clients over AMQP.
 */
class CloudMessagesIT {
    /** The Java device SDK dials 8883 and the service SDK 5671: this server holds IoT Hub's ports. */
    @RegisterExtension
    static final ServerExtension server = new ServerExtension(c -> c.withDevices(c.devices().withMqttPort(8883).withAmqpPort(5671)));

    private static HttpResponse<String> send(String deviceId, String json) throws Exception {
        return server.send("POST", "/iolite/devices/" + deviceId + "/messages" + DeviceSdks.API, server.ownerSas(), json);
    }

    private static DeviceClient receiving(String deviceId, String key, List<Message> into) throws Exception {
        DeviceClient c = new DeviceClient(DeviceSdks.loopbackConnectionString(deviceId, key), IotHubClientProtocol.MQTT,
                DeviceSdks.trusting());
        c.setMessageCallback((m, context) -> {
            into.add(m);
            return IotHubMessageResult.COMPLETE;
        }, null);
        c.open(false);
        return c;
    }

    private static void await(List<?> list, int size) throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (list.size() < size && System.nanoTime() < deadline) Thread.sleep(20);
    }

    @Test
    void aMessageReachesTheDeviceWithItsPropertiesAndLeavesTheQueueOnceAcknowledged() throws Exception {
        String key = DeviceSdks.register(server, "lamp-1");
        HttpResponse<String> sent = send("lamp-1", "{\"body\":\"on\",\"messageId\":\"m-1\",\"correlationId\":\"c-1\","
                + "\"contentType\":\"text/plain\",\"ack\":\"full\",\"properties\":{\"level\":\"3\",\"room\":\"hall way\"}}");
        assertThat(sent.statusCode()).as(sent.body()).isEqualTo(200);
        assertThat(ServerExtension.JSON.readTree(sent.body()).get("ack").asText()).isEqualTo("full");

        List<Message> got = new CopyOnWriteArrayList<>();
        DeviceClient device = receiving("lamp-1", key, got);
        try {
            await(got, 1);
            assertThat(got).hasSize(1);
            Message m = got.get(0);
            assertThat(new String(m.getBytes(), StandardCharsets.UTF_8)).isEqualTo("on");
            assertThat(m.getMessageId()).isEqualTo("m-1");
            assertThat(m.getCorrelationId()).isEqualTo("c-1");
            assertThat(m.getProperty("level")).isEqualTo("3");
            assertThat(m.getProperty("room")).isEqualTo("hall way");

            // a message sent while the device is connected arrives at once, and each arrives once
            assertThat(send("lamp-1", "{\"body\":\"off\"}").statusCode()).isEqualTo(200);
            await(got, 2);
            Thread.sleep(300);
            assertThat(got).extracting(x -> new String(x.getBytes(), StandardCharsets.UTF_8)).containsExactly("on", "off");
        } finally {
            device.close();
        }
        // acknowledged: nothing is left to purge
        JsonNode purged = ServerExtension.JSON.readTree(server.send("DELETE", "/devices/lamp-1/commands" + DeviceSdks.API,
                server.ownerSas(), null).body());
        assertThat(purged.get("totalMessagesPurged").asInt()).isZero();
    }

    /** The service SDK's connection string: HostName 127.0.0.1 (it dials 5671 there) reaches the default hub. */
    private static String serviceConnectionString() {
        return "HostName=127.0.0.1;SharedAccessKeyName=iothubowner;SharedAccessKey=" + server.ownerKey();
    }

    private static void awaitRecord(List<FeedbackRecord> records, String messageId) throws InterruptedException {
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (records.stream().noneMatch(r -> messageId.equals(r.getOriginalMessageId())) && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
    }

    @Test
    void theServiceSdkSendsOverAmqpTheDeviceSdkReceivesAndTheFeedbackReceiverHearsSuccessAndExpiry() throws Exception {
        String key = DeviceSdks.register(server, "bulb-1");
        DeviceSdks.register(server, "bulb-2");
        MessagingClient sender = new MessagingClient(serviceConnectionString(), IotHubServiceClientProtocol.AMQPS,
                MessagingClientOptions.builder().sslContext(TestTls.trusting(TestTls.TRUSTSTORE)).build());
        List<FeedbackRecord> feedback = new CopyOnWriteArrayList<>();
        MessageFeedbackProcessorClient receiver = new MessageFeedbackProcessorClient(serviceConnectionString(),
                IotHubServiceClientProtocol.AMQPS, batch -> {
                    feedback.addAll(batch.getRecords());
                    return AcknowledgementType.COMPLETE;
                }, MessageFeedbackProcessorClientOptions.builder().sslContext(TestTls.trusting(TestTls.TRUSTSTORE)).build());
        List<Message> got = new CopyOnWriteArrayList<>();
        DeviceClient device = receiving("bulb-1", key, got);
        sender.open();
        receiver.start();
        try {
            com.microsoft.azure.sdk.iot.service.messaging.Message m = new com.microsoft.azure.sdk.iot.service.messaging.Message("dim to 40");
            m.setMessageId("ok-1");
            m.setDeliveryAcknowledgement(DeliveryAcknowledgement.Full);
            m.getProperties().put("level", "40");
            sender.send("bulb-1", m);
            await(got, 1);
            assertThat(got).extracting(x -> new String(x.getBytes(), StandardCharsets.UTF_8)).containsExactly("dim to 40");
            assertThat(got.get(0).getMessageId()).isEqualTo("ok-1");
            assertThat(got.get(0).getProperty("level")).isEqualTo("40");
            awaitRecord(feedback, "ok-1");
            assertThat(feedback).filteredOn(r -> "ok-1".equals(r.getOriginalMessageId())).singleElement()
                    .satisfies(r -> {
                        assertThat(r.getStatusCode()).isEqualTo(FeedbackStatusCode.success);
                        assertThat(r.getDeviceId()).isEqualTo("bulb-1");
                    });

            // bulb-2 is away: its message expires, and the sweep tells the feedback receiver
            com.microsoft.azure.sdk.iot.service.messaging.Message late = new com.microsoft.azure.sdk.iot.service.messaging.Message("too late");
            late.setMessageId("exp-1");
            late.setDeliveryAcknowledgement(DeliveryAcknowledgement.NegativeOnly);
            late.setExpiryTimeUtc(new java.util.Date(System.currentTimeMillis() + 1000));
            sender.send("bulb-2", late);
            Thread.sleep(1200);
            server.iolite().cloudMessages().sweepNow();
            awaitRecord(feedback, "exp-1");
            assertThat(feedback).filteredOn(r -> "exp-1".equals(r.getOriginalMessageId())).singleElement()
                    .satisfies(r -> assertThat(r.getStatusCode()).isEqualTo(FeedbackStatusCode.expired));

            // a message over 64 KiB is refused as IoT Hub refuses it, and the link goes on
            assertThatThrownBy(() -> sender.send("bulb-2", new com.microsoft.azure.sdk.iot.service.messaging.Message("x".repeat(70 * 1024))))
                    .isInstanceOf(IotHubMessageTooLargeException.class);

            // a device that does not exist: IoT Hub's not-found
            assertThatThrownBy(() -> sender.send("nobody", new com.microsoft.azure.sdk.iot.service.messaging.Message("x")))
                    .isInstanceOf(IotHubNotFoundException.class);
        } finally {
            receiver.stop();
            sender.close();
            device.close();
        }
    }

    @Test
    void aMessageNotAcknowledgedIsDeliveredAgainOnTheNextConnection() throws Exception {
        String key = DeviceSdks.register(server, "lamp-4");
        assertThat(send("lamp-4", "{\"body\":\"again\",\"messageId\":\"m-4\"}").statusCode()).isEqualTo(200);
        String token = dev.iolite.server.auth.SasToken.createFor(server.hubHostName() + "/devices/lamp-4", null, key,
                java.time.Instant.now().plusSeconds(3600));
        for (int connection = 0; connection < 2; connection++) {
            try (RawMqttDevice raw = new RawMqttDevice(server, "lamp-4", token)) {
                raw.send(MqttMessageBuilders.subscribe().messageId(2).addSubscription(MqttQoS.AT_LEAST_ONCE,
                        "devices/lamp-4/messages/devicebound/#").build());
                assertThat(raw.next()).isInstanceOf(MqttSubAckMessage.class);
                MqttPublishMessage p = (MqttPublishMessage) raw.next();
                assertThat(p.variableHeader().topicName()).startsWith("devices/lamp-4/messages/devicebound/").contains("%24.mid=m-4")
                        .contains("%24.to=%2Fdevices%2Flamp-4%2Fmessages%2Fdevicebound");
                assertThat(p.fixedHeader().qosLevel()).isEqualTo(MqttQoS.AT_LEAST_ONCE);
                p.release();
                if (connection == 1) {  // acknowledged the second time: then it is gone
                    raw.send(MqttMessageBuilders.pubAck().packetId(p.variableHeader().packetId()).build());
                    Thread.sleep(500);
                }
            }
        }
        JsonNode purged = ServerExtension.JSON.readTree(server.send("DELETE", "/devices/lamp-4/commands" + DeviceSdks.API,
                server.ownerSas(), null).body());
        assertThat(purged.get("totalMessagesPurged").asInt()).isZero();
    }

    @Test
    void purgeEmptiesTheQueueOfADeviceThatIsAway() throws Exception {
        String key = DeviceSdks.register(server, "lamp-2");
        for (int i = 0; i < 3; i++) assertThat(send("lamp-2", "{\"body\":\"x" + i + "\"}").statusCode()).isEqualTo(200);
        HttpResponse<String> r = server.send("DELETE", "/devices/lamp-2/commands" + DeviceSdks.API, server.ownerSas(), null);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode purged = ServerExtension.JSON.readTree(r.body());
        assertThat(purged.get("deviceId").asText()).isEqualTo("lamp-2");
        assertThat(purged.get("totalMessagesPurged").asInt()).isEqualTo(3);

        List<Message> got = new CopyOnWriteArrayList<>();
        DeviceClient device = receiving("lamp-2", key, got);
        try {
            Thread.sleep(700);
            assertThat(got).isEmpty();
        } finally {
            device.close();
        }
        assertThat(server.send("DELETE", "/devices/nobody/commands" + DeviceSdks.API, server.ownerSas(), null).statusCode())
                .isEqualTo(404);
    }

    @Test
    void iotHubsQueueRulesRefuseWhatTheyMustAndTakeNothingThen() throws Exception {
        DeviceSdks.register(server, "lamp-3");
        for (int i = 0; i < 50; i++) assertThat(send("lamp-3", "{\"body\":\"" + i + "\"}").statusCode()).isEqualTo(200);
        HttpResponse<String> full = send("lamp-3", "{\"body\":\"one too many\"}");
        assertThat(full.statusCode()).isEqualTo(403);
        assertThat(ServerExtension.hubError(full).get("errorCode").asInt()).isEqualTo(403004);

        HttpResponse<String> big = send("lamp-3", "{\"body\":\"" + "x".repeat(65 * 1024) + "\"}");
        assertThat(big.statusCode()).isEqualTo(413);
        HttpResponse<String> badAck = send("lamp-3", "{\"body\":\"x\",\"ack\":\"sometimes\"}");
        assertThat(badAck.statusCode()).isEqualTo(400);
        HttpResponse<String> notJson = send("lamp-3", "{\"body\":\"x\"");
        assertThat(notJson.statusCode()).isEqualTo(400);
        assertThat(ServerExtension.hubError(notJson).get("errorCode").asInt()).isEqualTo(400006);
        HttpResponse<String> nobody = send("nobody", "{\"body\":\"x\"}");
        assertThat(nobody.statusCode()).isEqualTo(404);
        assertThat(ServerExtension.hubError(nobody).get("errorCode").asInt()).isEqualTo(404001);

        JsonNode purged = ServerExtension.JSON.readTree(server.send("DELETE", "/devices/lamp-3/commands" + DeviceSdks.API,
                server.ownerSas(), null).body());
        assertThat(purged.get("totalMessagesPurged").asInt()).isEqualTo(50);
    }
}

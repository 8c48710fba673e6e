package dev.iolite.server.it;

import com.microsoft.azure.sdk.iot.device.DeviceClient;
import com.microsoft.azure.sdk.iot.device.transport.IotHubConnectionStatus;
import com.microsoft.azure.sdk.iot.device.twin.DirectMethodResponse;
import com.microsoft.azure.sdk.iot.device.twin.TwinCollection;
import dev.iolite.server.auth.SasToken;
import dev.iolite.server.devices.RemoteMethods;
import dev.iolite.server.registry.DeviceKey;
import dev.iolite.server.store.StoreUrl;
import dev.iolite.server.testkit.DeviceSdks;
import dev.iolite.server.testkit.EventHubs;
import dev.iolite.server.testkit.Postgres;
import dev.iolite.server.testkit.PostgresqlOnly;
import dev.iolite.server.testkit.RawMqttDevice;
import dev.iolite.server.testkit.ServerExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static dev.iolite.server.testkit.DeviceSdks.API;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two nodes on one PostgreSQL database: a device connected to node A is reached by what arrives at node B (a
 * desired patch, small or past NOTIFY's 8000 bytes, a disable, a direct method), through the store alone.
 */
@PostgresqlOnly("several nodes share one store only on PostgreSQL")
class ClusterDevicesIT {
    private static StoreUrl shared;

    private static synchronized StoreUrl shared() {
        if (shared == null) shared = StoreUrl.parse(Postgres.get().newDatabase());
        return shared;
    }

    @RegisterExtension
    static final ServerExtension nodeA = new ServerExtension(c -> c.withStore(shared()));
    @RegisterExtension
    static final ServerExtension nodeB = new ServerExtension(c -> c.withStore(shared()));

    @Test
    void desiredPatchesSentToNodeBReachTheDeviceOnNodeA() throws Exception {
        String key = DeviceSdks.register(nodeB, "far-desired");
        DeviceClient device = DeviceSdks.open(DeviceSdks.connectionString(nodeA, "far-desired", key));
        BlockingQueue<TwinCollection> patches = new ArrayBlockingQueue<>(10);
        try {
            device.subscribeToDesiredProperties((twin, context) -> patches.add(twin.getDesiredProperties()), null);
            patches.clear();
            HttpResponse<String> r = nodeB.send("PATCH", "/twins/far-desired" + API, nodeB.ownerSas(),
                    "{\"properties\":{\"desired\":{\"target\":22}}}");
            assertThat(r.statusCode()).isEqualTo(200);
            TwinCollection patch = patches.poll(10, TimeUnit.SECONDS);
            assertThat(patch).as("the patch through node B within 10 s").isNotNull();
            assertThat(patch.get("target").toString()).startsWith("22");

            // WHEN a patch larger than a NOTIFY payload may be
            String big = "x".repeat(3000);  // a value holds at most 4 KB; three make a patch past 8000 bytes
            r = nodeB.send("PATCH", "/twins/far-desired" + API, nodeB.ownerSas(),
                    "{\"properties\":{\"desired\":{\"big1\":\"" + big + "\",\"big2\":\"" + big + "\",\"big3\":\"" + big + "\"}}}");
            assertThat(r.statusCode()).isEqualTo(200);
            // THEN it crosses too
            patch = patches.poll(10, TimeUnit.SECONDS);
            assertThat(patch).as("the large patch through node B within 10 s").isNotNull();
            assertThat(patch.get("big1")).isEqualTo(big);
            assertThat(patch.get("big3")).isEqualTo(big);
        } finally {
            device.close();
        }
    }

    @Test
    void aDisableAtNodeBDisconnectsTheDeviceFromNodeA() throws Exception {
        String key = DeviceSdks.register(nodeA, "far-disabled");
        DeviceClient device = DeviceSdks.open(DeviceSdks.connectionString(nodeA, "far-disabled", key));
        BlockingQueue<IotHubConnectionStatus> statuses = new ArrayBlockingQueue<>(20);
        device.setConnectionStatusChangeCallback(c -> statuses.add(c.getNewStatus()), null);
        try {
            HttpResponse<String> r = nodeB.send("PUT", "/devices/far-disabled" + API, nodeB.ownerSas(),
                    "{\"deviceId\":\"far-disabled\",\"status\":\"disabled\"}", "If-Match", "*");
            assertThat(r.statusCode()).isEqualTo(200);
            IotHubConnectionStatus s = statuses.poll(10, TimeUnit.SECONDS);
            assertThat(s).as("a status change within 10 s").isNotNull().isNotEqualTo(IotHubConnectionStatus.CONNECTED);
        } finally {
            device.close();
        }
    }

    @Test
    void aMethodCalledAtNodeBIsAnsweredByTheDeviceOnNodeA() throws Exception {
        String key = DeviceSdks.register(nodeB, "far-method");
        DeviceClient device = DeviceSdks.open(DeviceSdks.connectionString(nodeA, "far-method", key));
        try {
            device.subscribeToMethods((name, payload, context) ->
                    new DirectMethodResponse(201, "{\"echo\":" + payload.getPayloadAsJsonString() + ",\"method\":\"" + name + "\"}"), null);
            // through node B's hub API, as the service SDKs call it
            HttpResponse<String> r = nodeB.send("POST", "/twins/far-method/methods" + API, nodeB.ownerSas(),
                    "{\"methodName\":\"reboot\",\"payload\":{\"delay\":5},\"responseTimeoutInSeconds\":10}");
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            com.fasterxml.jackson.databind.JsonNode result = ServerExtension.JSON.readTree(r.body());
            assertThat(result.path("status").asInt()).isEqualTo(201);
            com.fasterxml.jackson.databind.JsonNode answer = result.path("payload");
            // the SDK sends a String payload as a JSON string
            if (answer.isTextual()) answer = ServerExtension.JSON.readTree(answer.asText());
            assertThat(answer.path("echo").path("delay").asInt()).as(r.body()).isEqualTo(5);
            assertThat(answer.path("method").asText()).isEqualTo("reboot");
            // and through the bus directly
            RemoteMethods.Outcome o = nodeB.iolite().remoteMethods().invoke(nodeB.iolite().hubName(), DeviceKey.device("far-method"),
                    "reboot", "{\"delay\":5}", Duration.ZERO, Duration.ofSeconds(10)).get(20, TimeUnit.SECONDS);
            assertThat(o).isInstanceOf(RemoteMethods.Answered.class);
            assertThat(new String(((RemoteMethods.Answered) o).payload(), StandardCharsets.UTF_8)).contains("reboot");
        } finally {
            device.close();
        }
    }

    @Test
    void aDeviceThatConnectsToNodeBIsCutFromNodeA() throws Exception {
        String key = DeviceSdks.register(nodeA, "far-moved");
        String token = SasToken.createFor(nodeA.hubHostName() + "/devices/far-moved", null, key, Instant.now().plusSeconds(3600));
        try (RawMqttDevice atA = new RawMqttDevice(nodeA, "far-moved", token)) {
            // WHEN the device connects again, to node B
            try (RawMqttDevice atB = new RawMqttDevice(nodeB, "far-moved", token)) {
                // THEN node A closes its older connection, as IoT Hub closes the first of two with one client id
                assertThat(atA.closedWithin(Duration.ofSeconds(10))).as("node A's connection closed within 10 s").isTrue();
                assertThat(atB.closedWithin(Duration.ofMillis(500))).as("node B's connection stays").isFalse();
                // AND a method called at node A reaches the device at node B
                CompletableFuture<HttpResponse<String>> call = CompletableFuture.supplyAsync(() -> {
                    try {
                        return nodeA.send("POST", "/twins/far-moved/methods" + API, nodeA.ownerSas(),
                                "{\"methodName\":\"where\",\"responseTimeoutInSeconds\":10}");
                    } catch (Exception e) {
                        throw new java.util.concurrent.CompletionException(e);
                    }
                });
                atB.answer(atB.nextRequest(), 200, "{\"at\":\"b\"}".getBytes(StandardCharsets.UTF_8));
                HttpResponse<String> r = call.get(20, TimeUnit.SECONDS);
                assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
                assertThat(ServerExtension.JSON.readTree(r.body()).at("/payload/at").asText()).isEqualTo("b");
                HttpResponse<String> d = nodeA.send("GET", "/devices/far-moved" + API, nodeA.ownerSas(), null);
                assertThat(ServerExtension.JSON.readTree(d.body()).path("connectionState").asText()).as(d.body()).isEqualTo("Connected");
            }
        }
    }

    @Test
    void aMethodForADeviceConnectedNowhereIsNotOnlineWithinTheBound() throws Exception {
        DeviceSdks.register(nodeB, "far-nowhere");
        long started = System.nanoTime();
        RemoteMethods.Outcome o = nodeB.iolite().remoteMethods().invoke(nodeB.iolite().hubName(), DeviceKey.device("far-nowhere"),
                "reboot", null, Duration.ZERO, Duration.ofSeconds(10)).get(10, TimeUnit.SECONDS);
        assertThat(o).isInstanceOf(RemoteMethods.NotOnline.class);
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(5));
        HttpResponse<String> r = nodeB.send("POST", "/twins/far-nowhere/methods" + API, nodeB.ownerSas(),
                "{\"methodName\":\"reboot\",\"responseTimeoutInSeconds\":10}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(404);
        assertThat(ServerExtension.hubError(r).path("errorCode").asInt()).isEqualTo(404103);
    }

    @Test
    void aCloudMessageSentAtNodeBReachesTheDeviceOnNodeA() throws Exception {
        String key = DeviceSdks.register(nodeA, "far-inbox");
        String token = SasToken.createFor(nodeA.hubHostName() + "/devices/far-inbox", null, key, Instant.now().plusSeconds(3600));
        try (RawMqttDevice device = new RawMqttDevice(nodeA, "far-inbox", token)) {
            device.send(io.netty.handler.codec.mqtt.MqttMessageBuilders.subscribe().messageId(2)
                    .addSubscription(io.netty.handler.codec.mqtt.MqttQoS.AT_LEAST_ONCE, "devices/far-inbox/messages/devicebound/#").build());
            assertThat(device.next()).isInstanceOf(io.netty.handler.codec.mqtt.MqttSubAckMessage.class);
            HttpResponse<String> r = nodeB.send("POST", "/iolite/devices/far-inbox/messages" + API, nodeB.ownerSas(),
                    "{\"body\":\"from b\",\"messageId\":\"far-1\"}");
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            io.netty.handler.codec.mqtt.MqttPublishMessage p = (io.netty.handler.codec.mqtt.MqttPublishMessage) device.next();
            assertThat(p.variableHeader().topicName()).contains("%24.mid=far-1");
            assertThat(p.payload().toString(java.nio.charset.StandardCharsets.UTF_8)).isEqualTo("from b");
            p.release();
        }
    }

    @Test
    void telemetrySentToNodeAIsReadAsEventsAtNodeB() throws Exception {
        String key = DeviceSdks.register(nodeA, "far-events");
        DeviceClient device = DeviceSdks.open(DeviceSdks.connectionString(nodeA, "far-events", key));
        try {
            device.sendEvent(new com.microsoft.azure.sdk.iot.device.Message("seen at b"));
        } finally {
            device.close();
        }
        com.azure.messaging.eventhubs.EventHubConsumerClient consumer = EventHubs.consumer(EventHubs.connectionString(nodeB), "$Default");
        try {
            String partition = Integer.toString(dev.iolite.server.messages.Partitions.of("far-events", 4));
            java.util.List<String> bodies = new java.util.ArrayList<>();
            for (com.azure.messaging.eventhubs.models.PartitionEvent e : consumer.receiveFromPartition(partition, 100,
                    com.azure.messaging.eventhubs.models.EventPosition.earliest(), java.time.Duration.ofSeconds(3))) {
                if ("far-events".equals(e.getData().getSystemProperties().get("iothub-connection-device-id"))) bodies.add(e.getData().getBodyAsString());
            }
            assertThat(bodies).containsExactly("seen at b");
        } finally {
            consumer.close();
        }
    }
}

package dev.iolite.cli.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.microsoft.azure.sdk.iot.device.ClientOptions;
import com.microsoft.azure.sdk.iot.device.DeviceClient;
import com.microsoft.azure.sdk.iot.device.IotHubClientProtocol;
import com.microsoft.azure.sdk.iot.device.Message;
import com.microsoft.azure.sdk.iot.device.twin.DirectMethodResponse;
import dev.iolite.server.auth.SasToken;
import dev.iolite.server.testkit.Postgres;
import dev.iolite.server.testkit.RawMqttDevice;
import io.netty.handler.codec.mqtt.MqttMessageBuilders;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttSubAckMessage;
import dev.iolite.server.testkit.PostgresqlOnly;
import dev.iolite.server.testkit.ServerExtension;
import dev.iolite.server.testkit.TestTls;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Server processes killed (SIGKILL) under connected devices: a QoS 1 message the server acknowledged is never
 * lost, and on several nodes a device whose node died connects to another and is reached there.
 */
class DeviceCrashIT {
    private static final Path JAR = Path.of("target/iolite.jar").toAbsolutePath();
    private static final String API = "?api-version=2021-04-12";

    @TempDir
    Path tmp;

    private final List<Node> nodes = new ArrayList<>();
    private String store;

    @AfterEach
    void noServerOutlivesTheTest() {
        for (Node n : nodes) if (n.process.isAlive()) n.process.destroyForcibly();
    }

    private final class Node {
        final Process process;
        final JsonNode ready;
        final HttpClient http;
        final String sas;

        Node(Path data, String log) throws Exception {
            Files.deleteIfExists(data.resolve("ready.json"));
            ProcessBuilder pb = new ProcessBuilder("java", "-Xmx512m", "-jar", JAR.toString(), "serve", "--data-dir",
                    data.toString(), "--port", "0").redirectErrorStream(true).redirectOutput(tmp.resolve(log).toFile());
            if (store != null) pb.environment().put("IOLITE_STORE", store);
            process = pb.start();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!Files.exists(data.resolve("ready.json"))) {
                if (!process.isAlive()) throw new AssertionError(Files.readString(tmp.resolve(log)));
                assertThat(System.nanoTime()).as("server ready").isLessThan(deadline);
                Thread.sleep(50);
            }
            ready = ServerExtension.JSON.readTree(data.resolve("ready.json").toFile());
            http = HttpClient.newBuilder().sslContext(TestTls.trusting(Path.of(ready.get("truststore").asText()))).build();
            String conn = ready.get("connectionString").asText();
            sas = SasToken.create(ready.get("hubHostName").asText(), "iothubowner",
                    conn.substring(conn.indexOf("SharedAccessKey=") + 16), Instant.now().plusSeconds(3600));
            nodes.add(this);
        }

        HttpResponse<String> send(String method, String path, String body) throws Exception {
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(ready.get("url").asText() + path))
                    .timeout(Duration.ofSeconds(60)).header("Authorization", sas)
                    .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
            if (body != null) b.header("Content-Type", "application/json");
            return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        }

        String register(String deviceId) throws Exception {
            HttpResponse<String> r = send("PUT", "/devices/" + deviceId + API, "{\"deviceId\":\"" + deviceId + "\"}");
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            return ServerExtension.JSON.readTree(r.body()).path("authentication").path("symmetricKey").path("primaryKey").asText();
        }

        DeviceClient connect(String deviceId, String key) throws Exception {
            String cs = "HostName=" + ready.get("hubHostName").asText() + ";DeviceId=" + deviceId + ";SharedAccessKey=" + key
                    + ";GatewayHostName=127.0.0.1:" + ready.get("port").asInt();
            DeviceClient c = new DeviceClient(cs, IotHubClientProtocol.MQTT_WS, ClientOptions.builder()
                    .sslContext(TestTls.trusting(Path.of(ready.get("truststore").asText()))).build());
            c.open(false);
            return c;
        }

        void kill() throws Exception {
            process.destroyForcibly();
            assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        }
    }

    @Test
    void everyMessageAcknowledgedAtQos1OutlivesASigkill() throws Exception {
        if (Postgres.SELECTED) store = Postgres.get().newDatabase();
        Path data = tmp.resolve("data");
        Node server = new Node(data, "first.log");
        String key = server.register("crash-sender");
        DeviceClient device = server.connect("crash-sender", key);
        Set<String> acknowledged = ConcurrentHashMap.newKeySet();
        try {
            for (int i = 0; i < 5_000 && acknowledged.size() < 400; i++) {
                Message m = new Message(("{\"i\":" + i + "}").getBytes(StandardCharsets.UTF_8));
                String id = "m-" + i;
                m.setMessageId(id);
                m.setProperty("seq", Integer.toString(i));
                device.sendEventAsync(m, (sent, e, context) -> {
                    if (e == null) acknowledged.add(id);
                }, null);
                if (i % 50 == 49) Thread.sleep(20);
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (acknowledged.size() < 400) {
                assertThat(System.nanoTime()).as("400 messages acknowledged").isLessThan(deadline);
                Thread.sleep(20);
            }
            server.kill();  // with messages still in flight
        } finally {
            device.close();
        }
        Set<String> seenAtKill = Set.copyOf(acknowledged);
        Node again = new Node(data, "second.log");
        Set<String> stored = new HashSet<>();
        String cursor = null;
        for (int round = 0; round < 1_000; round++) {
            String q = cursor == null ? "&from=start" : "&cursor=" + URLEncoder.encode(cursor, StandardCharsets.UTF_8);
            HttpResponse<String> r = again.send("GET", "/iolite/messages" + API + q + "&maxItems=1000", null);
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            JsonNode page = ServerExtension.JSON.readTree(r.body());
            cursor = page.path("cursor").asText();
            if (page.path("messages").isEmpty()) break;
            for (JsonNode m : page.path("messages")) stored.add(m.path("systemProperties").path("message-id").asText());
        }
        assertThat(seenAtKill).hasSizeGreaterThanOrEqualTo(400);
        assertThat(stored).containsAll(seenAtKill);
    }

    @Test
    void cloudMessagesAcceptedBeforeASigkillReachTheDeviceAfterIt() throws Exception {
        if (Postgres.SELECTED) store = Postgres.get().newDatabase();
        Path data = tmp.resolve("data");
        Node server = new Node(data, "c2d-first.log");
        String key = server.register("crash-inbox");
        // the first through the command line, the others through the route it calls
        CliProcess.Result sent = CliProcess.run(tmp, "device", "send", "crash-inbox", "--body", "m-0", "--message-id", "m-0",
                "--property", "n=0", "--data-dir", data.toString());
        assertThat(sent.code()).as(sent.toString()).isZero();
        assertThat(sent.out()).contains("m-0");
        Set<String> accepted = new HashSet<>(Set.of("m-0"));
        for (int i = 1; i < 30; i++) {
            HttpResponse<String> r = server.send("POST", "/iolite/devices/crash-inbox/messages" + API,
                    "{\"body\":\"m-" + i + "\",\"messageId\":\"m-" + i + "\"}");
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            accepted.add("m-" + i);
        }
        server.kill();

        Node again = new Node(data, "c2d-second.log");
        String token = SasToken.createFor(again.ready.get("hubHostName").asText() + "/devices/crash-inbox", null, key,
                Instant.now().plusSeconds(3600));
        Set<String> received = new HashSet<>();
        try (RawMqttDevice device = new RawMqttDevice(again.ready.get("mqttPort").asInt(),
                Path.of(again.ready.get("truststore").asText()), again.ready.get("hubHostName").asText(), "crash-inbox", token)) {
            device.send(MqttMessageBuilders.subscribe().messageId(2).addSubscription(MqttQoS.AT_LEAST_ONCE,
                    "devices/crash-inbox/messages/devicebound/#").build());
            assertThat(device.next()).isInstanceOf(MqttSubAckMessage.class);
            while (received.size() < accepted.size()) {
                MqttPublishMessage p = (MqttPublishMessage) device.next();
                received.add(p.payload().toString(StandardCharsets.UTF_8));
                device.send(MqttMessageBuilders.pubAck().packetId(p.variableHeader().packetId()).build());
                p.release();
            }
        }
        assertThat(received).isEqualTo(accepted);

        // the device is away again: what is sent now waits, until the command line purges it
        for (int i = 0; i < 2; i++) {
            assertThat(again.send("POST", "/iolite/devices/crash-inbox/messages" + API, "{\"body\":\"late-" + i + "\"}").statusCode())
                    .isEqualTo(200);
        }
        CliProcess.Result purged = CliProcess.run(tmp, "device", "purge", "crash-inbox", "--data-dir", data.toString());
        assertThat(purged.code()).as(purged.toString()).isZero();
        assertThat(purged.out()).contains("purged 2 messages of device crash-inbox");
        HttpResponse<String> none = again.send("DELETE", "/devices/crash-inbox/commands" + API, null);
        assertThat(ServerExtension.JSON.readTree(none.body()).get("totalMessagesPurged").asInt()).isZero();
    }

    @Test
    @Tag(PostgresqlOnly.TAG)  // several nodes need a shared database
    void aDeviceWhoseNodeDiedConnectsToAnotherAndIsReachedThere() throws Exception {
        store = Postgres.get().newDatabase();
        Node a = new Node(tmp.resolve("a"), "a.log");
        Node b = new Node(tmp.resolve("b"), "b.log");
        String key = a.register("wanderer");
        DeviceClient first = a.connect("wanderer", key);
        try {
            awaitState(b, "wanderer", "Connected");
            a.kill();
        } finally {
            first.close();
        }
        DeviceClient second = b.connect("wanderer", key);
        try {
            second.subscribeToMethods((name, payload, context) -> new DirectMethodResponse(200, "{\"on\":\"b\"}"), null);
            awaitState(b, "wanderer", "Connected");
            HttpResponse<String> r = b.send("POST", "/twins/wanderer/methods" + API,
                    "{\"methodName\":\"where\",\"responseTimeoutInSeconds\":10,\"connectTimeoutInSeconds\":10}");
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            assertThat(r.body()).contains("\"status\":200");
        } finally {
            second.close();
        }
    }

    private static void awaitState(Node n, String deviceId, String state) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (true) {
            HttpResponse<String> r = n.send("GET", "/devices/" + deviceId + API, null);
            if (ServerExtension.JSON.readTree(r.body()).path("connectionState").asText().equals(state)) return;
            assertThat(System.nanoTime()).as(deviceId + " " + state + ": " + r.body()).isLessThan(deadline);
            Thread.sleep(100);
        }
    }
}

package dev.iolite.server.it;

import com.azure.core.credential.AzureSasCredential;
import com.fasterxml.jackson.databind.JsonNode;
import com.microsoft.azure.sdk.iot.device.ClientOptions;
import com.microsoft.azure.sdk.iot.device.DeviceClient;
import com.microsoft.azure.sdk.iot.device.IotHubClientProtocol;
import com.microsoft.azure.sdk.iot.device.ModuleClient;
import com.microsoft.azure.sdk.iot.device.twin.DirectMethodResponse;
import com.microsoft.azure.sdk.iot.service.exceptions.IotHubException;
import com.microsoft.azure.sdk.iot.service.methods.DirectMethodRequestOptions;
import com.microsoft.azure.sdk.iot.service.methods.DirectMethodsClient;
import dev.iolite.server.auth.SasToken;
import dev.iolite.server.testkit.RawMqttDevice;
import dev.iolite.server.testkit.ServerExtension;
import dev.iolite.server.testkit.SqliteOnly;
import dev.iolite.server.testkit.TestTls;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Direct methods end to end: the official Java device SDK over MQTT over WebSockets (on the HTTPS port) subscribes
 * and answers, and the official service SDK's {@code DirectMethodsClient} calls. The device's status and payload
 * come back as it sent them; a device that never answers gives 504101; a call with a connect timeout waits for a
 * device that connects a moment later; a module answers its own methods. And what the SDKs never send, from a
 * device that speaks MQTT itself ({@link RawMqttDevice}): an empty answer is a null payload, one that is not JSON gets
 * the call a 502 (IoT Hub's own service clients fail on it as InvalidResponseWhileProxying), and a device that
 * disconnects before it answers fails the call with 404103 at once.
 */
@SqliteOnly("method calls reach devices through this node's connections, not through the store")
class MethodsDeviceIT {
    @RegisterExtension
    static final ServerExtension server = new ServerExtension();

    private static final String API = "?api-version=2021-04-12";
    private final List<AutoCloseable> closing = new ArrayList<>();

    @AfterEach
    void closeClients() throws Exception {
        for (AutoCloseable c : closing) c.close();
    }

    private static DirectMethodsClient service() {
        return new DirectMethodsClient(server.hostPort(), new AzureSasCredential(server.ownerSas()));
    }

    /** Creates the identity and returns its connection string, with the server as the gateway its SDK dials. */
    private static String identity(String deviceId, String moduleId) throws Exception {
        String path = "/devices/" + deviceId + (moduleId == null ? "" : "/modules/" + moduleId);
        String body = "{\"deviceId\":\"" + deviceId + "\"" + (moduleId == null ? "" : ",\"moduleId\":\"" + moduleId + "\"") + "}";
        HttpResponse<String> r = server.send("PUT", path + API, server.ownerSas(), body);
        assertThat(r.statusCode()).as(r.body()).isIn(200, 201);
        String key = ServerExtension.JSON.readTree(r.body()).at("/authentication/symmetricKey/primaryKey").asText();
        return "HostName=" + server.hubHostName() + ";DeviceId=" + deviceId + (moduleId == null ? "" : ";ModuleId=" + moduleId)
                + ";SharedAccessKey=" + key + ";GatewayHostName=" + server.hostPort();
    }

    private static ClientOptions options() throws Exception {
        return ClientOptions.builder().sslContext(TestTls.trusting(TestTls.TRUSTSTORE)).build();
    }

    private DeviceClient device(String connectionString) throws Exception {
        DeviceClient d = new DeviceClient(connectionString, IotHubClientProtocol.MQTT_WS, options());
        d.open(false);
        closing.add(d::close);
        return d;
    }

    @Test
    void theDevicesStatusAndPayloadComeBackAsItSentThem() throws Exception {
        DeviceClient device = device(identity("answers-1", null));
        CompletableFuture<String> seen = new CompletableFuture<>();
        device.subscribeToMethods((method, data, ctx) -> {
            seen.complete(method + " " + data.getPayloadAsJsonString());
            return new DirectMethodResponse(201, Map.of("echo", data.getPayload(Object.class), "unit", "°C"));
        }, null);

        var r = service().invoke("answers-1", "setPoint", DirectMethodRequestOptions.builder()
                .payload(Map.of("target", 21.5, "modes", List.of("eco", "boost"))).methodConnectTimeoutSeconds(0)
                .methodResponseTimeoutSeconds(30).build());

        assertThat(seen.get(5, TimeUnit.SECONDS)).startsWith("setPoint ").contains("\"target\":21.5").contains("\"boost\"");
        assertThat(r.getStatus()).isEqualTo(201);
        JsonNode payload = ServerExtension.JSON.readTree(r.getPayloadAsJsonString());
        assertThat(payload.at("/echo/target").asDouble()).isEqualTo(21.5);
        assertThat(payload.at("/echo/modes/1").asText()).isEqualTo("boost");
        assertThat(payload.at("/unit").asText()).isEqualTo("°C");

        // the wire form: the device's status in the body, the HTTP status 200, any JSON payload
        HttpResponse<String> raw = server.send("POST", "/twins/answers-1/methods" + API, server.ownerSas(),
                "{\"methodName\":\"ping\",\"payload\":10}");
        assertThat(raw.statusCode()).as(raw.body()).isEqualTo(200);
        JsonNode body = ServerExtension.JSON.readTree(raw.body());
        assertThat(body.get("status").asInt()).isEqualTo(201);
        assertThat(body.at("/payload/echo").asInt()).isEqualTo(10);
    }

    @Test
    void aDeviceThatNeverAnswersGives504101AfterTheResponseTimeout() throws Exception {
        DeviceClient device = device(identity("silent-1", null));
        CountDownLatch release = new CountDownLatch(1);
        closing.add(0, release::countDown);  // let the device's callback go before its client closes
        device.subscribeToMethods((method, data, ctx) -> {
            try {
                release.await(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return new DirectMethodResponse(200, null);
        }, null);

        long started = System.nanoTime();
        assertThatThrownBy(() -> service().invoke("silent-1", "slow", DirectMethodRequestOptions.builder()
                .methodResponseTimeoutSeconds(5).methodConnectTimeoutSeconds(0).build()))
                .isInstanceOfSatisfying(IotHubException.class, e -> assertThat(e.getErrorCode()).isEqualTo(504101));
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started)).isGreaterThanOrEqualTo(4_900);
    }

    @Test
    void aConnectTimeoutWaitsForADeviceThatConnectsAMomentLater() throws Exception {
        String cs = identity("later-1", null);
        CompletableFuture<com.microsoft.azure.sdk.iot.service.methods.DirectMethodResponse> call = CompletableFuture.supplyAsync(() -> {
            try {
                return service().invoke("later-1", "hello", DirectMethodRequestOptions.builder()
                        .payload("hi").methodConnectTimeoutSeconds(60).methodResponseTimeoutSeconds(30).build());
            } catch (Exception e) {
                throw new java.util.concurrent.CompletionException(e);
            }
        });
        Thread.sleep(1000);  // the call is waiting for a device that is not there yet
        assertThat(call).isNotDone();

        DeviceClient device = device(cs);
        device.subscribeToMethods((method, data, ctx) -> new DirectMethodResponse(200, data.getPayload(String.class) + " back"), null);

        var r = call.get(60, TimeUnit.SECONDS);
        assertThat(r.getStatus()).isEqualTo(200);
        assertThat(r.getPayload(String.class)).isEqualTo("hi back");
    }

    @Test
    void aModuleAnswersItsOwnMethodsAndTheDeviceItsOwn() throws Exception {
        String deviceCs = identity("modhost-1", null);
        ModuleClient module = new ModuleClient(identity("modhost-1", "agent"), IotHubClientProtocol.MQTT_WS, options());
        module.open(false);
        closing.add(module::close);
        module.subscribeToMethods((method, data, ctx) -> new DirectMethodResponse(200, Map.of("from", "module", "method", method)), null);

        var r = service().invoke("modhost-1", "agent", "status", DirectMethodRequestOptions.builder()
                .methodConnectTimeoutSeconds(0).methodResponseTimeoutSeconds(30).build());
        assertThat(r.getStatus()).isEqualTo(200);
        assertThat(ServerExtension.JSON.readTree(r.getPayloadAsJsonString()).get("from").asText()).isEqualTo("module");

        // the device itself is not connected: its own call is 404103, whatever its module does
        assertThatThrownBy(() -> service().invoke("modhost-1", "status", DirectMethodRequestOptions.builder()
                .methodConnectTimeoutSeconds(0).methodResponseTimeoutSeconds(5).build()))
                .isInstanceOfSatisfying(IotHubException.class, e -> assertThat(e.getErrorCode()).isEqualTo(404103));
        DeviceClient device = device(deviceCs);
        device.subscribeToMethods((method, data, ctx) -> new DirectMethodResponse(202, Map.of("from", "device")), null);
        var d = service().invoke("modhost-1", "status", DirectMethodRequestOptions.builder()
                .methodConnectTimeoutSeconds(0).methodResponseTimeoutSeconds(30).build());
        assertThat(d.getStatus()).isEqualTo(202);
        assertThat(ServerExtension.JSON.readTree(d.getPayloadAsJsonString()).get("from").asText()).isEqualTo("device");
    }

    // ---- what the device SDKs never send: answers by a device that speaks MQTT itself

    private static RawMqttDevice rawDevice(String deviceId) throws Exception {
        HttpResponse<String> r = server.send("PUT", "/devices/" + deviceId + API, server.ownerSas(), "{\"deviceId\":\"" + deviceId + "\"}");
        String key = ServerExtension.JSON.readTree(r.body()).at("/authentication/symmetricKey/primaryKey").asText();
        String token = SasToken.createFor(server.hubHostName() + "/devices/" + deviceId, null, key, Instant.now().plusSeconds(3600));
        return new RawMqttDevice(server, deviceId, token);
    }

    private static CompletableFuture<HttpResponse<String>> rawCall(String deviceId, String method) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return server.send("POST", "/twins/" + deviceId + "/methods" + API, server.ownerSas(),
                        "{\"methodName\":\"" + method + "\",\"responseTimeoutInSeconds\":30}");
            } catch (Exception e) {
                throw new java.util.concurrent.CompletionException(e);
            }
        });
    }

    @Test
    void anEmptyAnswerIsANullPayloadAndOneThatIsNotJsonIsA502() throws Exception {
        try (RawMqttDevice device = rawDevice("raw-1")) {
            CompletableFuture<HttpResponse<String>> empty = rawCall("raw-1", "ping");
            String topic = device.nextRequest();
            assertThat(topic).startsWith("$iothub/methods/POST/ping/?$rid=");
            device.answer(topic, 204, new byte[0]);
            HttpResponse<String> r = empty.get(30, TimeUnit.SECONDS);
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            JsonNode body = ServerExtension.JSON.readTree(r.body());
            assertThat(body.get("status").asInt()).isEqualTo(204);
            assertThat(body.get("payload").isNull()).isTrue();

            CompletableFuture<HttpResponse<String>> text = rawCall("raw-1", "describe");
            device.answer(device.nextRequest(), 200, "all good".getBytes(StandardCharsets.UTF_8));
            HttpResponse<String> bad = text.get(30, TimeUnit.SECONDS);
            assertThat(bad.statusCode()).as(bad.body()).isEqualTo(502);
            assertThat(bad.headers().firstValue("iothub-errorcode")).contains("GenericBadGateway");
            assertThat(ServerExtension.hubError(bad).get("message").asText()).contains("not JSON").contains("raw-1");

            // an answer to a request id the device was never sent changes nothing; the next call still works
            device.answer("$iothub/methods/POST/x/?$rid=ffffff", 200, "{}".getBytes(StandardCharsets.UTF_8));
            CompletableFuture<HttpResponse<String>> next = rawCall("raw-1", "again");
            device.answer(device.nextRequest(), 200, "[1,\"two\"]".getBytes(StandardCharsets.UTF_8));
            assertThat(ServerExtension.JSON.readTree(next.get(30, TimeUnit.SECONDS).body()).at("/payload/1").asText()).isEqualTo("two");
        }
    }

    @Test
    void aDeviceThatDisconnectsBeforeItAnswersFailsTheCallAt404103AtOnce() throws Exception {
        RawMqttDevice device = rawDevice("raw-2");
        CompletableFuture<HttpResponse<String>> pending = rawCall("raw-2", "longJob");
        device.nextRequest();
        long closed = System.nanoTime();
        device.close();
        HttpResponse<String> r = pending.get(60, TimeUnit.SECONDS);  // its response timeout is 30 s
        assertThat(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - closed)).isLessThan(25);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(404);
        assertThat(ServerExtension.hubError(r).get("errorCode").asInt()).isEqualTo(404103);
        assertThat(ServerExtension.hubError(r).get("message").asText()).contains("disconnected");
    }
}

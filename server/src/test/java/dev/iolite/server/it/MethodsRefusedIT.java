package dev.iolite.server.it;

import com.azure.core.credential.AzureSasCredential;
import com.fasterxml.jackson.databind.JsonNode;
import com.microsoft.azure.sdk.iot.service.exceptions.IotHubException;
import com.microsoft.azure.sdk.iot.service.methods.DirectMethodRequestOptions;
import com.microsoft.azure.sdk.iot.service.methods.DirectMethodsClient;
import dev.iolite.server.auth.SasToken;
import dev.iolite.server.testkit.ServerExtension;
import dev.iolite.server.testkit.SqliteOnly;
import dev.iolite.server.throttle.Sku;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.http.HttpResponse;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Direct method calls that no device sees: IoT Hub's checks of {@code CloudToDeviceMethod} (method names,
 * timeouts, payload size), unknown and disabled identities, a device that is not connected, the right the call
 * needs, and the method throttle of {@code --throttle S1}. Raw HTTPS for what the SDK would not send, and the
 * official service SDK's {@code DirectMethodsClient} for what an application sees.
 */
@SqliteOnly("the checks of a method call read identities through the registry's rules, which do not depend on the store")
class MethodsRefusedIT {
    @RegisterExtension
    static final ServerExtension server = new ServerExtension(c -> c.withThrottle(Sku.parse("S1")));

    private static final String API = "?api-version=2021-04-12";

    private static HttpResponse<String> invoke(String path, String body) throws Exception {
        return invoke(server.ownerSas(), path, body);
    }

    private static HttpResponse<String> invoke(String sas, String path, String body) throws Exception {
        return server.send("POST", path + "/methods" + API, sas, body);
    }

    private static void assertError(HttpResponse<String> r, int code, String name) throws Exception {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(code / 1000);
        assertThat(r.headers().firstValue("iothub-errorcode")).contains(name);
        assertThat(ServerExtension.hubError(r).get("errorCode").asInt()).isEqualTo(code);
    }

    private static void createDevice(String id, String status) throws Exception {
        HttpResponse<String> r = server.send("PUT", "/devices/" + id + API, server.ownerSas(),
                "{\"deviceId\":\"" + id + "\",\"status\":\"" + status + "\"}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    }

    @Test
    void methodNamesOutsideIotHubsCharactersAreRefusedWith400() throws Exception {
        createDevice("names-1", "enabled");
        assertError(invoke("/twins/names-1", "{\"payload\":1}"), 400005, "ArgumentNull");
        assertError(invoke("/twins/names-1", "{\"methodName\":\"\"}"), 400005, "ArgumentNull");
        for (String bad : new String[]{"a b", "a$b", "a/b", "a?b", "a{b", "a\\\"b", "a\\tb", "caf\\u00e9", "a=b"}) {
            HttpResponse<String> r = invoke("/twins/names-1", "{\"methodName\":\"" + bad + "\"}");
            assertError(r, 400004, "ArgumentInvalid");
            assertThat(ServerExtension.hubError(r).get("message").asText()).contains("methodName");
        }
        assertError(invoke("/twins/names-1", "{\"methodName\":7}"), 400004, "ArgumentInvalid");
        assertError(invoke("/twins/names-1", "[\"reboot\"]"), 400006, "IotHubFormatError");
        assertError(invoke("/twins/names-1", "{\"methodName\":"), 400006, "IotHubFormatError");
        // every other printable character is allowed: the call gets as far as the device
        assertError(invoke("/twins/names-1", "{\"methodName\":\"re-boot_2.0!#%&*+'|~^`\"}"), 404103, "DeviceNotOnline");
    }

    @Test
    void timeoutsOutsideIotHubsRangesAreRefusedWith400() throws Exception {
        createDevice("timeouts-1", "enabled");
        for (String bad : new String[]{"\"responseTimeoutInSeconds\":4", "\"responseTimeoutInSeconds\":301",
                "\"responseTimeoutInSeconds\":-1", "\"responseTimeoutInSeconds\":\"30\"", "\"responseTimeoutInSeconds\":5.5",
                "\"connectTimeoutInSeconds\":-1", "\"connectTimeoutInSeconds\":301", "\"connectTimeoutInSeconds\":true"}) {
            HttpResponse<String> r = invoke("/twins/timeouts-1", "{\"methodName\":\"m\"," + bad + "}");
            assertError(r, 400004, "ArgumentInvalid");
            assertThat(ServerExtension.hubError(r).get("message").asText()).contains(bad.substring(1, bad.indexOf('"', 1)));
        }
        // the bounds themselves, and 0 for "not set" (as the C# SDK sends it), are accepted
        for (String good : new String[]{"\"responseTimeoutInSeconds\":5", "\"responseTimeoutInSeconds\":300",
                "\"responseTimeoutInSeconds\":0", "\"connectTimeoutInSeconds\":0", "\"responseTimeoutInSeconds\":null"}) {
            assertError(invoke("/twins/timeouts-1", "{\"methodName\":\"m\"," + good + "}"), 404103, "DeviceNotOnline");
        }
    }

    @Test
    void aPayloadOver128KbIsRefusedWith413AndOneAtTheLimitIsNot() throws Exception {
        // a hub of its own: the call at the limit spends most of a second's method traffic of S1
        String sas = server.createHub("methods-payload");
        server.send("PUT", "/devices/payload-1" + API, sas, "{\"deviceId\":\"payload-1\"}");
        String atLimit = "\"" + "x".repeat(128 * 1024 - 2) + "\"";  // 131,072 bytes of JSON with its quotes
        assertError(invoke(sas, "/twins/payload-1", "{\"methodName\":\"m\",\"payload\":" + atLimit + "}"), 404103,
                "DeviceNotOnline");
        HttpResponse<String> r = invoke(sas, "/twins/payload-1",
                "{\"methodName\":\"m\",\"payload\":\"" + "x".repeat(128 * 1024 - 1) + "\"}");
        assertError(r, 413001, "RequestEntityTooLarge");
        assertThat(ServerExtension.hubError(r).get("message").asText()).contains("131073 bytes");
        // any JSON value is a payload
        for (String payload : new String[]{"10", "null", "\"text\"", "[1,2]", "{\"a\":{\"b\":null}}", "true"}) {
            assertError(invoke(sas, "/twins/payload-1", "{\"methodName\":\"m\",\"payload\":" + payload + "}"), 404103,
                    "DeviceNotOnline");
        }
    }

    @Test
    void unknownAndDisabledIdentitiesAre404001Or404010() throws Exception {
        createDevice("known-1", "enabled");
        createDevice("off-1", "disabled");
        HttpResponse<String> m = server.send("PUT", "/devices/known-1/modules/mod-1" + API, server.ownerSas(),
                "{\"deviceId\":\"known-1\",\"moduleId\":\"mod-1\"}");
        assertThat(m.statusCode()).as(m.body()).isIn(200, 201);
        String call = "{\"methodName\":\"m\",\"connectTimeoutInSeconds\":0}";

        assertError(invoke("/twins/nobody-1", call), 404001, "DeviceNotFound");
        assertError(invoke("/twins/off-1", call), 404001, "DeviceNotFound");
        assertError(invoke("/twins/nobody-1/modules/mod-1", call), 404001, "DeviceNotFound");
        assertError(invoke("/twins/known-1/modules/nomod-1", call), 404010, "ModuleNotFound");
        assertError(invoke("/twins/known-1/modules/mod-1", call), 404103, "DeviceNotOnline");
    }

    @Test
    void theServiceSdkSeesAnOfflineDeviceAs404103AndAnUnknownOneAs404001() throws Exception {
        createDevice("offline-1", "enabled");
        DirectMethodsClient client = new DirectMethodsClient(server.hostPort(), new AzureSasCredential(server.ownerSas()));
        DirectMethodRequestOptions noWait = DirectMethodRequestOptions.builder()
                .methodConnectTimeoutSeconds(0).methodResponseTimeoutSeconds(5).build();

        assertThatThrownBy(() -> client.invoke("offline-1", "reboot", noWait))
                .isInstanceOfSatisfying(IotHubException.class, e -> assertThat(e.getErrorCode()).isEqualTo(404103));
        assertThatThrownBy(() -> client.invoke("nobody-2", "reboot", noWait))
                .isInstanceOfSatisfying(IotHubException.class, e -> assertThat(e.getErrorCode()).isEqualTo(404001));
        // with a connect timeout, the call waits for the device, then gives up the same way
        DirectMethodRequestOptions wait = DirectMethodRequestOptions.builder()
                .methodConnectTimeoutSeconds(1).methodResponseTimeoutSeconds(5).build();
        assertThatThrownBy(() -> client.invoke("offline-1", "reboot", wait))
                .isInstanceOfSatisfying(IotHubException.class, e -> assertThat(e.getErrorCode()).isEqualTo(404103));

        // AND calls that failed are over: a stop does not wait for them (it waits up to 30 s for requests in flight)
        long stopping = System.nanoTime();
        server.restart();
        assertThat(java.time.Duration.ofNanos(System.nanoTime() - stopping)).as("a restart after failed calls")
                .isLessThan(java.time.Duration.ofSeconds(15));
    }

    @Test
    void aCallNeedsServiceConnect() throws Exception {
        createDevice("rights-1", "enabled");
        JsonNode keys = ServerExtension.JSON.readTree(server.send("POST", server.armHub(server.ready().get("hub").asText())
                + "/listkeys?api-version=2021-07-01", "Bearer " + server.armToken(), null).body());
        String registryReadWrite = null;
        for (JsonNode k : keys.get("value")) {
            if (k.get("keyName").asText().equals("registryReadWrite")) registryReadWrite = k.get("primaryKey").asText();
        }
        assertThat(registryReadWrite).isNotNull();
        String sas = SasToken.create(server.hubHostName(), "registryReadWrite", registryReadWrite, Instant.now().plusSeconds(600));
        assertError(invoke(sas, "/twins/rights-1", "{\"methodName\":\"m\"}"), 401002, "IotHubUnauthorizedAccess");
    }

    @Test
    void methodTrafficCountsAgainstTheHubsThrottleIn4KbUnits() throws Exception {
        String sas = server.createHub("methods-throttled");
        server.send("PUT", "/devices/t-1" + API, sas, "{\"deviceId\":\"t-1\"}");
        // S1 with one unit allows 160 KB/s of method traffic, 40 units of 4 KB: 100 KB (25 units) passes once
        String big = "{\"methodName\":\"m\",\"payload\":\"" + "x".repeat(100 * 1024) + "\"}";
        assertError(invoke(sas, "/twins/t-1", big), 404103, "DeviceNotOnline");
        HttpResponse<String> r = invoke(sas, "/twins/t-1", big);
        assertError(r, 429001, "ThrottlingException");
        assertThat(r.headers().firstValue("Retry-After")).isPresent();
        // another hub keeps its own allowance
        assertError(invoke("/twins/nobody-3", big), 404001, "DeviceNotFound");
    }
}

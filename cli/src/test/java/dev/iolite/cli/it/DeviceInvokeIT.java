package dev.iolite.cli.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.microsoft.azure.sdk.iot.device.ClientOptions;
import com.microsoft.azure.sdk.iot.device.DeviceClient;
import com.microsoft.azure.sdk.iot.device.IotHubClientProtocol;
import com.microsoft.azure.sdk.iot.device.twin.DirectMethodResponse;
import dev.iolite.server.testkit.ServerExtension;
import dev.iolite.server.testkit.TestTls;
import dev.iolite.server.testkit.SqliteOnly;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.http.HttpResponse;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code iolite device invoke}: a direct method call from the command line, as a shell runs it. */
@SqliteOnly("the command line does not depend on the store")
class DeviceInvokeIT {
    @RegisterExtension
    @Order(1)
    static final ServerExtension server = new ServerExtension();

    static CliProcess.Result iolite(String... args) throws Exception {
        String[] all = java.util.Arrays.copyOf(args, args.length + 2);
        all[args.length] = "--data-dir";
        all[args.length + 1] = server.dataDir().toString();
        return CliProcess.withText(null, all);
    }

    private static void assertFailed(CliProcess.Result r, int exit, String... words) {
        assertThat(r.code()).as(r.toString()).isEqualTo(exit);
        assertThat(r.errLines()).as(r.toString()).hasSize(1);
        assertThat(r.err()).as(r.toString()).startsWith("iolite: ").contains(words);
        assertThat(r.out()).isEmpty();
    }

    @Test
    void aCallTheHubCannotCompleteIsOneLineAndExitCode1() throws Exception {
        // each command is a JVM of its own: a few cases here, the rest of the rules in the server's MethodsRefusedIT
        server.send("PUT", "/devices/inv-1?api-version=2021-04-12", server.ownerSas(), "{\"deviceId\":\"inv-1\"}");

        assertFailed(iolite("device", "invoke", "inv-1", "reboot", "--payload", "{\"a\":1}"), 1, "404", "DeviceNotOnline",
                "inv-1");
        assertFailed(iolite("device", "invoke", "inv-1", "reboot", "--module", "nomod"), 1, "ModuleNotFound");
        assertFailed(iolite("device", "invoke", "inv-1", "re boot", "--response-timeout", "10"), 1, "400", "methodName");
    }

    @Test
    void aConnectedDevicesStatusAndPayloadArePrinted() throws Exception {
        HttpResponse<String> created = server.send("PUT", "/devices/inv-3?api-version=2021-04-12", server.ownerSas(),
                "{\"deviceId\":\"inv-3\"}");
        String key = ServerExtension.JSON.readTree(created.body()).at("/authentication/symmetricKey/primaryKey").asText();
        DeviceClient device = new DeviceClient("HostName=" + server.hubHostName() + ";DeviceId=inv-3;SharedAccessKey=" + key
                + ";GatewayHostName=" + server.hostPort(), IotHubClientProtocol.MQTT_WS,
                ClientOptions.builder().sslContext(TestTls.trusting(TestTls.TRUSTSTORE)).build());
        try {
            device.open(false);
            device.subscribeToMethods((method, data, ctx) -> new DirectMethodResponse(503,
                    Map.of("method", method, "got", data.getPayload(Object.class))), null);

            // one command (each is a JVM of its own): the device's status, even an error status, is its answer
            CliProcess.Result r = iolite("device", "invoke", "inv-3", "reboot", "--payload", "{\"delay\":5}", "-o", "json");
            assertThat(r.code()).as(r.toString()).isZero();
            JsonNode answer = ServerExtension.JSON.readTree(r.out());
            assertThat(answer.get("status").asInt()).isEqualTo(503);
            assertThat(answer.at("/payload/method").asText()).isEqualTo("reboot");
            assertThat(answer.at("/payload/got/delay").asInt()).isEqualTo(5);
        } finally {
            device.close();
        }
    }

    @Test
    void aPayloadThatIsNotJsonIsAUsageError() throws Exception {
        assertFailed(iolite("device", "invoke", "inv-2", "reboot", "--payload", "{oops"), 2, "--payload is not valid JSON");
    }
}

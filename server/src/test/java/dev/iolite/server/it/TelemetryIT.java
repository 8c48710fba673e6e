package dev.iolite.server.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.microsoft.azure.sdk.iot.device.DeviceClient;
import com.microsoft.azure.sdk.iot.device.Message;
import com.microsoft.azure.sdk.iot.device.ModuleClient;
import dev.iolite.server.testkit.DeviceSdks;
import dev.iolite.server.testkit.ServerExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Telemetry end to end: the official Java device SDK sends over MQTT over WebSockets, and the message, once the SDK
 * had its acknowledgement, is in the built-in endpoint with its properties, as the tail route shows it.
 */
class TelemetryIT {
    @RegisterExtension
    static final ServerExtension server = new ServerExtension();

    private static JsonNode messagesOf(String deviceId) throws Exception {
        HttpResponse<String> r = server.send("GET", "/iolite/messages" + DeviceSdks.API + "&from=start&deviceId=" + deviceId,
                server.ownerSas(), null);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return ServerExtension.JSON.readTree(r.body()).get("messages");
    }

    @Test
    void aDevicesAcknowledgedTelemetryIsKeptWithItsSystemAndApplicationProperties() throws Exception {
        String key = DeviceSdks.register(server, "meter-1");
        DeviceClient device = DeviceSdks.open(DeviceSdks.connectionString(server, "meter-1", key));
        try {
            for (int i = 0; i < 3; i++) {
                Message m = new Message("{\"kwh\":" + (10 + i) + "}");
                m.setMessageId("msg-" + i);
                m.setCorrelationId("corr-" + i);
                m.setContentType("application/json");
                m.setContentEncoding("utf-8");
                m.setProperty("site", "north");
                m.setProperty("alarm", i == 2 ? "true" : "false");
                device.sendEvent(m);  // returns once the server acknowledged it (QoS 1)
            }
        } finally {
            device.close();
        }
        JsonNode messages = messagesOf("meter-1");
        assertThat(messages).hasSize(3);
        for (int i = 0; i < 3; i++) {
            JsonNode m = messages.get(i);
            assertThat(m.get("deviceId").asText()).isEqualTo("meter-1");
            assertThat(m.get("sequenceNumber").asLong()).isEqualTo(messages.get(0).get("sequenceNumber").asLong() + i);
            assertThat(m.get("body").asText()).isEqualTo("{\"kwh\":" + (10 + i) + "}");
            assertThat(m.get("properties").get("site").asText()).isEqualTo("north");
            assertThat(m.get("properties").get("alarm").asText()).isEqualTo(i == 2 ? "true" : "false");
            JsonNode sys = m.get("systemProperties");
            assertThat(sys.get("message-id").asText()).isEqualTo("msg-" + i);
            assertThat(sys.get("correlation-id").asText()).isEqualTo("corr-" + i);
            assertThat(sys.get("content-type").asText()).isEqualTo("application/json");
            assertThat(sys.get("content-encoding").asText()).isEqualTo("utf-8");
            assertThat(sys.get("iothub-connection-device-id").asText()).isEqualTo("meter-1");
            assertThat(sys.get("iothub-connection-auth-method").asText()).contains("sas");
            assertThat(sys.get("iothub-message-source").asText()).isEqualTo("Telemetry");
            assertThat(sys.has("iothub-enqueuedtime")).isTrue();
        }
    }

    @Test
    void aModulesTelemetryNamesItsModule() throws Exception {
        DeviceSdks.register(server, "gateway-1");
        String key = DeviceSdks.registerModule(server, "gateway-1", "filter");
        ModuleClient module = DeviceSdks.openModule(DeviceSdks.moduleConnectionString(server, "gateway-1", "filter", key));
        try {
            Message m = new Message("reading".getBytes(StandardCharsets.UTF_8));
            m.setProperty("stage", "filtered");
            module.sendEvent(m);
        } finally {
            module.close();
        }
        JsonNode got = messagesOf("gateway-1").get(0);
        assertThat(got.get("moduleId").asText()).isEqualTo("filter");
        assertThat(got.get("systemProperties").get("iothub-connection-module-id").asText()).isEqualTo("filter");
        assertThat(got.get("properties").get("stage").asText()).isEqualTo("filtered");
        assertThat(got.get("body").asText()).isEqualTo("reading");
    }
}

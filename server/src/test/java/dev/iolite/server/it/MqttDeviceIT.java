package dev.iolite.server.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.microsoft.azure.sdk.iot.device.DeviceClient;
import com.microsoft.azure.sdk.iot.device.ModuleClient;
import com.microsoft.azure.sdk.iot.device.exceptions.IotHubClientException;
import com.microsoft.azure.sdk.iot.device.transport.IotHubConnectionStatus;
import com.microsoft.azure.sdk.iot.device.twin.Twin;
import com.microsoft.azure.sdk.iot.device.twin.TwinCollection;
import dev.iolite.server.auth.SasToken;
import dev.iolite.server.testkit.DeviceSdks;
import dev.iolite.server.testkit.ServerExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

import static dev.iolite.server.testkit.DeviceSdks.API;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Devices and modules connect with the official Java device SDK over MQTT over WebSockets, and use their twins. */
class MqttDeviceIT {
    @RegisterExtension
    static final ServerExtension server = new ServerExtension();

    @Test
    void aDeviceReadsItsTwinAndReportsWhatTheServiceThenSees() throws Exception {
        String key = DeviceSdks.register(server, "thermo-1");
        assertThat(server.send("PATCH", "/twins/thermo-1" + API, server.ownerSas(),
                "{\"properties\":{\"desired\":{\"target\":21.5}}}").statusCode()).isEqualTo(200);
        DeviceClient device = DeviceSdks.open(DeviceSdks.connectionString(server, "thermo-1", key));
        try {
            device.subscribeToDesiredProperties((t, context) -> { }, null);  // the SDK asks for it before a twin read
            Twin twin = DeviceSdks.twin(device);
            assertThat(twin.getDesiredProperties()).containsEntry("target", 21.5);
            TwinCollection reported = new TwinCollection();
            reported.put("temperature", 20.25);
            reported.put("firmware", "1.2.3");
            int version = DeviceSdks.report(device, reported);
            JsonNode seen = ServerExtension.JSON.readTree(server.send("GET", "/twins/thermo-1" + API, server.ownerSas(), null).body());
            assertThat(seen.path("properties").path("reported").path("temperature").asDouble()).isEqualTo(20.25);
            if (version >= 0) assertThat(seen.path("properties").path("reported").path("$version").asInt()).isEqualTo(version);
            assertThat(seen.path("properties").path("desired").path("target").asDouble()).isEqualTo(21.5);

            TwinCollection next = new TwinCollection();
            next.put("firmware", "1.2.4");
            DeviceSdks.report(device, next);
            seen = ServerExtension.JSON.readTree(server.send("GET", "/twins/thermo-1" + API, server.ownerSas(), null).body());
            assertThat(seen.path("properties").path("reported").path("firmware").asText()).isEqualTo("1.2.4");
            assertThat(seen.path("properties").path("reported").path("temperature").asDouble()).isEqualTo(20.25);
        } finally {
            device.close();
        }
    }

    @Test
    void aDesiredChangeReachesTheConnectedDeviceAsAPatch() throws Exception {
        String key = DeviceSdks.register(server, "thermo-2");
        server.send("PATCH", "/twins/thermo-2" + API, server.ownerSas(), "{\"properties\":{\"desired\":{\"keep\":1,\"drop\":2}}}");
        DeviceClient device = DeviceSdks.open(DeviceSdks.connectionString(server, "thermo-2", key));
        BlockingQueue<TwinCollection> patches = new ArrayBlockingQueue<>(10);
        try {
            device.subscribeToDesiredProperties((twin, context) -> patches.add(twin.getDesiredProperties()), null);
            patches.clear();  // the SDK may hand over the subscription's first state
            HttpResponse<String> r = server.send("PATCH", "/twins/thermo-2" + API, server.ownerSas(),
                    "{\"properties\":{\"desired\":{\"target\":{\"low\":18,\"high\":23},\"drop\":null}}}");
            assertThat(r.statusCode()).isEqualTo(200);
            long version = ServerExtension.JSON.readTree(r.body()).path("properties").path("desired").path("$version").asLong();
            TwinCollection patch = patches.poll(10, TimeUnit.SECONDS);
            assertThat(patch).as("the desired patch within 10 s").isNotNull();
            assertThat(patch.getVersion()).isEqualTo((int) version);
            assertThat(patch).containsKey("drop").doesNotContainKey("keep");
            assertThat(patch.get("drop")).isNull();
            assertThat(patch.get("target").toString()).contains("18").contains("23");
            // A change that leaves the desired properties as they were sends nothing.
            server.send("PATCH", "/twins/thermo-2" + API, server.ownerSas(), "{\"tags\":{\"room\":\"lab\"}}");
            assertThat(patches.poll(1, TimeUnit.SECONDS)).isNull();
        } finally {
            device.close();
        }
    }

    @Test
    void aModuleConnectsWithItsOwnKey() throws Exception {
        DeviceSdks.register(server, "gateway-1");
        String key = DeviceSdks.registerModule(server, "gateway-1", "sensor");
        ModuleClient module = DeviceSdks.openModule(DeviceSdks.moduleConnectionString(server, "gateway-1", "sensor", key));
        try {
            module.subscribeToDesiredProperties((t, context) -> { }, null);
            TwinCollection reported = new TwinCollection();
            reported.put("ready", true);
            DeviceSdks.report(module, reported);
            JsonNode seen = ServerExtension.JSON.readTree(server.send("GET", "/twins/gateway-1/modules/sensor" + API,
                    server.ownerSas(), null).body());
            assertThat(seen.path("properties").path("reported").path("ready").asBoolean()).isTrue();
        } finally {
            module.close();
        }
    }

    @Test
    void wrongKeysUnknownDevicesAndExpiredTokensAreRefused() throws Exception {
        String key = DeviceSdks.register(server, "refused-1");
        String otherKey = DeviceSdks.register(server, "refused-2");
        assertThatThrownBy(() -> DeviceSdks.open(DeviceSdks.connectionString(server, "refused-1", otherKey)))
                .isInstanceOf(IotHubClientException.class);
        assertThatThrownBy(() -> DeviceSdks.open(DeviceSdks.connectionString(server, "never-registered", key)))
                .isInstanceOf(IotHubClientException.class);
        String expired = SasToken.createFor(server.hubHostName() + "/devices/refused-1", null, key, Instant.now().minusSeconds(3600));
        assertThatThrownBy(() -> DeviceSdks.open("HostName=" + server.hubHostName() + ";DeviceId=refused-1;SharedAccessSignature="
                + expired + ";GatewayHostName=" + server.hostPort())).isInstanceOf(IotHubClientException.class);
        server.send("PUT", "/devices/refused-2" + API, server.ownerSas(), "{\"deviceId\":\"refused-2\",\"status\":\"disabled\"}",
                "If-Match", "*");
        assertThatThrownBy(() -> DeviceSdks.open(DeviceSdks.connectionString(server, "refused-2", otherKey)))
                .isInstanceOf(IotHubClientException.class);
        // the right key still works
        DeviceSdks.open(DeviceSdks.connectionString(server, "refused-1", key)).close();
    }

    @Test
    void aDeviceDisabledWhileConnectedIsDisconnected() throws Exception {
        String key = DeviceSdks.register(server, "soon-disabled");
        DeviceClient device = DeviceSdks.open(DeviceSdks.connectionString(server, "soon-disabled", key));
        BlockingQueue<IotHubConnectionStatus> statuses = new ArrayBlockingQueue<>(20);
        device.setConnectionStatusChangeCallback(c -> statuses.offer(c.getNewStatus()), null);
        try {
            HttpResponse<String> r = server.send("PUT", "/devices/soon-disabled" + API, server.ownerSas(),
                    "{\"deviceId\":\"soon-disabled\",\"status\":\"disabled\"}", "If-Match", "*");
            assertThat(r.statusCode()).isEqualTo(200);
            IotHubConnectionStatus s = statuses.poll(10, TimeUnit.SECONDS);
            assertThat(s).as("a status change within 10 s").isNotNull().isNotEqualTo(IotHubConnectionStatus.CONNECTED);
        } finally {
            device.close();
        }
    }

    @Test
    void aConnectionEndsWhenItsTokenExpires() throws Exception {
        String key = DeviceSdks.register(server, "short-lived");
        String token = SasToken.createFor(server.hubHostName() + "/devices/short-lived", null, key, Instant.now().plusSeconds(3));
        DeviceClient device = DeviceSdks.open("HostName=" + server.hubHostName() + ";DeviceId=short-lived;SharedAccessSignature="
                + token + ";GatewayHostName=" + server.hostPort());
        BlockingQueue<IotHubConnectionStatus> statuses = new ArrayBlockingQueue<>(20);
        device.setConnectionStatusChangeCallback(c -> statuses.offer(c.getNewStatus()), null);
        try {
            IotHubConnectionStatus s = statuses.poll(15, TimeUnit.SECONDS);
            assertThat(s).as("a status change once the token expired").isNotNull().isNotEqualTo(IotHubConnectionStatus.CONNECTED);
        } finally {
            device.close();
        }
    }

    @Test
    void aSecondConnectionOfTheSameDeviceReplacesTheFirst() throws Exception {
        String key = DeviceSdks.register(server, "twice");
        DeviceClient first = DeviceSdks.open(DeviceSdks.connectionString(server, "twice", key));
        BlockingQueue<IotHubConnectionStatus> statuses = new ArrayBlockingQueue<>(20);
        first.setConnectionStatusChangeCallback(c -> statuses.offer(c.getNewStatus()), null);
        DeviceClient second = DeviceSdks.open(DeviceSdks.connectionString(server, "twice", key));
        try {
            IotHubConnectionStatus s = statuses.poll(10, TimeUnit.SECONDS);
            assertThat(s).as("the first connection is told it lost its link").isNotNull().isNotEqualTo(IotHubConnectionStatus.CONNECTED);
            second.subscribeToDesiredProperties((t, c) -> { }, null);
            assertThat(DeviceSdks.twin(second)).isNotNull();
        } finally {
            first.close();
            second.close();
        }
    }
}

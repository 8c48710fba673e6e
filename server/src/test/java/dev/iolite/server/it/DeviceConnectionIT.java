package dev.iolite.server.it;

import com.azure.core.credential.AzureSasCredential;
import com.microsoft.azure.sdk.iot.device.ClientOptions;
import com.microsoft.azure.sdk.iot.device.DeviceClient;
import com.microsoft.azure.sdk.iot.device.IotHubClientProtocol;
import com.microsoft.azure.sdk.iot.service.registry.Device;
import com.microsoft.azure.sdk.iot.service.registry.DeviceConnectionState;
import com.microsoft.azure.sdk.iot.service.registry.RegistryClient;
import dev.iolite.server.testkit.JobPolling;
import dev.iolite.server.testkit.ServerExtension;
import dev.iolite.server.testkit.TestTls;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A device of the official Java device SDK ({@code iot-device-client}, MQTT over WebSockets on the HTTPS port)
 * connects and disconnects; the official service SDK sees its connection state, and the service statistics count
 * it. On both stores.
 */
class DeviceConnectionIT {
    @RegisterExtension
    static final ServerExtension server = new ServerExtension();

    private static final Duration SHOWN = Duration.ofSeconds(15);

    private static long connectedDeviceCount() throws Exception {
        HttpResponse<String> r = server.send("GET", "/statistics/service?api-version=2021-04-12", server.ownerSas(), null);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return ServerExtension.JSON.readTree(r.body()).get("connectedDeviceCount").asLong();
    }

    @Test
    void aDeviceThatConnectsIsShownConnectedAndCountedUntilItCloses() throws Exception {
        // GIVEN a device made through the service SDK
        RegistryClient registry = new RegistryClient(server.hostPort(), new AzureSasCredential(server.ownerSas()));
        Device added = registry.addDevice(new Device("conn-sdk-1"));
        assertThat(registry.getDevice("conn-sdk-1").getConnectionState()).isEqualTo(DeviceConnectionState.Disconnected);
        String connectionString = "HostName=" + server.hubHostName() + ";DeviceId=conn-sdk-1;SharedAccessKey="
                + added.getPrimaryKey() + ";GatewayHostName=" + server.hostPort();
        DeviceClient device = new DeviceClient(connectionString, IotHubClientProtocol.MQTT_WS,
                ClientOptions.builder().sslContext(TestTls.trusting(TestTls.TRUSTSTORE)).build());
        Instant before = Instant.now().minusSeconds(1);

        // WHEN it connects
        device.open(false);
        try {
            // THEN the service SDK shows it Connected, since it connected, and the service statistics count it
            Device shown = JobPolling.until("conn-sdk-1 Connected", SHOWN, Duration.ofMillis(100),
                    () -> registry.getDevice("conn-sdk-1"), d -> d.getConnectionState() == DeviceConnectionState.Connected);
            // the times are set (the SDK passes them on as the server wrote them; never set is year 1)
            assertThat(shown.getConnectionStateUpdatedTime()).startsWith(String.valueOf(before.atZone(java.time.ZoneOffset.UTC).getYear()));
            assertThat(shown.getLastActivityTime()).startsWith(String.valueOf(before.atZone(java.time.ZoneOffset.UTC).getYear()));
            assertThat(connectedDeviceCount()).isEqualTo(1);
        } finally {
            // WHEN it closes
            device.close();
        }
        // THEN it is Disconnected and no longer counted
        JobPolling.until("conn-sdk-1 Disconnected", SHOWN, Duration.ofMillis(100),
                () -> registry.getDevice("conn-sdk-1"), d -> d.getConnectionState() == DeviceConnectionState.Disconnected);
        assertThat(connectedDeviceCount()).isZero();
    }
}

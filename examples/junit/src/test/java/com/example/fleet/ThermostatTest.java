package com.example.fleet;

import com.microsoft.azure.sdk.iot.device.ClientOptions;
import com.microsoft.azure.sdk.iot.device.DeviceClient;
import com.microsoft.azure.sdk.iot.device.IotHubClientProtocol;
import com.microsoft.azure.sdk.iot.device.IotHubStatusCode;
import com.microsoft.azure.sdk.iot.device.exceptions.IotHubClientException;
import com.microsoft.azure.sdk.iot.device.twin.Twin;
import com.microsoft.azure.sdk.iot.service.registry.Device;
import com.microsoft.azure.sdk.iot.service.registry.RegistryClient;
import com.microsoft.azure.sdk.iot.service.twin.TwinClient;
import com.azure.core.credential.AzureSasCredential;
import dev.iolite.testing.IoliteExtension;
import dev.iolite.testing.IoliteServer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import javax.net.ssl.HttpsURLConnection;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** A device connects with the official device SDK and reads the desired temperature its back end set. */
@ExtendWith(IoliteExtension.class)
class ThermostatTest {

    @BeforeAll
    static void trustTheServer(IoliteServer iolite) {
        HttpsURLConnection.setDefaultSSLSocketFactory(iolite.sslContext().getSocketFactory());
    }

    /**
     * The device SDK (2.5.0) can lose a twin answer that arrives within milliseconds of its request (two of its
     * threads race over it), and then waits for its whole timeout; asking again with a short timeout is enough.
     */
    private static Twin twinOf(DeviceClient device) throws Exception {
        for (int attempt = 1; ; attempt++) {
            try {
                return device.getTwin(5_000);
            } catch (IotHubClientException e) {
                if (e.getStatusCode() != IotHubStatusCode.DEVICE_OPERATION_TIMED_OUT || attempt == 3) throw e;
            }
        }
    }

    @Test
    void theDeviceReadsTheTargetItsBackEndSet(IoliteServer iolite) throws Exception {
        RegistryClient registry = new RegistryClient(iolite.hostName(), new AzureSasCredential(iolite.sasToken()));
        registry.addDevice(new Device("thermostat-1"));
        TwinClient twins = new TwinClient(iolite.hostName(), new AzureSasCredential(iolite.sasToken()));
        com.microsoft.azure.sdk.iot.service.twin.Twin twin = twins.get("thermostat-1");
        twin.getDesiredProperties().put("target", 21);
        twins.patch(twin);

        // MQTT over WebSockets: the connection string's GatewayHostName leads the SDK to the server's HTTPS port
        DeviceClient device = new DeviceClient(iolite.deviceConnectionString("thermostat-1"), IotHubClientProtocol.MQTT_WS,
                ClientOptions.builder().sslContext(iolite.sslContext()).build());
        device.open(false);
        try {
            device.subscribeToDesiredProperties((t, context) -> { }, null);
            Twin seen = twinOf(device);
            assertEquals(21, ((Number) seen.getDesiredProperties().get("target")).intValue());
        } finally {
            device.close();
        }
    }
}

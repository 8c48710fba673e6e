package dev.iolite.server.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.microsoft.azure.sdk.iot.device.ClientOptions;
import com.microsoft.azure.sdk.iot.device.DeviceClient;
import com.microsoft.azure.sdk.iot.device.InternalClient;
import com.microsoft.azure.sdk.iot.device.IotHubClientProtocol;
import com.microsoft.azure.sdk.iot.device.IotHubStatusCode;
import com.microsoft.azure.sdk.iot.device.twin.Twin;
import com.microsoft.azure.sdk.iot.device.twin.TwinCollection;
import com.microsoft.azure.sdk.iot.device.ModuleClient;
import com.microsoft.azure.sdk.iot.device.exceptions.IotHubClientException;

import java.io.IOException;
import java.net.http.HttpResponse;

/** The official Java device SDK, aimed at a test server: identities to connect as, and clients that trust it. */
public final class DeviceSdks {
    public static final String API = "?api-version=2021-04-12";

    private DeviceSdks() {}

    /** Registers a device with generated keys and returns its primary key. */
    public static String register(ServerExtension server, String deviceId) throws IOException, InterruptedException {
        return key(server.send("PUT", "/devices/" + deviceId + API, server.ownerSas(), "{\"deviceId\":\"" + deviceId + "\"}"));
    }

    /** Registers a module of an existing device and returns its primary key. */
    public static String registerModule(ServerExtension server, String deviceId, String moduleId) throws IOException, InterruptedException {
        return key(server.send("PUT", "/devices/" + deviceId + "/modules/" + moduleId + API, server.ownerSas(),
                "{\"deviceId\":\"" + deviceId + "\",\"moduleId\":\"" + moduleId + "\"}"));
    }

    private static String key(HttpResponse<String> r) throws IOException {
        if (r.statusCode() != 200) throw new IllegalStateException("registration failed: " + r.statusCode() + " " + r.body());
        JsonNode n = ServerExtension.JSON.readTree(r.body());
        return n.path("authentication").path("symmetricKey").path("primaryKey").asText();
    }

    /** A device connection string that reaches the server's HTTPS port (MQTT over WebSockets) through GatewayHostName. */
    public static String connectionString(ServerExtension server, String deviceId, String key) {
        return "HostName=" + server.hubHostName() + ";DeviceId=" + deviceId + ";SharedAccessKey=" + key
                + ";GatewayHostName=" + server.hostPort();
    }

    /**
     * A device connection string whose HostName is the loopback address, for the Java SDK over MQTT on IoT Hub's port
     * 8883 (a server holding that port reaches its default hub so). Unlike {@link #connectionString} it names no
     * gateway: the Java SDK takes a GatewayHostName for an IoT Edge hub and then does not subscribe to
     * cloud-to-device messages.
     */
    public static String loopbackConnectionString(String deviceId, String key) {
        return "HostName=127.0.0.1;DeviceId=" + deviceId + ";SharedAccessKey=" + key;
    }

    public static String moduleConnectionString(ServerExtension server, String deviceId, String moduleId, String key) {
        return "HostName=" + server.hubHostName() + ";DeviceId=" + deviceId + ";ModuleId=" + moduleId
                + ";SharedAccessKey=" + key + ";GatewayHostName=" + server.hostPort();
    }

    public static ClientOptions trusting() {
        return ClientOptions.builder().sslContext(TestTls.trusting(TestTls.TRUSTSTORE)).build();
    }

    /** A device client over MQTT over WebSockets, opened without retries (a refusal throws). */
    public static DeviceClient open(String connectionString) throws IotHubClientException {
        DeviceClient c = new DeviceClient(connectionString, IotHubClientProtocol.MQTT_WS, trusting());
        try {
            c.open(false);
        } catch (IotHubClientException | RuntimeException e) {
            c.close();
            throw e;
        }
        return c;
    }

    /**
     * Reports properties and returns the new reported version, or -1 when the SDK lost the service's answer. The SDK
     * (2.5.0) hands a twin response to its waiting caller from one thread while another may already have retired
     * the request, so on a busy machine a patch the server applied and answered within milliseconds can still time
     * out on the device's side; callers check what the server holds instead of trusting the SDK's wait alone.
     */
    public static int report(InternalClient client, TwinCollection properties) throws Exception {
        try {
            return client.updateReportedProperties(properties, 5_000).getVersion();
        } catch (IotHubClientException e) {
            if (e.getStatusCode() == IotHubStatusCode.DEVICE_OPERATION_TIMED_OUT) return -1;
            throw e;
        }
    }

    /**
     * Reads the twin, asking again (up to three times, 5 s each) when the SDK lost the answer: the same race as
     * {@link #report} (the server's answer is logged as sent; the SDK retires the request before it hands it over).
     */
    public static Twin twin(InternalClient client) throws Exception {
        for (int attempt = 1; ; attempt++) {
            try {
                return client.getTwin(5_000);
            } catch (IotHubClientException e) {
                if (e.getStatusCode() != IotHubStatusCode.DEVICE_OPERATION_TIMED_OUT || attempt == 3) throw e;
            }
        }
    }

    public static ModuleClient openModule(String connectionString) throws IotHubClientException {
        ModuleClient c = new ModuleClient(connectionString, IotHubClientProtocol.MQTT_WS, trusting());
        try {
            c.open(false);
        } catch (IotHubClientException | RuntimeException e) {
            c.close();
            throw e;
        }
        return c;
    }
}

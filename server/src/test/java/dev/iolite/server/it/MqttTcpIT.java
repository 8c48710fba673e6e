package dev.iolite.server.it;

import com.microsoft.azure.sdk.iot.device.ClientOptions;
import com.microsoft.azure.sdk.iot.device.DeviceClient;
import com.microsoft.azure.sdk.iot.device.IotHubClientProtocol;
import com.microsoft.azure.sdk.iot.device.exceptions.IotHubClientException;
import com.microsoft.azure.sdk.iot.device.twin.TwinCollection;
import dev.iolite.server.ServerConfig;
import dev.iolite.server.http.TlsMaterial;
import dev.iolite.server.testkit.DeviceSdks;
import dev.iolite.server.testkit.ServerExtension;
import dev.iolite.server.testkit.SqliteOnly;
import dev.iolite.server.testkit.TestTls;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.cert.X509Certificate;
import java.util.HexFormat;

import static dev.iolite.server.testkit.DeviceSdks.API;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * MQTT over TLS on IoT Hub's port 8883, which the Java device SDK always dials: SAS devices, and self-signed X.509
 * devices known by their certificate's thumbprint.
 */
@SqliteOnly("the TCP listener does not touch the store beyond what the WebSocket tests cover on both stores; one server may hold port 8883")
class MqttTcpIT {
    @RegisterExtension
    static final ServerExtension server = new ServerExtension(c -> c.withDevices(ServerConfig.Devices.DEFAULTS.withMqttPort(8883).withAmqpPort(0)));

    @Test
    void aSasDeviceConnectsOverPlainMqtt() throws Exception {
        assertThat(server.mqttPort()).isEqualTo(8883);
        String key = DeviceSdks.register(server, "tcp-sas");
        DeviceClient device = new DeviceClient("HostName=" + server.hubHostName() + ";DeviceId=tcp-sas;SharedAccessKey=" + key
                + ";GatewayHostName=127.0.0.1", IotHubClientProtocol.MQTT, DeviceSdks.trusting());
        device.open(false);
        try {
            device.subscribeToDesiredProperties((t, c) -> { }, null);
            TwinCollection reported = new TwinCollection();
            reported.put("over", "tcp");
            DeviceSdks.report(device, reported);
            assertThat(server.send("GET", "/twins/tcp-sas" + API, server.ownerSas(), null).body()).contains("\"over\":\"tcp\"");
        } finally {
            device.close();
        }
    }

    @Test
    void aSelfSignedDeviceConnectsWithItsCertificateAndAnotherCertificateIsRefused(@TempDir Path dir) throws Exception {
        Identity mine = identity(dir.resolve("mine"));
        Identity other = identity(dir.resolve("other"));
        assertThat(server.send("PUT", "/devices/x509-dev" + API, server.ownerSas(), "{\"deviceId\":\"x509-dev\",\"authentication\":"
                + "{\"type\":\"selfSigned\",\"x509Thumbprint\":{\"primaryThumbprint\":\"" + mine.thumbprint + "\"}}}").statusCode()).isEqualTo(200);
        String cs = "HostName=" + server.hubHostName() + ";DeviceId=x509-dev;x509=true;GatewayHostName=127.0.0.1";
        DeviceClient device = new DeviceClient(cs, IotHubClientProtocol.MQTT, ClientOptions.builder().sslContext(mine.ssl).build());
        device.open(false);
        try {
            device.subscribeToDesiredProperties((t, c) -> { }, null);
            assertThat(DeviceSdks.twin(device)).isNotNull();
        } finally {
            device.close();
        }
        DeviceClient impostor = new DeviceClient(cs, IotHubClientProtocol.MQTT, ClientOptions.builder().sslContext(other.ssl).build());
        try {
            assertThatThrownBy(() -> impostor.open(false)).isInstanceOf(IotHubClientException.class);
        } finally {
            impostor.close();
        }
    }

    private record Identity(SSLContext ssl, String thumbprint) {}

    /** A fresh self-signed certificate and key (made the way the server makes its own), in a TLS context that trusts the server. */
    private static Identity identity(Path dir) throws Exception {
        Files.createDirectories(dir);
        char[] pw = "changeit".toCharArray();
        KeyStore ks = TlsMaterial.load(dir, null, null).keyStore(pw);
        X509Certificate cert = (X509Certificate) ks.getCertificate(ks.aliases().nextElement());
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, pw);
        KeyStore trust = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(TestTls.TRUSTSTORE)) {
            trust.load(in, TlsMaterial.TRUSTSTORE_PASSWORD.toCharArray());
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
        String thumb = HexFormat.of().withUpperCase().formatHex(MessageDigest.getInstance("SHA-1").digest(cert.getEncoded()));
        return new Identity(ctx, thumb);
    }
}

package dev.iolite.testing;

import org.junit.jupiter.api.Test;

import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** {@link IoliteServer} without JUnit's help: what it gives reaches the server it started, and closing leaves nothing. */
class IoliteServerTest {
    static HttpResponse<String> get(IoliteServer s, String path, String authorization) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(s.url() + path));
        if (authorization != null) b.header("Authorization", authorization);
        return HttpClient.newBuilder().sslContext(s.sslContext()).build().send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void whatItGivesReachesTheServerAndCloseLeavesNothingBehind() throws Exception {
        Path dataDir;
        int port;
        try (IoliteServer s = IoliteServer.builder().hubName("suite").extraHubs("second").start()) {
            port = s.port();
            assertThat(s.url()).isEqualTo("https://127.0.0.1:" + port);
            assertThat(s.hostName()).isEqualTo("127.0.0.1:" + port);
            assertThat(s.hubName()).isEqualTo("suite");
            assertThat(s.armEndpoint()).isEqualTo(s.url() + "/");
            assertThat(s.connectionString()).startsWith("HostName=suite.azure-devices.net;SharedAccessKeyName=iothubowner;SharedAccessKey=");
            assertThat(Files.isRegularFile(s.trustStorePath())).isTrue();
            assertThat(s.trustStorePassword()).isNotEmpty();
            assertThat(s.amqpPort()).isPositive().isNotEqualTo(5671);
            assertThat(s.eventHubConnectionString()).isEqualTo("Endpoint=sb://127.0.0.1:" + s.amqpPort()
                    + "/;SharedAccessKeyName=service;SharedAccessKey=" + s.eventHubConnectionString().replaceAll(".*SharedAccessKey=([^;]+);.*", "$1")
                    + ";EntityPath=suite");

            assertThat(get(s, "/statistics/devices?api-version=2021-04-12", s.sasToken()).statusCode()).isEqualTo(200);
            assertThat(get(s, "/statistics/devices?api-version=2021-04-12", s.sasToken("second")).statusCode()).isEqualTo(200);
            assertThat(get(s, "/statistics/devices?api-version=2021-04-12", null).statusCode()).isEqualTo(401);
            HttpResponse<String> stats = get(s, "/subscriptions/" + s.subscriptionId() + "/resourceGroups/" + s.resourceGroup()
                    + "/providers/Microsoft.Devices/IotHubs/second/IotHubStats?api-version=2021-07-01", "Bearer " + s.armToken());
            assertThat(stats.statusCode()).as(stats.body()).isEqualTo(200);

            dataDir = s.localBlobRoot();
            while (!Files.exists(dataDir.resolve("ready.json"))) dataDir = dataDir.getParent();
            assertThat(s.localBlobRoot()).startsWith(dataDir);
        }
        assertThat(dataDir).doesNotExist();
        try (ServerSocket again = new ServerSocket(port, 1, java.net.InetAddress.getLoopbackAddress())) {
            assertThat(again.getLocalPort()).isEqualTo(port);
        }
    }

    @Test
    void aKeptDataDirOutlivesTheServerAndStartsAgain() throws Exception {
        Path dir = Files.createTempDirectory("iolite-kept");
        try (IoliteServer s = IoliteServer.builder().dataDir(dir).start()) {
            assertThat(get(s, "/health/ready", null).statusCode()).isEqualTo(200);
        }
        assertThat(dir.resolve("iolite.db")).exists();
        try (IoliteServer s = IoliteServer.builder().dataDir(dir).start()) {
            assertThat(get(s, "/health/ready", null).statusCode()).isEqualTo(200);
        }
    }
}

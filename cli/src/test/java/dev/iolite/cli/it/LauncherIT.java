package dev.iolite.cli.it;

import dev.iolite.server.testkit.ServerExtension;
import dev.iolite.server.testkit.Postgres;
import dev.iolite.server.testkit.TestTls;
import dev.iolite.server.testkit.SqliteOnly;
import com.fasterxml.jackson.databind.JsonNode;
import dev.iolite.server.auth.SasToken;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Drives {@code ./iolite} as a user would: serve, use, SIGTERM, restart, find everything again. */
@SqliteOnly("the launcher does not depend on the store")
class LauncherIT {
    private static final Path REPO = Path.of("").toAbsolutePath().getParent();

    @TempDir
    Path tmp;

    private final java.util.List<Process> started = new java.util.ArrayList<>();

    @org.junit.jupiter.api.AfterEach
    void noServerOutlivesTheTest() {
        for (Process p : started) if (p.isAlive()) p.destroyForcibly();
    }

    @Test
    void serveStopAndRestartKeepHubKeysAndDevices() throws Exception {
        Path data = tmp.resolve("data");

        // GIVEN a first start on a free port
        Process first = serve(data, tmp.resolve("first.log"));
        JsonNode ready = awaitReady(first, data, tmp.resolve("first.log"));
        assertThat(ready.get("url").asText()).startsWith("https://127.0.0.1:");
        assertThat(Path.of(ready.get("truststore").asText())).isAbsolute().exists();
        assertThat(Path.of(ready.get("certificatePem").asText())).isAbsolute().exists();
        for (String field : List.of("port", "hub", "hubHostName", "connectionString", "subscriptionId",
                "resourceGroup", "armEndpoint", "truststorePassword")) {
            assertThat(ready.has(field)).as(field).isTrue();
        }
        HttpClient http = HttpClient.newBuilder()
                .sslContext(TestTls.trusting(Path.of(ready.get("truststore").asText()))).build();
        String created = send(http, ready, "PUT", "/devices/launcher-dev", "{\"status\":\"disabled\"}").body();
        String primaryKey = ServerExtension.JSON.readTree(created).at("/authentication/symmetricKey/primaryKey").asText();
        String bearer = run("token", "--data-dir", data.toString()).trim();
        assertThat(bearer.split("\\.")).hasSize(3);

        // WHEN it gets SIGTERM
        first.destroy();
        assertThat(first.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(first.exitValue()).as(Files.readString(tmp.resolve("first.log"))).isZero();
        assertThat(Files.readString(tmp.resolve("first.log"))).contains("Iolite ready on " + ready.get("url").asText());
        assertThat(data.resolve("ready.json")).doesNotExist();

        // THEN a restart finds the same hub, keys, certificate and device
        Process second = serve(data, tmp.resolve("second.log"));
        try {
            JsonNode again = awaitReady(second, data, tmp.resolve("second.log"));
            assertThat(again.get("connectionString").asText()).isEqualTo(ready.get("connectionString").asText());
            assertThat(again.get("subscriptionId").asText()).isEqualTo(ready.get("subscriptionId").asText());
            HttpResponse<String> got = send(http, again, "GET", "/devices/launcher-dev", null);
            assertThat(got.statusCode()).isEqualTo(200);
            JsonNode device = ServerExtension.JSON.readTree(got.body());
            assertThat(device.at("/authentication/symmetricKey/primaryKey").asText()).isEqualTo(primaryKey);
            assertThat(device.get("status").asText()).isEqualTo("disabled");
            JsonNode stats = ServerExtension.JSON.readTree(send(http, again, "GET", "/statistics/devices", null).body());
            assertThat(stats.get("disabledDeviceCount").asLong()).isEqualTo(1);
            // the ARM key survived too: the token minted before the restart still works
            HttpResponse<String> arm = http.send(HttpRequest.newBuilder(URI.create(again.get("url").asText()
                            + "/subscriptions/" + again.get("subscriptionId").asText() + "/resourceGroups/"
                            + again.get("resourceGroup").asText() + "/providers/Microsoft.Devices/IotHubs/"
                            + again.get("hub").asText() + "/IotHubStats?api-version=2021-07-01"))
                    .header("Authorization", "Bearer " + bearer).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(arm.statusCode()).as(arm.body()).isEqualTo(200);
        } finally {
            second.destroy();
            assertThat(second.waitFor(60, TimeUnit.SECONDS)).isTrue();
        }
        assertThat(second.exitValue()).isZero();
    }

    @Test
    void badOptionsExitWith2AndOneClearLine() throws Exception {
        Process p = new ProcessBuilder(REPO.resolve("iolite").toString(), "serve", "--port", "not-a-port")
                .directory(tmp.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isEqualTo(2);
        assertThat(out).contains("--port").doesNotContain("Exception");
    }

    /** PostgreSQL runs: one database per test, kept across the restarts of its server. */
    private String store;

    private Process serve(Path data, Path log) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(REPO.resolve("iolite").toString(), "serve", "--data-dir", data.toString(),
                "--port", "0").directory(tmp.toFile()).redirectErrorStream(true).redirectOutput(log.toFile());
        if (Postgres.SELECTED) {
            if (store == null) store = Postgres.get().newDatabase();
            pb.environment().put("IOLITE_STORE", store);
        }
        Process p = pb.start();
        started.add(p);
        return p;
    }

    private String run(String... args) throws Exception {
        String[] cmd = new String[args.length + 1];
        cmd[0] = REPO.resolve("iolite").toString();
        System.arraycopy(args, 0, cmd, 1, args.length);
        Process p = new ProcessBuilder(cmd).directory(tmp.toFile()).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isZero();
        return out;
    }

    /** The ready.json of a server process started on {@code data}, once it is written; fails if the process ends first. */
    static JsonNode awaitReady(Process p, Path data, Path log) throws Exception {
        Path ready = data.resolve("ready.json");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (System.nanoTime() < deadline) {
            if (Files.exists(ready)) return ServerExtension.JSON.readTree(ready.toFile());
            if (!p.isAlive()) throw new AssertionError("server exited early: " + Files.readString(log));
            Thread.sleep(100);
        }
        throw new AssertionError("no ready.json within 120 s: " + Files.readString(log));
    }

    private static HttpResponse<String> send(HttpClient http, JsonNode ready, String method, String path, String body)
            throws Exception {
        String conn = ready.get("connectionString").asText();
        String key = conn.substring(conn.indexOf("SharedAccessKey=") + "SharedAccessKey=".length());
        String token = SasToken.create(ready.get("hubHostName").asText(), "iothubowner", key, Instant.now().plusSeconds(600));
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(ready.get("url").asText() + path + "?api-version=2021-04-12"))
                .timeout(Duration.ofSeconds(30)).header("Authorization", token)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }
}

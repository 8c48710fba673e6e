package dev.iolite.server.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.iolite.server.Iolite;
import dev.iolite.server.ServerConfig;
import dev.iolite.server.auth.ArmTokens;
import dev.iolite.server.auth.SasToken;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * Starts a real Iolite server (HTTPS, SQLite, fresh data dir, port 0) for a test class and stops
 * it afterwards. Gives tests the ready.json, SAS and ARM tokens, and a raw HTTPS client for what
 * the SDKs will not send.
 */
public final class ServerExtension implements BeforeAllCallback, AfterAllCallback {
    public static final ObjectMapper JSON = new ObjectMapper();

    static {
        TestTls.init();
        // lets tests send a Host header naming a hub, as a client behind a proxy would
        System.setProperty("jdk.httpclient.allowRestrictedHeaders", "host");
    }

    private final java.util.function.UnaryOperator<ServerConfig> customize;
    private Path dataDir;
    private Iolite iolite;
    private ServerConfig started;
    private JsonNode ready;
    private HttpClient http;
    /** Held while this server listens on IoT Hub's fixed ports (8883, 5671), which one server of all test JVMs may hold. */
    private java.nio.channels.FileChannel fixedPorts;
    private java.nio.channels.FileLock fixedPortsLock;

    public ServerExtension() {
        this(c -> c);
    }

    /** A server whose configuration the test adjusts (external issuers, limits). */
    public ServerExtension(java.util.function.UnaryOperator<ServerConfig> customize) {
        this.customize = customize;
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        dataDir = Files.createTempDirectory("iolite-it");
        ServerConfig c = ServerConfig.of(dataDir, 0);
        if (Postgres.SELECTED) c = c.withStore(dev.iolite.server.store.StoreUrl.parse(Postgres.get().newDatabase()));
        started = customize.apply(c.withHttp(c.http().withTls(TestTls.CERT, TestTls.KEY).withMaxRequestBytes(256 * 1024)));
        if (started.devices().mqttPort() > 0 || started.devices().amqpPort() > 0) lockFixedPorts();
        iolite = Iolite.start(started);
        ready = JSON.readTree(dataDir.resolve(Iolite.READY_FILE).toFile());
        http = HttpClient.newBuilder().sslContext(TestTls.trusting(TestTls.TRUSTSTORE))
                .connectTimeout(Duration.ofSeconds(10)).build();
    }

    /**
     * The official device and service clients dial IoT Hub's ports (8883, 5671) whatever the connection string says, so
     * a test of them runs its server on those ports; two test JVMs run at once, and this lock (a file in the temporary
     * folder) lets one such server exist at a time.
     */
    private void lockFixedPorts() throws IOException {
        fixedPorts = java.nio.channels.FileChannel.open(Path.of(System.getProperty("java.io.tmpdir"), "iolite-it-fixed-ports.lock"),
                java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.WRITE);
        long deadline = System.nanoTime() + Duration.ofMinutes(10).toNanos();
        while ((fixedPortsLock = fixedPorts.tryLock()) == null) {
            if (System.nanoTime() > deadline) throw new IOException("another test JVM held IoT Hub's ports for 10 minutes");
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while waiting for IoT Hub's ports", e);
            }
        }
    }

    @Override
    public void afterAll(ExtensionContext context) throws IOException {
        if (iolite != null) iolite.close();
        if (fixedPortsLock != null) fixedPortsLock.release();
        if (fixedPorts != null) fixedPorts.close();
        try (Stream<Path> files = Files.walk(dataDir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    public JsonNode ready() { return ready; }

    /** The running server, for tests that reach its parts in-process. */
    public Iolite iolite() { return iolite; }

    /** The MQTT-over-TLS port (a free one, unless the test's configuration names one). */
    public int mqttPort() { return ready.get("mqttPort").asInt(); }

    /** The configuration the server started with (its store, clock and limits). */
    public ServerConfig config() { return started; }

    /** Stops the server and starts it again on the same data dir and store (a new port). */
    public void restart() throws IOException {
        iolite.close();
        iolite = Iolite.start(started);
        ready = JSON.readTree(dataDir.resolve(Iolite.READY_FILE).toFile());
    }

    public Path dataDir() { return dataDir; }

    /** The folder that {@code file:NAME} containers resolve under. */
    public Path blobRoot() { return Path.of(ready.get("localBlobRoot").asText()); }

    public String url() { return ready.get("url").asText(); }

    public int port() { return ready.get("port").asInt(); }

    public String hostPort() { return "127.0.0.1:" + port(); }

    public String hubHostName() { return ready.get("hubHostName").asText(); }

    /** The primary key of the default hub's policy, from the owner connection string. */
    public String ownerKey() {
        for (String part : ready.get("connectionString").asText().split(";")) {
            if (part.startsWith("SharedAccessKey=")) return part.substring("SharedAccessKey=".length());
        }
        throw new IllegalStateException("no key in the connection string");
    }

    public String ownerSas() {
        return SasToken.create(hubHostName(), "iothubowner", ownerKey(), Instant.now().plusSeconds(3600));
    }

    public String armToken() throws IOException {
        return ArmTokens.open(dataDir, null, Clock.systemUTC()).mint(Duration.ofHours(1));
    }

    public HttpResponse<String> send(String method, String path, String authorization, String body, String... headers)
            throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url() + path)).timeout(Duration.ofSeconds(30))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (authorization != null) b.header("Authorization", authorization);
        if (body != null) b.header("Content-Type", "application/json; charset=utf-8");
        for (int i = 0; i < headers.length; i += 2) b.header(headers[i], headers[i + 1]);
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** ARM path prefix of a hub of this server's subscription and resource group. */
    public String armHub(String hub) {
        return "/subscriptions/" + ready.get("subscriptionId").asText() + "/resourceGroups/"
                + ready.get("resourceGroup").asText() + "/providers/Microsoft.Devices/IotHubs/" + hub;
    }

    /** Creates a hub through ARM (raw HTTPS) and returns an iothubowner SAS token for it. */
    public String createHub(String hub) throws IOException, InterruptedException {
        HttpResponse<String> put = send("PUT", armHub(hub) + "?api-version=2021-07-01", "Bearer " + armToken(),
                "{\"location\":\"local\",\"sku\":{\"name\":\"S1\",\"capacity\":1}}");
        if (put.statusCode() / 100 != 2) throw new IllegalStateException("creating hub " + hub + ": " + put.body());
        return ownerSasOf(hub);
    }

    /** An iothubowner SAS token of a hub, with its key read through ARM's listkeys. */
    public String ownerSasOf(String hub) throws IOException, InterruptedException {
        HttpResponse<String> keys = send("POST", armHub(hub) + "/listkeys?api-version=2021-07-01", "Bearer " + armToken(), null);
        for (JsonNode k : JSON.readTree(keys.body()).get("value")) {
            if (k.get("keyName").asText().equals("iothubowner")) {
                return SasToken.create(hub.toLowerCase(java.util.Locale.ROOT) + ".azure-devices.net", "iothubowner",
                        k.get("primaryKey").asText(), Instant.now().plusSeconds(3600));
            }
        }
        throw new IllegalStateException("hub " + hub + " has no iothubowner policy: " + keys.body());
    }

    /** The folder where {@code file:NAME} of {@code hub} resolves. */
    public Path blobRootOf(String hub) {
        return Path.of(ready.get("blobRoot").asText()).resolve(hub.toLowerCase(java.util.Locale.ROOT));
    }

    /** Reads the hub error body: the JSON inside {@code Message}. */
    public static JsonNode hubError(HttpResponse<String> r) throws IOException {
        return JSON.readTree(JSON.readTree(r.body()).get("Message").asText());
    }
}

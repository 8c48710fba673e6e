package dev.iolite.testing;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * A real Iolite server in this JVM, on a free loopback port, with a temporary data dir (SQLite unless
 * {@link Builder#postgresUrl}) that {@link #close()} deletes. It gives what the official Azure SDKs need
 * to reach it; the SDKs themselves are the test suite's own.
 *
 * <pre>{@code
 * try (IoliteServer iolite = IoliteServer.start()) {
 *     RegistryClient registry = new RegistryClient(iolite.hostName(), new AzureSasCredential(iolite.sasToken()));
 *     ...
 * }
 * }</pre>
 *
 * The SDKs reach it over TLS: trust it with {@link #sslContext()}, or with {@code javax.net.ssl.trustStore}
 * set to {@link #trustStorePath()} and {@code javax.net.ssl.trustStorePassword} to {@link #trustStorePassword()}.
 * <p>
 * The server runs from the jars this artifact carries, in a class loader that sees the JDK and those jars only
 * ({@link EmbeddedServer}): this class and its API use JDK types only, and the test suite's libraries, whatever
 * their versions, never meet the server's. The server logs through {@code java.util.logging}.
 */
public final class IoliteServer implements AutoCloseable {
    /** How long the tokens this class mints stay valid: longer than any test suite. */
    static final Duration TOKEN_TTL = Duration.ofHours(24);
    private static final String ARM_API = "?api-version=2021-07-01";
    /** The default hub's name, as {@code iolite serve} names it. */
    static final String DEFAULT_HUB = "iolite";

    private final EmbeddedServer iolite;
    private final Path dataDir;
    private final boolean deleteDataDir;
    private final Map<String, String> hubKeys = new ConcurrentHashMap<>();
    private volatile SSLContext sslContext;
    private volatile boolean closed;

    private IoliteServer(EmbeddedServer iolite, Path dataDir, boolean deleteDataDir) {
        this.iolite = iolite;
        this.dataDir = dataDir;
        this.deleteDataDir = deleteDataDir;
    }

    /** Starts a server with the defaults: hub {@code iolite}, SQLite, file containers under {@link #localBlobRoot()}. */
    public static IoliteServer start() {
        return builder().start();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Options of a server; each setter returns this builder. */
    public static final class Builder {
        private String hubName = DEFAULT_HUB;
        private final List<String> extraHubs = new ArrayList<>();
        private String postgresUrl;
        private boolean jobQueue;
        private Path dataDir;

        private Builder() {}

        /** The default hub's name (default {@code iolite}). */
        public Builder hubName(String name) {
            this.hubName = name;
            return this;
        }

        /** More hubs to create at start, each with its own keys and containers. */
        public Builder extraHubs(String... names) {
            extraHubs.addAll(List.of(names));
            return this;
        }

        /** A PostgreSQL store ({@code postgresql://USER:PASSWORD@HOST:PORT/DB}) instead of SQLite in the data dir. */
        public Builder postgresUrl(String url) {
            this.postgresUrl = url;
            return this;
        }

        /** Queue a hub's second import or export job instead of refusing it with 403 ({@code --job-queue}). */
        public Builder jobQueue(boolean queue) {
            this.jobQueue = queue;
            return this;
        }

        /**
         * Keep the data in this folder, which {@link IoliteServer#close()} leaves in place (a second start on it
         * is faster, as its TLS material and schema exist); default: a new temporary folder, deleted at close.
         */
        public Builder dataDir(Path dir) {
            this.dataDir = dir;
            return this;
        }

        /** Starts the server; it is ready when this returns. */
        public IoliteServer start() {
            Path dir = dataDir;
            try {
                if (dir == null) dir = Files.createTempDirectory("iolite-test-");
                boolean fresh = !Files.exists(dir.resolve("cert.pem"));
                if (fresh) KeyMaterial.writeInto(dir);
                IoliteServer server = new IoliteServer(EmbeddedServer.start(dir, hubName, postgresUrl, jobQueue), dir, dataDir == null);
                if (fresh) KeyMaterial.keepFrom(dir);
                try {
                    for (String hub : extraHubs) server.createHub(hub);
                } catch (RuntimeException e) {
                    server.close();
                    throw e;
                }
                return server;
            } catch (IOException e) {
                if (dataDir == null && dir != null) deleteTree(dir);
                throw new UncheckedIOException("Iolite did not start: " + e.getMessage(), e);
            } catch (RuntimeException e) {
                if (dataDir == null && dir != null) deleteTree(dir);
                throw e;
            }
        }
    }

    /** The HTTPS base URL, such as {@code https://127.0.0.1:41234}. */
    public String url() { return iolite.text("url"); }

    public int port() { return iolite.port(); }

    /**
     * The MQTT-over-TLS port (a free one). The Java device SDK dials port 8883 for MQTT whatever the connection
     * string says, so with that SDK use MQTT over WebSockets ({@code MQTT_WS}), which reaches {@link #port()}; the
     * C, Node and Python SDKs take a port in {@code GatewayHostName}.
     */
    public int mqttPort() { return iolite.mqttPort(); }

    /** The AMQP-over-TLS port (a free one): the built-in endpoint for Event Hubs clients, and cloud-to-device sends. */
    public int amqpPort() { return iolite.amqpPort(); }

    /**
     * The default hub's built-in endpoint for the official Event Hubs clients
     * ({@code Endpoint=sb://127.0.0.1:PORT/;SharedAccessKeyName=service;SharedAccessKey=...;EntityPath=HUB}): the
     * telemetry devices sent, read from any position. The clients take TLS trust from the JVM's default context, so
     * call {@code SSLContext.setDefault(server.sslContext())} first.
     */
    public String eventHubConnectionString() { return iolite.text("eventHubConnectionString"); }

    /**
     * A connection string for an existing device of the default hub, with its primary key: the hub's host name (which
     * its SAS tokens name) and {@code GatewayHostName=127.0.0.1:PORT}, through which the device SDKs reach this
     * server (MQTT over WebSockets on the HTTPS port). Trust {@link #sslContext()} in the device client's options.
     *
     * @throws IllegalArgumentException when the device does not exist or authenticates by certificate
     */
    public String deviceConnectionString(String deviceId) {
        URI uri = URI.create(url() + "/devices/" + URLEncoder.encode(deviceId, StandardCharsets.UTF_8).replace("+", "%20")
                + "?api-version=2021-04-12");
        HttpRequest request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30)).header("Authorization", sasToken()).GET().build();
        HttpResponse<String> r;
        try {
            r = HttpClient.newBuilder().sslContext(sslContext()).build().send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
        if (r.statusCode() == 404) throw new IllegalArgumentException("device '" + deviceId + "' does not exist in hub " + hubName());
        if (r.statusCode() != 200) throw new IllegalStateException("GET /devices/" + deviceId + " answered " + r.statusCode() + ": " + r.body());
        String key = iolite.devicePrimaryKey(r.body());
        if (key == null) throw new IllegalArgumentException("device '" + deviceId + "' has no symmetric key (it authenticates by certificate)");
        return "HostName=" + iolite.text("hubHostName") + ";DeviceId=" + deviceId + ";SharedAccessKey=" + key
                + ";GatewayHostName=" + hostName();
    }

    /** The default hub's name. */
    public String hubName() { return iolite.text("hubName"); }

    /** {@code 127.0.0.1:PORT}: the host name for the service SDK's {@code RegistryClient(String, AzureSasCredential)}. */
    public String hostName() { return "127.0.0.1:" + port(); }

    /** The default hub's iothubowner connection string (its host name is the hub's, as IoT Hub gives it). */
    public String connectionString() { return iolite.text("connectionString"); }

    /** A SAS token of the default hub's iothubowner policy, valid for 24 hours. */
    public String sasToken() {
        return sasToken(hubName());
    }

    /** A SAS token of {@code hub}'s iothubowner policy (the default hub or one of the extra hubs), valid for 24 hours. */
    public String sasToken(String hub) {
        String hostName = hub.toLowerCase(Locale.ROOT) + ".azure-devices.net";
        if (hub.equalsIgnoreCase(hubName())) {
            return iolite.sasToken(iolite.text("hubHostName"), "iothubowner", key(connectionString()), Instant.now().plus(TOKEN_TTL));
        }
        return iolite.sasToken(hostName, "iothubowner", hubKeys.computeIfAbsent(hub.toLowerCase(Locale.ROOT), this::ownerKeyOf),
                Instant.now().plus(TOKEN_TTL));
    }

    /** The ARM endpoint, with its trailing slash, for {@code AzureEnvironment}'s {@code resourceManagerEndpointUrl}. */
    public String armEndpoint() { return url() + "/"; }

    public String subscriptionId() { return iolite.text("subscriptionId"); }

    public String resourceGroup() { return iolite.text("resourceGroup"); }

    /** A bearer token that the ARM API accepts, valid for 24 hours (give it to the management SDK as a static credential). */
    public String armToken() {
        return iolite.armToken(TOKEN_TTL);
    }

    /** An SSL context that trusts this server (for {@code HttpsURLConnection}, {@code java.net.http}, Netty). */
    public SSLContext sslContext() {
        SSLContext c = sslContext;
        if (c != null) return c;
        try (InputStream in = Files.newInputStream(trustStorePath())) {
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(in, trustStorePassword().toCharArray());
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
            c = SSLContext.getInstance("TLS");
            c.init(null, tmf.getTrustManagers(), null);
            sslContext = c;
            return c;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the server's truststore cannot be used: " + e.getMessage(), e);
        }
    }

    /** The PKCS12 truststore holding this server's certificate. */
    public Path trustStorePath() { return iolite.path("truststore"); }

    public String trustStorePassword() { return iolite.text("trustStorePassword"); }

    /** The folder where the default hub's {@code file:NAME} containers live: {@code file:exports} is {@code localBlobRoot().resolve("exports")}. */
    public Path localBlobRoot() { return iolite.path("localBlobRoot"); }

    /** Stops the server (its threads, connections and store) and deletes its temporary data dir. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        iolite.close();
        if (deleteDataDir) deleteTree(dataDir);
    }

    private void createHub(String hub) {
        HttpResponse<String> r = arm("PUT", hub, "", "{\"location\":\"local\",\"sku\":{\"name\":\"S1\",\"capacity\":1}}");
        if (r.statusCode() / 100 != 2) throw new IllegalStateException("creating hub " + hub + " failed: " + r.body());
    }

    private String ownerKeyOf(String hub) {
        HttpResponse<String> r = arm("POST", hub, "/listkeys", null);
        if (r.statusCode() != 200) throw new IllegalStateException("no keys of hub " + hub + ": " + r.body());
        String key = iolite.ownerKey(r.body());
        if (key == null) throw new IllegalStateException("hub " + hub + " has no iothubowner policy");
        return key;
    }

    private HttpResponse<String> arm(String method, String hub, String suffix, String body) {
        URI uri = URI.create(url() + "/subscriptions/" + subscriptionId() + "/resourceGroups/" + resourceGroup()
                + "/providers/Microsoft.Devices/IotHubs/" + hub + suffix + ARM_API);
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + armToken())
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) b.header("Content-Type", "application/json");
        try {
            return HttpClient.newBuilder().sslContext(sslContext()).build().send(b.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    private static String key(String connectionString) {
        for (String part : connectionString.split(";")) {
            if (part.startsWith("SharedAccessKey=")) return part.substring("SharedAccessKey=".length());
        }
        throw new IllegalStateException("the connection string holds no key");
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a temporary folder; what is left is the operating system's to clean
        }
    }
}

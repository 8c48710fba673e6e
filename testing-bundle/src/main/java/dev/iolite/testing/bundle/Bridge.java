package dev.iolite.testing.bundle;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.iolite.server.Iolite;
import dev.iolite.server.ServerConfig;
import dev.iolite.server.auth.ArmTokens;
import dev.iolite.server.auth.SasToken;
import dev.iolite.server.http.TlsMaterial;
import dev.iolite.server.store.StoreUrl;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.LogManager;
import java.util.logging.Logger;

/**
 * The one class of the embedded server that {@code dev.iolite.testing.IoliteServer} calls, by reflection and with
 * JDK types only ({@code String}, {@code Path}, {@code Map}, {@code Duration}, {@code Instant}): the test suite's
 * class path and this bundle's class loader share nothing but the JDK, so no library of the server (Jackson,
 * Jetty, Javalin, Netty, azure-core, SQLite's driver) meets the test suite's own versions of it.
 */
public final class Bridge implements AutoCloseable {
    /** The JDBC drivers of this bundle, which register themselves only when their class is first initialized. */
    private static final String[] DRIVERS = {"org.sqlite.JDBC", "org.postgresql.Driver"};
    private static final ObjectMapper JSON = new ObjectMapper();
    /**
     * The loggers of the server and its libraries, which log through {@code java.util.logging} (slf4j-jdk14 in this
     * bundle): warnings and errors only, unless the JVM's logging configuration names a level for them.
     */
    private static final String[] QUIET = {"dev.iolite", "org.eclipse.jetty", "io.javalin", "com.zaxxer.hikari",
            "org.flywaydb", "org.sqlite", "org.postgresql", "com.azure", "io.netty", "reactor"};
    /** Held: {@code java.util.logging} keeps loggers weakly, and a collected logger forgets its level. */
    private static final List<Logger> QUIETED = new ArrayList<>();

    private final Iolite iolite;
    private final Path dataDir;

    private Bridge(Iolite iolite, Path dataDir) {
        this.iolite = iolite;
        this.dataDir = dataDir;
    }

    /**
     * Starts a server on a free loopback port.
     *
     * @param dataDir     the data dir, holding the TLS material and ARM key already when the test run kept some
     * @param hubName     the default hub
     * @param postgresUrl {@code postgresql://...}, or null for SQLite in the data dir
     * @param jobQueue    queue a hub's second import or export job instead of refusing it
     */
    public static Bridge start(Path dataDir, String hubName, String postgresUrl, boolean jobQueue) throws IOException {
        registerDrivers();
        quietLogs();
        ServerConfig config = new ServerConfig(dataDir, hubName, ServerConfig.Http.DEFAULTS.withPort(0), null, null, null,
                postgresUrl == null ? null : StoreUrl.parse(postgresUrl));
        if (jobQueue) config = config.withJobs(config.jobs().withQueue(true));
        config = config.withDevices(ServerConfig.Devices.DEFAULTS.withMqttPort(0).withAmqpPort(0));
        return new Bridge(Iolite.start(config.validated()), dataDir);
    }

    /** The server's facts, by name: url, port, mqttPort, amqpPort, eventHubConnectionString, hubName, hubHostName, connectionString, subscriptionId, resourceGroup, truststore, trustStorePassword, localBlobRoot. */
    public Map<String, Object> facts() {
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("url", iolite.url());
        f.put("port", iolite.port());
        f.put("mqttPort", iolite.mqttPort());
        f.put("amqpPort", iolite.amqpPort());
        f.put("eventHubConnectionString", iolite.eventHubConnectionString());
        f.put("hubName", iolite.hubName());
        f.put("hubHostName", iolite.hubHostName());
        f.put("connectionString", iolite.connectionString());
        f.put("subscriptionId", iolite.subscriptionId());
        f.put("resourceGroup", iolite.resourceGroup());
        f.put("truststore", iolite.truststore());
        f.put("trustStorePassword", TlsMaterial.TRUSTSTORE_PASSWORD);
        f.put("localBlobRoot", iolite.localBlobRoot());
        return Collections.unmodifiableMap(f);
    }

    /** A SAS token of {@code policy} on {@code hostName}, signed with {@code key}, as the server checks it. */
    public String sasToken(String hostName, String policy, String key, Instant expiresAt) {
        return SasToken.create(hostName, policy, key, expiresAt);
    }

    /** A bearer token that the server's ARM API accepts for {@code ttl}. */
    public String armToken(Duration ttl) {
        try {
            return ArmTokens.open(dataDir, null, Clock.systemUTC()).mint(ttl);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The iothubowner policy's primary key in an ARM {@code listkeys} answer, or null when it has none. */
    public String ownerKey(String listKeysJson) throws IOException {
        for (JsonNode k : JSON.readTree(listKeysJson).path("value")) {
            if (k.path("keyName").asText().equals("iothubowner")) return k.path("primaryKey").asText();
        }
        return null;
    }

    /** The primary key of a device identity as {@code GET /devices/{id}} returns it, or null when it has none (X.509). */
    public String devicePrimaryKey(String deviceJson) throws IOException {
        JsonNode k = JSON.readTree(deviceJson).path("authentication").path("symmetricKey").path("primaryKey");
        return k.isTextual() && !k.asText().isEmpty() ? k.asText() : null;
    }

    /** Stops the server: its listeners, threads, job runner and store. */
    @Override
    public void close() {
        iolite.close();
    }

    private static synchronized void quietLogs() {
        if (!QUIETED.isEmpty()) return;
        for (String name : QUIET) {
            Logger logger = Logger.getLogger(name);
            if (logger.getLevel() == null && LogManager.getLogManager().getProperty(name + ".level") == null) logger.setLevel(Level.WARNING);
            QUIETED.add(logger);
        }
    }

    /**
     * Initializes this bundle's drivers, which then register themselves, once, in the JVM's {@link DriverManager}:
     * it looks drivers up through the context class loader only once per JVM, and that may have been the suite's.
     */
    private static void registerDrivers() {
        for (String driver : DRIVERS) {
            try {
                Class.forName(driver, true, Bridge.class.getClassLoader());
            } catch (ClassNotFoundException e) {
                throw new IllegalStateException("the embedded server lacks its JDBC driver " + driver, e);
            }
        }
    }
}

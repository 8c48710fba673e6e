package dev.iolite.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iolite.server.arm.ArmHubsHandler;
import dev.iolite.server.arm.ArmMapper;
import dev.iolite.server.arm.ArmRoutes;
import dev.iolite.server.auth.ArmTokens;
import dev.iolite.server.auth.HubAuthenticator;
import dev.iolite.server.http.ErrorRenderer;
import dev.iolite.server.json.Json;
import dev.iolite.server.http.TlsMaterial;
import dev.iolite.server.http.WebServer;
import dev.iolite.server.hub.DevicesHandler;
import dev.iolite.server.hub.HubMapper;
import dev.iolite.server.hub.HubRoutes;
import dev.iolite.server.hub.JobsHandler;
import dev.iolite.server.arm.ArmJobsHandler;
import dev.iolite.server.blob.BlobContainers;
import dev.iolite.server.jobs.JobRunner;
import dev.iolite.server.jobs.JobService;
import dev.iolite.server.jobs.JobTuning;
import dev.iolite.server.store.jdbc.JdbcJobStore;
import dev.iolite.server.hub.TwinsHandler;
import dev.iolite.server.hubs.Hub;
import dev.iolite.server.hubs.HubService;
import dev.iolite.server.registry.Credentials;
import dev.iolite.server.registry.RegistryService;
import dev.iolite.server.store.jdbc.Database;
import dev.iolite.server.store.jdbc.JdbcHubStore;
import dev.iolite.server.store.jdbc.JdbcRegistryStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

/** The composition root: a {@link ServerConfig} in, a running server out. */
public final class Iolite implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Iolite.class);
    public static final String READY_FILE = "ready.json";
    public static final String DEFAULT_RESOURCE_GROUP = "iolite";

    private final ServerConfig config;
    private final Database db;
    private final WebServer web;
    private final JobRunner runner;
    private final ServerIdentity identity;
    private final TlsMaterial tls;
    private final Hub defaultHub;
    private final ObjectMapper json;
    private volatile boolean stopped;

    private Iolite(ServerConfig config, Database db, WebServer web, JobRunner runner, ServerIdentity identity,
                   TlsMaterial tls, Hub defaultHub, ObjectMapper json) {
        this.config = config;
        this.db = db;
        this.web = web;
        this.runner = runner;
        this.identity = identity;
        this.tls = tls;
        this.defaultHub = defaultHub;
        this.json = json;
    }

    /** Opens (or creates) the data dir, starts HTTPS and writes {@code ready.json}. */
    public static Iolite start(ServerConfig config) throws IOException {
        config.validated();
        Path dir = config.dataDir().toAbsolutePath();
        Files.createDirectories(dir);
        Clock clock = Clock.systemUTC();
        ObjectMapper json = Json.newMapper();
        ServerIdentity identity = ServerIdentity.load(dir, json);
        TlsMaterial tls = TlsMaterial.load(dir, config.tlsCert(), config.tlsKey());
        ArmTokens armTokens = ArmTokens.open(dir, config.armIssuer() == null ? null
                : new ArmTokens.External(config.armIssuer(), config.armJwksUrl(), config.armAudience()), clock);
        Database db = config.store() == null ? Database.openSqlite(dir.resolve("iolite.db"))
                : Database.openPostgres(config.store());
        LOG.info("store: {}", config.store() == null ? "SQLite " + dir.resolve("iolite.db") : "PostgreSQL " + config.store());
        JobRunner runner = null;
        try {
            Credentials credentials = new Credentials(new SecureRandom());
            HubService hubs = new HubService(new JdbcHubStore(db, json), credentials, clock);
            JdbcJobStore jobStore = new JdbcJobStore(db, json);
            JdbcRegistryStore registryStore = new JdbcRegistryStore(db, json, jobStore);
            RegistryService registry = new RegistryService(registryStore, credentials, clock);
            Hub defaultHub = hubs.ensure(config.hubName(), identity.subscriptionId(), identity.resourceGroup());
            Files.createDirectories(config.blobRoot());
            BlobContainers containers = new BlobContainers(config.blobRoot(), config.allowedBlobHosts(),
                    config.storageAccounts());
            JobTuning tuning = new JobTuning(config.jobBatchLines(), JobTuning.DEFAULTS.exportBlockBytes(),
                    JobTuning.DEFAULTS.maxLineBytes(), config.jobLease(), config.jobLease().dividedBy(6),
                    JobTuning.DEFAULTS.poll(), JobTuning.DEFAULTS.retention());
            runner = new JobRunner(identity.nodeId(), jobStore, registryStore, registry, containers, clock, tuning, json);
            JobService jobs = new JobService(jobStore, containers, clock, config.jobQueue(), runner::wake);
            HubMapper hubMapper = new HubMapper(json);
            HubRoutes hubRoutes = new HubRoutes(new HubAuthenticator(hubs, defaultHub.name(), clock),
                    new DevicesHandler(registry, hubMapper, json), new TwinsHandler(registry, hubMapper, json),
                    new JobsHandler(jobs, json));
            ArmRoutes armRoutes = new ArmRoutes(armTokens,
                    new ArmHubsHandler(hubs, registry, new ArmMapper(json), json), new ArmJobsHandler(hubs, jobs, json));
            WebServer web = new WebServer(config.bind(), config.port(), config.maxRequestBytes(), tls, json,
                    new ErrorRenderer(json), clock, List.of(armRoutes, hubRoutes));
            web.start();
            runner.start();
            Iolite iolite = new Iolite(config, db, web, runner, identity, tls, defaultHub, json);
            iolite.writeReadyFile();
            return iolite;
        } catch (IOException | RuntimeException e) {
            if (runner != null) runner.close();
            db.close();
            throw e;
        }
    }

    public int port() { return web.port(); }

    /** The base URL clients use; a wildcard bind is reached through loopback. */
    public String url() {
        String host = config.bind();
        if (host.equals("0.0.0.0") || host.equals("::") || host.equals("[::]")) host = "127.0.0.1";
        if (host.contains(":") && !host.startsWith("[")) host = "[" + host + "]";
        return "https://" + host + ":" + port();
    }

    private void writeReadyFile() throws IOException {
        ObjectNode r = json.createObjectNode();
        r.put("url", url());
        r.put("port", port());
        r.put("hub", defaultHub.name());
        r.put("hubHostName", defaultHub.hostName());
        r.put("connectionString", defaultHub.connectionString("iothubowner"));
        r.put("subscriptionId", identity.subscriptionId());
        r.put("resourceGroup", identity.resourceGroup());
        r.put("armEndpoint", url() + "/");
        r.put("certificatePem", tls.certificatePem().toString());
        r.put("truststore", tls.truststore().toString());
        r.put("truststorePassword", TlsMaterial.TRUSTSTORE_PASSWORD);
        r.put("dataDir", config.dataDir().toAbsolutePath().toString());
        r.put("pid", ProcessHandle.current().pid());
        r.put("localBlobRoot", config.blobRoot().toAbsolutePath().toString());
        Path dir = config.dataDir().toAbsolutePath();
        Path tmp = dir.resolve(READY_FILE + ".tmp");
        Files.writeString(tmp, json.writerWithDefaultPrettyPrinter().writeValueAsString(r));
        Files.move(tmp, dir.resolve(READY_FILE), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** Stops accepting, lets requests in flight finish, closes the store. Idempotent. */
    @Override
    public synchronized void close() {
        if (stopped) return;
        stopped = true;
        try {
            Files.deleteIfExists(config.dataDir().toAbsolutePath().resolve(READY_FILE));
        } catch (IOException e) {
            LOG.warn("could not remove {}: {}", READY_FILE, e.getMessage());
        }
        web.stop(Duration.ofSeconds(30));
        runner.close();
        db.close();
    }

    /**
     * The data dir's lasting identity: the subscription and resource group of the default hub, and
     * this node's id, which owns job leases (a restarted node takes its own jobs back at once).
     */
    record ServerIdentity(String subscriptionId, String resourceGroup, String nodeId) {
        static ServerIdentity load(Path dir, ObjectMapper json) throws IOException {
            Path file = dir.resolve("server.json");
            ObjectNode n = Files.exists(file) ? (ObjectNode) json.readTree(file.toFile()) : json.createObjectNode();
            boolean changed = false;
            if (!n.hasNonNull("subscriptionId")) {
                n.put("subscriptionId", UUID.randomUUID().toString());
                changed = true;
            }
            if (!n.hasNonNull("resourceGroup")) {
                n.put("resourceGroup", DEFAULT_RESOURCE_GROUP);
                changed = true;
            }
            if (!n.hasNonNull("nodeId")) {
                n.put("nodeId", "node-" + UUID.randomUUID());
                changed = true;
            }
            if (changed) Files.writeString(file, json.writerWithDefaultPrettyPrinter().writeValueAsString(n));
            return new ServerIdentity(n.get("subscriptionId").asText(), n.get("resourceGroup").asText(),
                    n.get("nodeId").asText());
        }
    }
}

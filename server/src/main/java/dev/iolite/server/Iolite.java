package dev.iolite.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iolite.server.arm.ArmHubsHandler;
import dev.iolite.server.configurations.ConfigurationEvaluator;
import dev.iolite.server.jobs.MethodInvoker;
import dev.iolite.server.configurations.ConfigurationService;
import dev.iolite.server.configurations.EdgeContent;
import dev.iolite.server.hubapi.ConfigurationsHandler;
import dev.iolite.server.hubapi.ScheduledJobsHandler;
import dev.iolite.server.jdbc.configurations.JdbcConfigurationStore;
import dev.iolite.server.arm.ArmMapper;
import dev.iolite.server.arm.ArmRoutes;
import dev.iolite.server.auth.ArmTokens;
import dev.iolite.server.auth.HubAuthenticator;
import dev.iolite.server.http.ErrorRenderer;
import dev.iolite.server.json.JsonBodies;
import dev.iolite.server.http.TlsMaterial;
import dev.iolite.server.http.WebServer;
import dev.iolite.server.devices.DeviceAuthenticator;
import dev.iolite.server.devices.ClusterConnections;
import dev.iolite.server.devices.ClusterNotifier;
import dev.iolite.server.devices.NodeBus;
import dev.iolite.server.devices.RemoteMethods;
import dev.iolite.server.jdbc.cluster.PgNodeBus;
import dev.iolite.server.devices.DeviceSessions;
import dev.iolite.server.amqp.AmqpContext;
import dev.iolite.server.amqp.AmqpListener;
import dev.iolite.server.amqp.AmqpMetrics;
import dev.iolite.server.arm.ArmConsumerGroupsHandler;
import dev.iolite.server.hubs.ConsumerGroups;
import dev.iolite.server.hubs.SharedAccessPolicy;
import dev.iolite.server.jdbc.hubs.JdbcConsumerGroupStore;
import dev.iolite.server.devices.CloudWake;
import dev.iolite.server.jdbc.messages.JdbcCloudQueueStore;
import dev.iolite.server.messages.CloudMessages;
import dev.iolite.server.registry.Device;
import dev.iolite.server.registry.DeviceKey;
import dev.iolite.server.hubapi.CloudMessagesHandler;
import dev.iolite.server.http.WebSocketStreams;
import dev.iolite.server.mqtt.MqttContext;
import dev.iolite.server.mqtt.MqttListener;
import dev.iolite.server.mqtt.MqttMetrics;
import dev.iolite.server.hubapi.DevicesHandler;
import dev.iolite.server.hubapi.HubMapper;
import dev.iolite.server.hubapi.HubRoutes;
import dev.iolite.server.throttle.HubRateLimiter;
import dev.iolite.server.hubapi.JobsHandler;
import dev.iolite.server.hubapi.MessagesHandler;
import dev.iolite.server.arm.ArmJobsHandler;
import dev.iolite.server.blob.BlobContainers;
import dev.iolite.server.blob.BlobHostGuard;
import dev.iolite.server.blob.LocalLayout;
import dev.iolite.server.files.PrivateFiles;
import dev.iolite.server.jobs.JobMetrics;
import dev.iolite.server.jobs.JobRunner;
import dev.iolite.server.metrics.Meters;
import dev.iolite.server.jobs.JobService;
import dev.iolite.server.jobs.JobTuning;
import dev.iolite.server.jdbc.jobs.JdbcJobStore;
import dev.iolite.server.hubapi.TwinsHandler;
import dev.iolite.server.hubapi.MethodsHandler;
import dev.iolite.server.devices.ConnectionEvents;
import dev.iolite.server.devices.DeviceSessions;
import dev.iolite.server.devices.MethodAnswers;
import dev.iolite.server.devices.MethodCalls;
import dev.iolite.server.devices.MethodMetrics;
import dev.iolite.server.hubs.Hub;
import dev.iolite.server.hubs.HubService;
import dev.iolite.server.registry.Credentials;
import dev.iolite.server.registry.RegistryService;
import dev.iolite.server.jdbc.Database;
import dev.iolite.server.jdbc.hubs.JdbcHubStore;
import dev.iolite.server.jdbc.query.JdbcQueryStore;
import dev.iolite.server.jdbc.registry.JdbcRegistryStore;
import dev.iolite.server.jdbc.messages.JdbcMessageStore;
import dev.iolite.server.messages.MessageFeed;
import dev.iolite.server.messages.MessageLog;
import dev.iolite.server.messages.MessageMetrics;
import dev.iolite.server.messages.MessageRetention;
import dev.iolite.server.messages.MessageSink;
import dev.iolite.server.jdbc.devices.JdbcConnectionStore;
import dev.iolite.server.devices.ConnectionEvents;
import dev.iolite.server.devices.ConnectionTracker;
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
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.CompletionException;

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
    /** The default hub as it is now: a change of its keys through this node replaces it and rewrites ready.json. */
    private final AtomicReference<Hub> defaultHub;
    private final ObjectMapper json;
    private final BlobContainers containers;
    private volatile boolean stopped;
    private final Object readyFileLock = new Object();
    private DataDirLock lock;
    private Meters meters;
    private Messages messages;

    /** The built-in endpoint's writer, trim and tail reads, closed together (writer last: it drains its queue). */
    private record Messages(MessageLog log, MessageRetention retention, MessageFeed feed) implements AutoCloseable {
        @Override
        public void close() {
            feed.close();
            retention.close();
            log.close();
        }
    }
    private ConnectionTracker connections;
    private MethodCalls methodCalls;
    private MqttListener mqtt;
    private AmqpListener amqp;
    private CloudMessages cloud;
    private ConfigurationEvaluator evaluator;
    private java.util.concurrent.ExecutorService deviceWork;
    private NodeBus bus;
    private ClusterConnections clusterConnections;
    private RemoteMethods remoteMethods;

    private Iolite(ServerConfig config, Database db, WebServer web, JobRunner runner, ServerIdentity identity,
                   TlsMaterial tls, AtomicReference<Hub> defaultHub, ObjectMapper json, BlobContainers containers) {
        this.containers = containers;
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
        long started = System.nanoTime();
        config.validated();
        Path dir = config.dataDir().toAbsolutePath();
        try {
            PrivateFiles.createDirectories(dir);
            // Data dirs of earlier versions were 0755 with 0644 files, keys and database included.
            PrivateFiles.restrictTree(dir);
            if (!Files.isWritable(dir)) throw new java.nio.file.AccessDeniedException(dir.toString());
        } catch (IOException e) {
            throw new StartFailure(StartFailure.Kind.DATA_DIR_UNWRITABLE, "the data dir " + dir
                    + " cannot be created or written (" + e.getClass().getSimpleName() + "); choose another --data-dir", e);
        }
        DataDirLock lock = DataDirLock.acquire(dir);
        try {
            Iolite iolite = start(config, dir, lock, started);
            iolite.lock = lock;
            return iolite;
        } catch (IOException | RuntimeException e) {
            lock.close();
            throw e;
        }
    }

    private static Iolite start(ServerConfig config, Path dir, DataDirLock lock, long started) throws IOException {
        Clock clock = config.clock();
        ObjectMapper json = JsonBodies.newMapper();
        boolean olderDataDir = Files.exists(dir.resolve("server.json"));
        ServerIdentity identity = ServerIdentity.load(dir, json);
        StartPhases phases = new StartPhases(started);
        Meters meters;
        ServerConfig.Http http = config.http();
        try {
            meters = http.metricsPort() == null ? Meters.off() : Meters.served(http.metricsBind(), http.metricsPort(),
                    http.metricsToken() == null ? null : http.metricsToken().value());
        } catch (IOException e) {
            if (WebServer.isBindFailure(e, http.metricsBind(), http.metricsPort())) {
                throw new StartFailure(StartFailure.Kind.PORT_IN_USE, "port " + http.metricsPort() + " on "
                        + http.metricsBind() + " is in use; choose another with --metrics-port", e);
            }
            throw e;
        }
        phases.mark("metrics");
        if (config.store() == null) PrivateFiles.touch(dir.resolve("iolite.db"));  // SQLite gives its WAL the same mode
        // The store opens and migrates on a thread of its own while this one loads the keys: on two cores, start-up
        // takes the longer of the two rather than their sum. Its failure is reported by join, below.
        CompletableFuture<Database> opening = new CompletableFuture<>();
        Thread opener = new Thread(() -> {
            try {
                opening.complete(Database.open(config.store(), dir.resolve("iolite.db"), meters.registry()));
            } catch (Throwable e) {
                opening.completeExceptionally(e);
            }
        }, "iolite-store-open");
        opener.start();
        TlsMaterial tls;
        ArmTokens armTokens;
        try {
            try {
                tls = TlsMaterial.load(dir, config.http().tlsCert(), config.http().tlsKey());
            } catch (IOException | RuntimeException e) {
                throw new StartFailure(StartFailure.Kind.TLS_MATERIAL, "the TLS material could not be loaded: " + e.getMessage(), e);
            }
            phases.mark("tls");
            ServerConfig.ArmIssuer issuer = config.armIssuer();
            armTokens = ArmTokens.open(dir, issuer == null ? null
                    : new ArmTokens.External(issuer.issuer(), issuer.jwksUrl(), issuer.audience(), issuer.subjects()), clock);
            phases.mark("arm-key");
        } catch (IOException | RuntimeException e) {
            opening.thenAccept(Database::close);
            meters.close();
            throw e;
        }
        Database db;
        try {
            db = opening.join();
        } catch (CompletionException e) {
            meters.close();
            Throwable cause = e.getCause();
            if (cause instanceof Database.OpenException o) {
                throw new StartFailure(o.stage() == Database.OpenException.Stage.CONNECT ? StartFailure.Kind.STORE_UNREACHABLE
                        : StartFailure.Kind.MIGRATION_FAILED, o.getMessage(), o);
            }
            if (cause instanceof RuntimeException r) throw r;
            if (cause instanceof Error err) throw err;
            throw e;
        }
        JobRunner runner = null;
        Messages messages = null;
        ConnectionTracker connections = null;
        MethodCalls methodCalls = null;
        MqttListener mqtt = null;
        AmqpListener amqp = null;
        CloudMessages cloud = null;
        ConfigurationEvaluator evaluator = null;
        NodeBus bus = null;
        ClusterConnections clusterConnections = null;
        java.util.concurrent.ExecutorService deviceWork = null;
        java.util.concurrent.atomic.AtomicReference<String> publicBase = new java.util.concurrent.atomic.AtomicReference<>();
        try {
            Credentials credentials = new Credentials(new SecureRandom());
            phases.mark("store");
            JdbcHubStore hubStore = new JdbcHubStore(db, json);
            Path blobRoot = config.blobRoot().toAbsolutePath().normalize();
            try {
                // Iolite changes only what it made: a root outside the data dir is neither re-moded nor adopted
                LocalLayout.prepare(blobRoot, config.hubName(), olderDataDir, blobRoot.startsWith(dir));
            } catch (LocalLayout.ForeignRootException e) {
                throw new StartFailure(StartFailure.Kind.FOREIGN_BLOB_ROOT, e.getMessage(), e);
            }
            BlobContainers containers = new BlobContainers(config.blobRoot(),
                    new BlobHostGuard(config.blobs().allowedHosts(), isLoopback(config.http().bind())),
                    config.blobs().storageAccounts().stream().map(a -> new BlobContainers.StorageGrant(a.name(), a.key(), a.hubs()))
                            .toList(), () -> hubStore.list().size(), meters.registry());
            // ready.json holds the default hub's owner connection string: it follows the hub's keys (and a hub made
            // again under that name) once the server runs
            AtomicReference<Hub> currentDefault = new AtomicReference<>();
            AtomicReference<Iolite> running = new AtomicReference<>();
            java.util.function.Consumer<Hub> defaultChanged = hub -> {
                if (!hub.name().equalsIgnoreCase(config.hubName())) return;
                currentDefault.accumulateAndGet(hub, (cur, next) -> cur == null || !next.createdAt().equals(cur.createdAt())
                        || next.version() > cur.version() ? next : cur);
                Iolite iolite = running.get();
                if (iolite != null) iolite.rewriteReadyFile();
            };
            HubService hubs = new HubService(hubStore, credentials, clock, name -> {
                try {
                    LocalLayout.hubFolder(containers.hubRoot(name));
                } catch (IOException e) {
                    LOG.warn("hub {} is created, but its folder of local containers is not usable: {}", name, e.getMessage());
                }
                if (running.get() != null && name.equalsIgnoreCase(config.hubName())) hubStore.find(name).ifPresent(defaultChanged);
            }, defaultChanged, name -> {
                try {
                    if (!LocalLayout.deleteHubFolder(containers.hubRoot(name))) {
                        LOG.warn("hub {} is deleted; {} was not made by Iolite and is left in place", name, containers.hubRoot(name));
                    }
                } catch (IOException e) {
                    LOG.warn("hub {} is deleted, but its local containers could not all be removed: {}", name, e.toString());
                }
            });
            JdbcJobStore jobStore = new JdbcJobStore(db, json);
            JdbcRegistryStore registryStore = new JdbcRegistryStore(db, json, config.queryTimeout());
            // connection state of every device surface, written in batches; this node's lease in the store
            connections = new ConnectionTracker(new JdbcConnectionStore(db), identity.nodeId(), clock, meters.registry());
            connections.start();
            DeviceSessions sessions = new DeviceSessions(connections, clock);
            // several nodes on one PostgreSQL store reach each other's devices through it; SQLite serves one node
            bus = config.store() == null ? NodeBus.alone(identity.nodeId()) : PgNodeBus.start(db, config.store(), identity.nodeId());
            RemoteMethods remoteMethods = new RemoteMethods(bus, sessions, json);
            clusterConnections = new ClusterConnections(bus, sessions, json);  // a connect here cuts an older one elsewhere
            JdbcQueryStore queryStore = new JdbcQueryStore(db, json, config.queryTimeout());
            RegistryService registry = new RegistryService(registryStore, queryStore, credentials, clock,
                    new ClusterNotifier(sessions, bus, json));
            Hub defaultHub = hubs.ensure(config.hubName(), identity.subscriptionId(), identity.resourceGroup());
            currentDefault.set(defaultHub);
            try {
                LocalLayout.hubFolder(containers.hubRoot(defaultHub.name()));
            } catch (LocalLayout.ForeignRootException e) {
                throw new StartFailure(StartFailure.Kind.FOREIGN_BLOB_ROOT, e.getMessage(), e);
            }
            checkStorageGrants(config, hubs.list().size());
            JobTuning tuning = config.jobs().tuning();
            JobMetrics jobMetrics = new JobMetrics(meters.registry());
            runner = new JobRunner(identity.nodeId(), jobStore, registryStore, registry, containers, clock, tuning, json,
                    jobMetrics);
            JobService jobs = new JobService(jobStore, registryStore, containers, clock, config.jobs().queue(), runner::wake, jobMetrics);
            HubMapper hubMapper = new HubMapper(json);
            // configurations and IoT Edge deployments, kept in the store
            JdbcConfigurationStore configurationStore = new JdbcConfigurationStore(db, json);
            ConfigurationService configurations = new ConfigurationService(configurationStore, clock);
            runner.configurations(new dev.iolite.server.jobs.ConfigurationTransfer() {
                @Override
                public java.util.List<com.fasterxml.jackson.databind.node.ObjectNode> export(String hub) {
                    return configurations.exportAll(hub);
                }

                @Override
                public void apply(String hub, com.fasterxml.jackson.databind.node.ObjectNode line) {
                    configurations.importLine(hub, ConfigurationService.maxFor(hubs.find(hub).map(Hub::skuName).orElse(null)), line);
                }
            });
            // applies them to twins: woken by their changes and by registry writes to hubs that have some
            evaluator = new ConfigurationEvaluator(configurationStore, queryStore, registry);
            ConfigurationEvaluator wakes = evaluator;
            configurations.onChange((hub, id) -> wakes.wake(hub));
            registry.onWrite(wakes::registryWritten);
            // the built-in endpoint: device messages are appended by one group-commit writer, trimmed by age and bytes
            JdbcMessageStore messageStore = new JdbcMessageStore(db);
            MessageMetrics messageMetrics = new MessageMetrics(meters.registry());
            ServerConfig.Devices devices = config.devices();
            MessageLog messageLog = new MessageLog(messageStore, devices.partitions(), clock, MessageLog.Tuning.DEFAULTS, messageMetrics);
            MessageFeed messageFeed = new MessageFeed(messageStore, devices.partitions());
            messageLog.onCommit(messageFeed::committed);
            messages = new Messages(messageLog, new MessageRetention(messageStore, clock, devices.telemetryRetention(),
                    devices.telemetryMaxBytes(), messageMetrics).start(), messageFeed);
            // cloud-to-device queues: kept in the store, delivered by the node that holds the device's connection
            cloud = new CloudMessages(new JdbcCloudQueueStore(db), clock,
                    (hub, deviceId, moduleId) -> registryStore.find(hub, new DeviceKey(deviceId, moduleId)).isPresent(),
                    (hub, deviceId) -> registryStore.find(hub, new DeviceKey(deviceId, null)).map(Device::generationId).orElse(""),
                    new dev.iolite.server.messages.CloudMetrics(meters.registry()));
            cloud.wake(new CloudWake(sessions, bus, json));
            cloud.start();
            // IoT Hub's per-hub rates, only when --throttle asks for them
            HubRateLimiter limiter = new HubRateLimiter(config.throttle(), clock);
            // the direct method calls that wait for the answers of devices connected to this node
            methodCalls = new MethodCalls(sessions, new MethodMetrics(meters.registry()), MethodCalls.Limits.DEFAULT, remoteMethods);
            // scheduled method jobs call devices the way the hub API does, wherever the device is connected
            MethodCalls calls = methodCalls;
            runner.methods((hub, deviceId, m) -> calls.invoke(hub, new DeviceKey(deviceId, null), new MethodCalls.Call(m.name(),
                            m.payload(), Duration.ofSeconds(m.responseTimeoutSeconds()), Duration.ofSeconds(m.connectTimeoutSeconds())))
                    .thenApply(a -> new MethodInvoker.Answer(a.status(),
                            a.payload() == null ? null : new String(a.payload(), java.nio.charset.StandardCharsets.UTF_8))));
            MethodsHandler methodsHandler = new MethodsHandler(registry, methodCalls, json);
            HubRoutes hubRoutes = new HubRoutes(new HubAuthenticator(hubs, defaultHub.name(), clock),
                    new DevicesHandler(registry, hubMapper, json, hubStore.sharedSecret("query-tokens"), connections),
                    new TwinsHandler(registry, hubMapper, json),
                    new JobsHandler(jobs, json), methodsHandler,
                    new MessagesHandler(messageFeed, json), new CloudMessagesHandler(cloud, json),
                    new ConfigurationsHandler(configurations, new EdgeContent(registry), json),
                    new ScheduledJobsHandler(jobs, methodsHandler, json, clock), limiter);
            // the built-in endpoint read as Event Hubs, and the service clients' AMQP (its port is known once bound)
            ConsumerGroups consumerGroups = new ConsumerGroups(new JdbcConsumerGroupStore(db), hubs, clock);
            amqp = new AmqpListener(new AmqpContext(hubs, defaultHub.name(), consumerGroups::exists, messageStore,
                    devices.partitions(), null, clock, new AmqpMetrics(meters.registry()), cloud), tls);
            messageLog.onCommit(amqp::committed);
            AmqpListener amqpListener = amqp;
            ArmMapper.BuiltInEndpoint builtIn = new ArmMapper.BuiltInEndpoint(devices.partitions(),
                    (int) Math.max(1, (devices.telemetryRetention().toHours() + 23) / 24),
                    () -> eventHubEndpoint(config, amqpListener.port()));
            ArmRoutes armRoutes = new ArmRoutes(armTokens,
                    new ArmHubsHandler(hubs, registry, new ArmMapper(json, builtIn), json), new ArmJobsHandler(hubs, jobs, json, () -> config.http().publicUrlOr(publicBase.get())),
                    new ArmConsumerGroupsHandler(hubs, consumerGroups, json), limiter);
            deviceWork = DeviceWork.start();
            mqtt = new MqttListener(new MqttContext(new DeviceAuthenticator(hubs, registry, clock, defaultHub.name()), sessions, registry,
                    messageLog, remoteMethods.answers(methodCalls), deviceWork, json, clock,
                    new MqttMetrics(meters.registry(), sessions::size), cloud), tls);
            WebServer web = new WebServer(config.http().bind(), config.http().port(), config.http().maxRequestBytes(), tls, json,
                    new ErrorRenderer(json), clock,
                    List.of(new dev.iolite.server.http.HealthRoutes(db::unavailableBecause), armRoutes, hubRoutes,
                            webSockets(mqtt.webSocketStream(), amqp.webSocketStream())),
                    meters.registry());
            phases.mark("services");
            try {
                web.start();
            } catch (Exception e) {  // Javalin also throws Jetty's checked exceptions undeclared
                if (!WebServer.isBindFailure(e, config.http().bind(), config.http().port())) {
                    throw e instanceof RuntimeException r ? r : new IllegalStateException("the HTTPS server did not start: " + e, e);
                }
                throw new StartFailure(StartFailure.Kind.PORT_IN_USE, "port " + config.http().port() + " on "
                        + config.http().bind() + " is in use; choose another with --port", e);
            }
            try {
                mqtt.start(config.http().bind(), config.devices().mqttPort());
            } catch (IOException | RuntimeException e) {
                web.stop(Duration.ofSeconds(5));
                if (!WebServer.isBindFailure(e, config.http().bind(), config.devices().mqttPort())) throw e;
                throw new StartFailure(StartFailure.Kind.PORT_IN_USE, "port " + config.devices().mqttPort() + " on "
                        + config.http().bind() + " is in use; choose another with --mqtt-port (0 picks a free one)", e);
            }
            try {
                amqp.start(config.http().bind(), config.devices().amqpPort());
            } catch (IOException | RuntimeException e) {
                web.stop(Duration.ofSeconds(5));
                if (!WebServer.isBindFailure(e, config.http().bind(), config.devices().amqpPort())) throw e;
                throw new StartFailure(StartFailure.Kind.PORT_IN_USE, "port " + config.devices().amqpPort() + " on "
                        + config.http().bind() + " is in use; choose another with --amqp-port (0 picks a free one)", e);
            }
            publicBase.set(url(config, web.port()));
            lock.describe("pid " + ProcessHandle.current().pid() + ", " + url(config, web.port()));
            phases.mark("https");
            runner.start();
            evaluator.start();
            LOG.info("serving hub {} on {}, ready in {} ms; store: {}", defaultHub.name(), url(config, web.port()),
                    phases.totalMillis(),
                    config.store() == null ? "SQLite " + dir.resolve("iolite.db") : "PostgreSQL " + config.store());
            if (config.throttle() != null) LOG.info("throttling every hub at IoT Hub's {} rates (--throttle)", config.throttle());
            Iolite iolite = new Iolite(config, db, web, runner, identity, tls, currentDefault, json, containers);
            iolite.meters = meters;
            iolite.messages = messages;
            iolite.connections = connections;
            iolite.methodCalls = methodCalls;
            iolite.mqtt = mqtt;
            iolite.amqp = amqp;
            iolite.cloud = cloud;
            iolite.evaluator = evaluator;
            iolite.deviceWork = deviceWork;
            iolite.bus = bus;
            iolite.clusterConnections = clusterConnections;
            iolite.remoteMethods = remoteMethods;
            running.set(iolite);
            iolite.writeReadyFile();
            LOG.debug("start-up phases: {}", phases);
            return iolite;
        } catch (IOException | RuntimeException e) {
            if (evaluator != null) evaluator.close();
            if (mqtt != null) mqtt.close();
            if (amqp != null) amqp.close();
            if (cloud != null) cloud.close();
            if (deviceWork != null) deviceWork.shutdownNow();
            if (clusterConnections != null) clusterConnections.close();
            if (bus != null) bus.close();
            if (runner != null) runner.close();
            if (messages != null) messages.close();
            if (connections != null) connections.close();
            if (methodCalls != null) methodCalls.close();
            db.close();
            meters.close();
            throw e;
        }
    }

    public int port() { return web.port(); }

    /** Where a device surface hands the devices' answers to method requests. */
    public MethodAnswers methodAnswers() { return methodCalls; }
    /** Direct method calls to devices connected to other nodes of this store (none on SQLite). */
    public RemoteMethods remoteMethods() { return remoteMethods; }

    /** The MQTT-over-TLS port, or -1 when it is off ({@code --mqtt-port -1}). */
    public int mqttPort() { return mqtt.port(); }

    /** The cloud-to-device queues (tests run their sweep at once). */
    public CloudMessages cloudMessages() { return cloud; }

    /** The AMQP-over-TLS port, or -1 when it is off ({@code --amqp-port -1}). */
    public int amqpPort() { return amqp.port(); }

    /**
     * The connection string of a hub's built-in endpoint for Event Hubs clients, with the policy {@code service}
     * (ServiceConnect), as the portal shows it under "Built-in endpoints".
     */
    public String eventHubConnectionString(Hub hub) {
        SharedAccessPolicy p = hub.policy("service").or(() -> hub.policy("iothubowner")).orElseThrow();
        return "Endpoint=" + eventHubEndpoint(config, amqpPort()) + ";SharedAccessKeyName=" + p.keyName()
                + ";SharedAccessKey=" + p.primaryKey() + ";EntityPath=" + hub.name();
    }

    /** The default hub's built-in endpoint connection string for Event Hubs clients (ready.json's {@code eventHubConnectionString}). */
    public String eventHubConnectionString() { return eventHubConnectionString(defaultHub.get()); }

    /**
     * MQTT and AMQP over WebSockets on the HTTPS port: IoT Hub's {@code /$iothub/websocket} carries both (by
     * subprotocol: {@code mqtt}, {@code AMQPWSB10}; MQTT when none is named), Event Hubs' {@code /$servicebus/websocket}
     * carries AMQP.
     */
    private static WebSocketStreams webSockets(WebSocketStreams.Stream mqtt, WebSocketStreams.Stream amqp) {
        return new WebSocketStreams(List.of(
                new WebSocketStreams.Route("/$iothub/websocket", Map.of("mqtt", mqtt, "amqpwsb10", amqp), mqtt),
                new WebSocketStreams.Route("/$servicebus/websocket", Map.of("amqpwsb10", amqp), amqp)));
    }

    /** {@code sb://HOST:PORT/}: where the AMQP listener is reached. */
    private static String eventHubEndpoint(ServerConfig config, int amqpPort) {
        String https = url(config, 1);
        String host = https.substring("https://".length(), https.lastIndexOf(':'));
        return "sb://" + host + (amqpPort > 0 ? ":" + amqpPort : "") + "/";
    }

    /**
     * Where device surfaces append the messages devices send: the hub's built-in endpoint, whose futures complete
     * once a message is committed (an MQTT PUBACK goes out then).
     */
    public MessageSink messageSink() { return messages.log(); }

    /** The built-in endpoint's trim, to run a round now (tests that move the clock). */
    public MessageRetention messageRetention() { return messages.retention(); }

    /**
     * Where the device surfaces report connections, disconnections and activity ({@code connectionState},
     * {@code lastActivityTime}, {@code connectedDeviceCount}): hand it to {@code DeviceSessions}.
     */
    public ConnectionEvents connectionEvents() { return connections; }

    /**
     * Backs up the SQLite store of {@code dataDir} into the new file {@code target} while servers use it
     * ({@code iolite backup}); returns the copy's size. A PostgreSQL store is backed up with PostgreSQL's tools.
     */
    public static long backup(Path dataDir, Path target) throws IOException {
        Path db = dataDir.toAbsolutePath().resolve("iolite.db");
        if (!Files.exists(db)) {
            throw new IOException("the data dir " + dataDir.toAbsolutePath() + " holds no SQLite store (iolite.db); a server"
                    + " on PostgreSQL is backed up with pg_dump (docs/operations.md)");
        }
        return dev.iolite.server.jdbc.backup.SqliteBackup.copy(db, target.toAbsolutePath());
    }

    /** The default hub: its name, the host name its SAS tokens name, and its owner policy's connection string. */
    public String hubName() { return defaultHub.get().name(); }

    public String hubHostName() { return defaultHub.get().hostName(); }

    public String connectionString() { return defaultHub.get().connectionString("iothubowner"); }

    public String subscriptionId() { return identity.subscriptionId(); }

    public String resourceGroup() { return identity.resourceGroup(); }

    /** The PKCS12 truststore that trusts this server's certificate; its password is {@link TlsMaterial#TRUSTSTORE_PASSWORD}. */
    public Path truststore() { return tls.truststore(); }

    /** The folder that the default hub's {@code file:NAME} containers resolve under. */
    public Path localBlobRoot() { return containers.hubRoot(defaultHub.get().name()); }

    /** The port of the metrics listener, or -1 when metrics are off. */
    public int metricsPort() { return meters.port(); }

    /** True when the server listens on loopback only (then loopback blob hosts such as Azurite are allowed). */
    static boolean isLoopback(String bind) {
        try {
            return java.net.InetAddress.getByName(bind.replace("[", "").replace("]", "")).isLoopbackAddress();
        } catch (java.net.UnknownHostException e) {
            return false;
        }
    }

    /** A storage account without a hub list serves every hub, which is only safe while there is one hub. */
    private static void checkStorageGrants(ServerConfig config, int hubCount) {
        if (hubCount <= 1) return;
        for (ServerConfig.StorageAccount a : config.blobs().storageAccounts()) {
            if (a.hubs().isEmpty()) {
                LOG.warn("--storage-account {} names no hubs, and this server has {} hubs: no hub may use it;"
                        + " grant it as {}=KEY@HUB,...", a.name(), hubCount, a.name());
            }
        }
    }

    /** The base URL clients use; a wildcard bind is reached through loopback. */
    public String url() {
        return url(config, port());
    }

    private static String metricsUrl(ServerConfig config, int port) {
        return url(config.http().metricsBind(), port).replace("https://", "http://") + "/metrics";
    }

    private static String url(ServerConfig config, int port) {
        return url(config.http().bind(), port);
    }

    private static String url(String bind, int port) {
        String host = bind;
        if (host.equals("0.0.0.0") || host.equals("::") || host.equals("[::]")) host = "127.0.0.1";
        if (host.contains(":") && !host.startsWith("[")) host = "[" + host + "]";
        return "https://" + host + ":" + port;
    }

    /**
     * Writes ready.json, at start and again whenever the default hub's keys change through this node (a key
     * rotated by another node of a cluster reaches this file at this node's next start; {@code iolite sas-token}
     * reads the keys from the API and is current either way). Atomic: a reader sees the old file or the new one.
     */
    private void writeReadyFile() throws IOException {
        synchronized (readyFileLock) {  // not this: close() holds that while requests in flight finish
            if (stopped) return;
            writeReadyFile(defaultHub.get());
        }
    }

    /** After start: a rewrite that fails is logged, since the change it follows has committed. */
    private void rewriteReadyFile() {
        try {
            writeReadyFile();
        } catch (IOException | RuntimeException e) {
            LOG.warn("could not rewrite {} after a change of hub {}: {}", READY_FILE, defaultHub.get().name(), e.toString());
        }
    }

    private void writeReadyFile(Hub defaultHub) throws IOException {
        ObjectNode r = json.createObjectNode();
        r.put("url", url());
        r.put("port", port());
        if (mqttPort() >= 0) r.put("mqttPort", mqttPort());
        if (amqpPort() >= 0) r.put("amqpPort", amqpPort());
        r.put("hub", defaultHub.name());
        r.put("hubHostName", defaultHub.hostName());
        r.put("connectionString", defaultHub.connectionString("iothubowner"));
        r.put("eventHubConnectionString", eventHubConnectionString(defaultHub));
        r.put("subscriptionId", identity.subscriptionId());
        r.put("resourceGroup", identity.resourceGroup());
        r.put("armEndpoint", url() + "/");
        r.put("certificatePem", tls.certificatePem().toString());
        r.put("truststore", tls.truststore().toString());
        r.put("truststorePassword", TlsMaterial.TRUSTSTORE_PASSWORD);
        r.put("dataDir", config.dataDir().toAbsolutePath().toString());
        r.put("pid", ProcessHandle.current().pid());
        if (meters.port() >= 0) r.put("metricsUrl", metricsUrl(config, meters.port()));
        // file:NAME of the default hub resolves under localBlobRoot; hub H's under blobRoot/H (lower case)
        r.put("localBlobRoot", containers.hubRoot(defaultHub.name()).toString());
        r.put("blobRoot", containers.localRoot().toString());
        Path dir = config.dataDir().toAbsolutePath();
        Path tmp = dir.resolve(READY_FILE + ".tmp");
        Files.deleteIfExists(tmp);
        PrivateFiles.writeString(tmp, json.writerWithDefaultPrettyPrinter().writeValueAsString(r));
        Files.move(tmp, dir.resolve(READY_FILE), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** Stops accepting, lets requests in flight finish, closes the store. Idempotent. */
    @Override
    public synchronized void close() {
        if (stopped) return;
        stopped = true;
        synchronized (readyFileLock) {
            try {
                Files.deleteIfExists(config.dataDir().toAbsolutePath().resolve(READY_FILE));
            } catch (IOException e) {
                LOG.warn("could not remove {}: {}", READY_FILE, e.getMessage());
            }
        }
        methodCalls.close();  // calls waiting for devices end now (503), not after the HTTPS stop's wait
        if (messages != null) messages.feed().close();  // waiting tail reads answer now, not at their deadline
        if (mqtt != null) mqtt.stop(Duration.ofSeconds(5));
        if (amqp != null) amqp.stop(Duration.ofSeconds(5));
        web.stop(Duration.ofSeconds(30));
        if (deviceWork != null) DeviceWork.stop(deviceWork);
        if (cloud != null) cloud.close();  // after the device surfaces: the acknowledgements they took are removed
        connections.close();  // after the device surfaces: their last disconnects are written, then the lease given up
        if (clusterConnections != null) clusterConnections.close();
        if (bus != null) bus.close();
        runner.close();
        if (evaluator != null) evaluator.close();
        if (messages != null) messages.close();
        db.close();
        if (meters != null) meters.close();
        if (lock != null) lock.close();
    }

    /** Where start-up time goes, for the debug log (BENCHMARKS.md, "Start-up"). */
    private static final class StartPhases {
        private final long started;
        private long last;
        private final StringBuilder text = new StringBuilder();

        StartPhases(long started) {
            this.started = started;
            this.last = started;
        }

        void mark(String phase) {
            long now = System.nanoTime();
            text.append(text.length() == 0 ? "" : ", ").append(phase).append(' ').append((now - last) / 1_000_000).append(" ms");
            last = now;
        }

        long totalMillis() { return (System.nanoTime() - started) / 1_000_000; }

        @Override
        public String toString() { return text.toString(); }
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
            if (changed) {
                Files.deleteIfExists(file);
                PrivateFiles.writeString(file, json.writerWithDefaultPrettyPrinter().writeValueAsString(n));
            }
            return new ServerIdentity(n.get("subscriptionId").asText(), n.get("resourceGroup").asText(),
                    n.get("nodeId").asText());
        }
    }
}

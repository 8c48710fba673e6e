package dev.iolite.cli;

import dev.iolite.server.Iolite;
import dev.iolite.server.ServerConfig;
import dev.iolite.server.StartFailure;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import dev.iolite.server.store.StoreUrl;
import dev.iolite.server.throttle.Sku;
import picocli.CommandLine;

import java.net.URL;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/** {@code iolite serve}: runs the registry until SIGTERM or Ctrl-C, then stops cleanly with exit code 0. */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = "Run the registry over HTTPS. Every option can also come from its IOLITE_* variable.")
final class ServeCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--data-dir",
            description = "Data folder: database, TLS material, keys, ready.json (default: ${DEFAULT-VALUE}; IOLITE_DATA_DIR).")
    Path dataDir;

    @Option(names = "--port",
            description = "HTTPS port; 0 picks a free one (default: ${DEFAULT-VALUE}; IOLITE_PORT).")
    int port;

    @Option(names = "--mqtt-port",
            description = "MQTT-over-TLS port of devices; 0 picks a free one, -1 none (MQTT over WebSockets stays on "
                    + "the HTTPS port) (default: ${DEFAULT-VALUE}; IOLITE_MQTT_PORT).")
    int mqttPort;

    @Option(names = "--amqp-port",
            description = "AMQP-over-TLS port of the service clients and Event Hubs readers; 0 picks a free one, -1 none "
                    + "(AMQP over WebSockets stays on the HTTPS port) (default: ${DEFAULT-VALUE}; IOLITE_AMQP_PORT).")
    int amqpPort;

    @Option(names = "--bind",
            description = "Address to listen on (default: ${DEFAULT-VALUE}; IOLITE_BIND).")
    String bind;

    @Option(names = "--hub",
            description = "Name of the default hub (default: ${DEFAULT-VALUE}; IOLITE_HUB).")
    String hub;

    @Option(names = "--tls-cert",
            description = "PEM certificate chain; without it a self-signed one is made once (IOLITE_TLS_CERT).")
    Path tlsCert;

    @Option(names = "--tls-key",
            description = "PEM private key of --tls-cert (IOLITE_TLS_KEY).")
    Path tlsKey;

    @Option(names = "--arm-issuer",
            description = "Also accept ARM bearer tokens of this OIDC issuer (IOLITE_ARM_ISSUER).")
    String armIssuer;

    @Option(names = "--arm-jwks-url",
            description = "JWKS of --arm-issuer (IOLITE_ARM_JWKS_URL).")
    URL armJwksUrl;

    @Option(names = "--arm-audience",
            description = "Audience that --arm-issuer tokens must carry; required with --arm-issuer (IOLITE_ARM_AUDIENCE).")
    String armAudience;

    @Option(names = "--arm-subjects", split = ",",
            description = "Only these subjects or object ids (sub/oid claims) of --arm-issuer may act; "
                    + "comma-separated (IOLITE_ARM_SUBJECTS; default: every identity of the issuer).")
    List<String> armSubjects;

    @Option(names = "--public-url",
            description = "The https URL clients reach this server by, for absolute links such as ARM's nextLink "
                    + "(IOLITE_PUBLIC_URL; default: the server's own URL).")
    String publicUrl;

    @Option(names = "--max-request-bytes",
            description = "Cap on request bodies; larger ones get 413 (default: ${DEFAULT-VALUE}; IOLITE_MAX_REQUEST_BYTES).")
    long maxRequestBytes;

    @Option(names = "--local-blob-root",
            description = "Folder of file: containers (default: DATA_DIR/blobs; IOLITE_LOCAL_BLOB_ROOT).")
    Path localBlobRoot;

    @Option(names = "--allowed-blob-hosts", split = ",",
            description = "Blob hosts jobs may contact, comma-separated: names, *.suffix patterns (public addresses "
                    + "only), host:port, IP addresses and CIDR ranges; loopback is added while --bind is loopback "
                    + "(default: ${DEFAULT-VALUE}; IOLITE_ALLOWED_BLOB_HOSTS).")
    List<String> allowedBlobHosts;

    @Option(names = "--storage-account",
            description = "NAME=KEY[@HUB,HUB...] of a storage account for identityBased jobs of those hubs (without "
                    + "@, every hub, allowed only while one hub exists); repeat it, or separate with ';' "
                    + "(IOLITE_STORAGE_ACCOUNTS). Prefer --storage-account-file: a key here shows in the process table.")
    List<String> storageAccounts;

    @Option(names = "--storage-account-file",
            description = "File with one NAME=KEY[@HUB,HUB...] per line ('#' comments) (IOLITE_STORAGE_ACCOUNT_FILE).")
    Path storageAccountFile;

    @Option(names = "--job-queue",
            description = "Queue a hub's second import/export job instead of refusing it with 403 (IOLITE_JOB_QUEUE).")
    boolean jobQueue;

    @Option(names = "--job-batch-lines",
            description = "Import lines applied per transaction (default: ${DEFAULT-VALUE}; IOLITE_JOB_BATCH_LINES).")
    int jobBatchLines;

    @Option(names = "--job-lease", converter = TokenCommand.DurationConverter.class,
            description = "How long a node's claim on a running job lasts without a heartbeat; another node "
                    + "resumes the job after it (default: ${DEFAULT-VALUE}; IOLITE_JOB_LEASE).")
    java.time.Duration jobLease;

    @Option(names = "--job-stall-after", converter = TokenCommand.DurationConverter.class,
            description = "The watchdog reports a running job whose progress stood still this long, in the log and "
                    + "in the job's statusMessage (default: ${DEFAULT-VALUE}; IOLITE_JOB_STALL_AFTER).")
    java.time.Duration jobStallAfter;

    @Option(names = "--query-timeout", converter = TokenCommand.DurationConverter.class,
            description = "How long a query or a job's scan may run before the store stops it; the query gets 400 "
                    + "(default: ${DEFAULT-VALUE}; IOLITE_QUERY_TIMEOUT).")
    java.time.Duration queryTimeout;

    @Option(names = "--telemetry-retention", converter = TokenCommand.DurationConverter.class,
            description = "How long the built-in endpoint keeps a device message, 1m to 7d "
                    + "(default: ${DEFAULT-VALUE}; IOLITE_TELEMETRY_RETENTION).")
    java.time.Duration telemetryRetention;

    @Option(names = "--telemetry-max-bytes",
            description = "The most a hub's built-in endpoint holds, in bytes; the oldest messages go first past it "
                    + "(default: ${DEFAULT-VALUE}; IOLITE_TELEMETRY_MAX_BYTES).")
    long telemetryMaxBytes;

    @Option(names = "--job-workers",
            description = "Jobs a node runs at once, each of another hub; a hub still runs one job at a time "
                    + "(default: ${DEFAULT-VALUE}; IOLITE_JOB_WORKERS).")
    int jobWorkers;

    @Option(names = "--store",
            description = "PostgreSQL store: postgresql://USER:PASSWORD@HOST:PORT/DB or a jdbc:postgresql URL "
                    + "(IOLITE_STORE; default: SQLite in the data dir).")
    String store;

    @Option(names = "--store-password-file",
            description = "File holding the PostgreSQL password, so that --store need not carry it "
                    + "(IOLITE_STORE_PASSWORD_FILE; or IOLITE_STORE_PASSWORD).")
    Path storePasswordFile;

    @Option(names = "--metrics-port",
            description = "Serve Prometheus metrics over plain HTTP at /metrics on this port of --metrics-bind; 0 picks a "
                    + "free one (IOLITE_METRICS_PORT; default: off).")
    Integer metricsPort;

    @Option(names = "--metrics-bind",
            description = "Address of the metrics listener; it does not follow --bind (IOLITE_METRICS_BIND; default: "
                    + "127.0.0.1).")
    String metricsBind;

    @Option(names = "--metrics-token-file",
            description = "File whose first line is the bearer token every scrape must send; not readable by other "
                    + "users (IOLITE_METRICS_TOKEN_FILE; default: no token).")
    Path metricsTokenFile;

    @Option(names = "--throttle",
            description = "Apply IoT Hub's per-hub rates of a tier and its units, S1, S2 or S3[:UNITS] (such as S1:2), to "
                    + "registry operations, queries, twins and jobs: a call over its hub's rate gets 429 "
                    + "throttling error 429001 with Retry-After (IOLITE_THROTTLE; default: off).")
    String throttle;

    @Option(names = "--log-format", defaultValue = "text",
            description = "Log lines on standard error: text, or json (one object per line) (default: ${DEFAULT-VALUE}; IOLITE_LOG_FORMAT).")
    String logFormat;

    @Option(names = "--log-level", defaultValue = "info",
            description = "error, warn, info, or debug (every request, with its request id) (default: ${DEFAULT-VALUE}; IOLITE_LOG_LEVEL).")
    String logLevel;

    @Option(names = "--verbose", description = "Stack traces in the log and with a start-up failure.")
    boolean verbose;

    @Override
    public Integer call() throws Exception {
        ServerConfig config;
        try {
            Logging.configure(Logging.format(logFormat), Logging.level(logLevel), verbose);
            List<ServerConfig.StorageAccount> accounts = new ArrayList<>();
            for (String a : storageAccounts == null ? List.<String>of() : storageAccounts) {
                for (String one : a.split(";")) if (!one.isBlank()) accounts.add(SecretOptions.storageAccount(one));
            }
            if (storageAccountFile != null) accounts.addAll(SecretOptions.storageAccounts(storageAccountFile));
            ServerConfig.ArmIssuer issuer = armIssuer == null && armJwksUrl == null && armAudience == null
                    && (armSubjects == null || armSubjects.isEmpty()) ? null
                    : new ServerConfig.ArmIssuer(armIssuer, armJwksUrl, armAudience, armSubjects);
            if ((store == null || store.isBlank()) && storePasswordFile != null) {
                throw new IllegalArgumentException("--store-password-file goes with --store: SQLite has no password");
            }
            StoreUrl storeUrl = store == null || store.isBlank() ? null
                    : SecretOptions.withPassword(StoreUrl.parse(store), storePasswordFile, System.getenv("IOLITE_STORE_PASSWORD"));
            config = new ServerConfig(dataDir, hub,
                    new ServerConfig.Http(bind, port, tlsCert, tlsKey, maxRequestBytes,
                            publicUrl == null || publicUrl.isBlank() ? null : publicUrl, metricsPort, metricsBind,
                            metricsTokenFile == null ? null : SecretOptions.privateToken(metricsTokenFile, "--metrics-token-file")),
                    issuer, new ServerConfig.Blobs(localBlobRoot, allowedBlobHosts, accounts),
                    new ServerConfig.Jobs(jobQueue, jobBatchLines, jobLease, jobStallAfter, jobWorkers), storeUrl)
                    .withQueryTimeout(queryTimeout)
                    .withDevices(ServerConfig.Devices.DEFAULTS.withMqttPort(mqttPort).withAmqpPort(amqpPort).withTelemetry(telemetryRetention, telemetryMaxBytes))
                    .withThrottle(throttle == null || throttle.isBlank() ? null : Sku.parse(throttle))
                    .validated();
        } catch (IllegalArgumentException e) {
            // a bad option value is a usage error: exit code 2, one line, no stack trace
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        Iolite iolite;
        Logging.quietLibraries(true);
        try {
            iolite = Iolite.start(config);
        } catch (StartFailure e) {
            if (verbose) e.printStackTrace(spec.commandLine().getErr());
            spec.commandLine().getErr().println("iolite: " + e.getMessage());
            spec.commandLine().getErr().flush();
            return e.exitCode();
        } finally {
            Logging.quietLibraries(false);
        }
        // SIGTERM and Ctrl-C run the JVM's shutdown hooks; ours closes the server and ends the process
        // with 0, so that a requested stop is a success (the JVM would otherwise exit 143 or 130).
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(ServeCommand.class);
            log.info("stopping: finishing requests in flight");
            iolite.close();
            log.info("stopped");
            System.err.flush();
            Runtime.getRuntime().halt(0);
        }, "iolite-stop"));
        System.out.println("Iolite ready on " + iolite.url());
        System.out.println(iolite.mqttPort() < 0 ? "Devices connect over MQTT over WebSockets on the HTTPS port"
                : "Devices connect over MQTT on port " + iolite.mqttPort() + ", or over WebSockets on the HTTPS port");
        System.out.flush();
        new CountDownLatch(1).await();  // until the shutdown hook ends the process
        return 0;
    }
}

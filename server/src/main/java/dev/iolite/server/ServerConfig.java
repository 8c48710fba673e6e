package dev.iolite.server;

import dev.iolite.server.blob.BlobContainers;
import dev.iolite.server.jobs.JobTuning;
import dev.iolite.server.registry.IdRules;
import dev.iolite.server.store.StoreUrl;
import dev.iolite.server.throttle.Sku;

import java.net.URL;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * Everything {@code iolite serve} is configured with, one small part per concern, validated once at
 * start. Each part declares its defaults once ({@code DEFAULTS}); the command line shows and uses them.
 *
 * @param dataDir   where the database, TLS material, keys and {@code ready.json} live
 * @param hubName   the default hub, created at first start
 * @param http      the HTTPS listener
 * @param armIssuer external OIDC issuer whose tokens ARM also accepts, or null
 * @param blobs     the blob containers jobs may use
 * @param jobs      the job engine's settings
 * @param store     the PostgreSQL store, or null for SQLite in the data dir
 * @param clock     the time of jobs, leases, tokens and records (the system's, UTC, unless a test sets one)
 * @param limits    how long a query may run, and IoT Hub's per-hub rates when they apply
 * @param devices   the device side: the MQTT listener and the built-in endpoint's telemetry
 */
public record ServerConfig(Path dataDir, String hubName, Http http, ArmIssuer armIssuer, Blobs blobs, Jobs jobs,
                           StoreUrl store, Clock clock, Limits limits, Devices devices) {
    public static final Path DEFAULT_DATA_DIR = Path.of("iolite-data");
    public static final String DEFAULT_HUB = "iolite";
    /** 30 s: past it a query gets 400 telling the caller to narrow it; raise it for large unindexed hubs. */
    public static final Duration DEFAULT_QUERY_TIMEOUT = Duration.ofSeconds(30);

    public ServerConfig(Path dataDir, String hubName, Http http, ArmIssuer armIssuer, Blobs blobs, Jobs jobs,
                        StoreUrl store, Clock clock) {
        this(dataDir, hubName, http, armIssuer, blobs, jobs, store, clock, null, null);
    }

    /** How long a query or a job's scan may run before the store stops it. */
    public Duration queryTimeout() { return limits.queryTimeout(); }

    /** IoT Hub's per-hub rates of this tier and units ({@code --throttle}), or null (the default) for none. */
    public Sku throttle() { return limits.throttle(); }

    /** The same configuration with another query timeout (null: the default). */
    public ServerConfig withQueryTimeout(Duration t) {
        return new ServerConfig(dataDir, hubName, http, armIssuer, blobs, jobs, store, clock, new Limits(t, limits.throttle()), devices);
    }

    /** The same configuration with other device-side settings (null: the defaults). */
    public ServerConfig withDevices(Devices d) {
        return new ServerConfig(dataDir, hubName, http, armIssuer, blobs, jobs, store, clock, limits, d);
    }

    public ServerConfig {
        Objects.requireNonNull(dataDir, "dataDir");
        Objects.requireNonNull(hubName, "hubName");
        http = http == null ? Http.DEFAULTS : http;
        blobs = blobs == null ? Blobs.DEFAULTS : blobs;
        jobs = jobs == null ? Jobs.DEFAULTS : jobs;
        clock = clock == null ? Clock.systemUTC() : clock;
        limits = limits == null ? new Limits(null, null) : limits;
        devices = devices == null ? Devices.DEFAULTS : devices;
    }

    public ServerConfig(Path dataDir, String hubName, Http http, ArmIssuer armIssuer, Blobs blobs, Jobs jobs,
                        StoreUrl store) {
        this(dataDir, hubName, http, armIssuer, blobs, jobs, store, null);
    }

    /** Defaults for everything but the data dir and port (tests, the demo); port 0 picks free ports for MQTT too. */
    public static ServerConfig of(Path dataDir, int port) {
        return new ServerConfig(dataDir, DEFAULT_HUB, Http.DEFAULTS.withPort(port), null, null, null, null)
                .withDevices(port == 0 ? Devices.DEFAULTS.withMqttPort(0).withAmqpPort(0) : Devices.DEFAULTS);
    }

    /** The folder of {@code file:} containers. */
    public Path blobRoot() {
        return blobs.localRoot() != null ? blobs.localRoot() : dataDir.resolve("blobs");
    }

    public ServerConfig withHttp(Http h) { return new ServerConfig(dataDir, hubName, h, armIssuer, blobs, jobs, store, clock, limits, devices); }

    public ServerConfig withArmIssuer(ArmIssuer issuer) {
        return new ServerConfig(dataDir, hubName, http, issuer, blobs, jobs, store, clock, limits, devices);
    }

    public ServerConfig withBlobs(Blobs b) { return new ServerConfig(dataDir, hubName, http, armIssuer, b, jobs, store, clock, limits, devices); }

    public ServerConfig withJobs(Jobs j) { return new ServerConfig(dataDir, hubName, http, armIssuer, blobs, j, store, clock, limits, devices); }

    /** The same configuration with another clock (tests that move time). */
    public ServerConfig withClock(Clock c) { return new ServerConfig(dataDir, hubName, http, armIssuer, blobs, jobs, store, c, limits, devices); }

    /** The same configuration on another store (null: SQLite in the data dir). */
    public ServerConfig withStore(StoreUrl url) {
        return new ServerConfig(dataDir, hubName, http, armIssuer, blobs, jobs, url, clock, limits, devices);
    }

    /** The same configuration with IoT Hub's rates of {@code sku} applied to every hub (null: none). */
    public ServerConfig withThrottle(Sku sku) {
        return new ServerConfig(dataDir, hubName, http, armIssuer, blobs, jobs, store, clock, new Limits(limits.queryTimeout(), sku), devices);
    }

    /** Throws IllegalArgumentException with the first problem's message. */
    public ServerConfig validated() {
        if (!IdRules.isHubName(hubName)) throw problem(Problem.BAD_HUB_NAME);
        http.validate();
        if (armIssuer != null) armIssuer.validate();
        jobs.validate();
        if (queryTimeout().compareTo(Duration.ofSeconds(1)) < 0 || queryTimeout().compareTo(Duration.ofHours(1)) > 0) {
            throw problem(Problem.BAD_QUERY_TIMEOUT);
        }
        devices.validate();
        return this;
    }

    /**
     * The HTTPS listener.
     *
     * @param bind            address to listen on
     * @param port            HTTPS port; 0 picks a free one
     * @param tlsCert         PEM certificate chain, or null for the generated self-signed one
     * @param tlsKey          PEM private key for {@code tlsCert}
     * @param maxRequestBytes cap on request bodies; larger bodies get 413
     * @param publicUrl       the base URL clients reach this server by, for absolute links (ARM nextLink);
     *                        null for the server's own URL
     */
    /**
     * The listeners: HTTPS for the API and, when {@code metricsPort} is set (0 picks a free one), plain HTTP for
     * Prometheus, a listener of its own so that the API's authentication is not weakened. The metrics listener
     * binds {@code metricsBind} (loopback unless named: it shows hub names and the JVM's details), not {@code bind},
     * and with {@code metricsToken} every scrape must carry it as a bearer token.
     */
    public record Http(String bind, int port, Path tlsCert, Path tlsKey, long maxRequestBytes, String publicUrl,
                       Integer metricsPort, String metricsBind, Secret metricsToken) {
        /** 8 MiB of request body: 100 devices with full twins fit; raise it only together with the twin limits. */
        public static final Http DEFAULTS = new Http("127.0.0.1", 8443, null, null, 8L * 1024 * 1024, null, null, null, null);
        /** The metrics listener's address unless {@code --metrics-bind} names another: this machine only. */
        public static final String DEFAULT_METRICS_BIND = "127.0.0.1";

        public Http {
            Objects.requireNonNull(bind, "bind");
            metricsBind = metricsBind == null || metricsBind.isBlank() ? DEFAULT_METRICS_BIND : metricsBind;
        }

        public Http(String bind, int port, Path tlsCert, Path tlsKey, long maxRequestBytes, String publicUrl,
                    Integer metricsPort) {
            this(bind, port, tlsCert, tlsKey, maxRequestBytes, publicUrl, metricsPort, null, null);
        }

        public Http withPort(int p) { return new Http(bind, p, tlsCert, tlsKey, maxRequestBytes, publicUrl, metricsPort, metricsBind, metricsToken); }

        public Http withBind(String b) { return new Http(b, port, tlsCert, tlsKey, maxRequestBytes, publicUrl, metricsPort, metricsBind, metricsToken); }

        public Http withTls(Path cert, Path key) { return new Http(bind, port, cert, key, maxRequestBytes, publicUrl, metricsPort, metricsBind, metricsToken); }

        public Http withMaxRequestBytes(long bytes) { return new Http(bind, port, tlsCert, tlsKey, bytes, publicUrl, metricsPort, metricsBind, metricsToken); }

        public Http withMetricsPort(Integer p) {
            return new Http(bind, port, tlsCert, tlsKey, maxRequestBytes, publicUrl, p, metricsBind, metricsToken);
        }

        /** The metrics listener on {@code address}, its scrapes needing {@code token} (null: none). */
        public Http withMetricsAccess(String address, Secret token) {
            return new Http(bind, port, tlsCert, tlsKey, maxRequestBytes, publicUrl, metricsPort, address, token);
        }

        /** The base URL for absolute links, without a trailing slash: {@code publicUrl}, else {@code fallback}. */
        public String publicUrlOr(String fallback) {
            String u = publicUrl != null ? publicUrl : fallback;
            return u.endsWith("/") ? u.substring(0, u.length() - 1) : u;
        }

        void validate() {
            if (port < 0 || port > 65535) throw problem(Problem.PORT_OUT_OF_RANGE);
            if (metricsPort != null && (metricsPort < 0 || metricsPort > 65535)) throw problem(Problem.PORT_OUT_OF_RANGE);
            if ((tlsCert == null) != (tlsKey == null)) throw problem(Problem.CERT_WITHOUT_KEY);
            if (publicUrl != null && !publicUrl.matches("https://[^/?#\\s]+(/[^?#\\s]*)?")) throw problem(Problem.BAD_PUBLIC_URL);
            if (maxRequestBytes < 64 * 1024) throw problem(Problem.REQUEST_CAP_TOO_SMALL);
            requireAddress(bind);
            if (metricsPort != null) requireAddress(metricsBind);
        }

        /** An address to listen on: an IP literal or a name that resolves (a listener cannot bind anything else). */
        private static void requireAddress(String address) {
            try {
                java.net.InetAddress.getByName(address);
            } catch (java.net.UnknownHostException | SecurityException e) {
                throw problem(Problem.BAD_BIND);
            }
        }
    }

    /**
     * The blob containers jobs may use.
     *
     * @param localRoot       folder of {@code file:} containers, or null for {@code DATA_DIR/blobs}
     * @param allowedHosts    blob hosts the server may contact (SSRF guard)
     * @param storageAccounts storage accounts for identityBased jobs, each with the hubs it is granted to
     */
    public record Blobs(Path localRoot, List<String> allowedHosts, List<StorageAccount> storageAccounts) {
        public static final Blobs DEFAULTS = new Blobs(null, BlobContainers.DEFAULT_ALLOWED_HOSTS, List.of());

        public Blobs {
            allowedHosts = allowedHosts == null ? BlobContainers.DEFAULT_ALLOWED_HOSTS : List.copyOf(allowedHosts);
            storageAccounts = storageAccounts == null ? List.of() : List.copyOf(storageAccounts);
        }
    }

    /**
     * The job engine's settings that an operator chooses; the rest of {@link JobTuning} is fixed.
     *
     * @param queue      queue a second import/export job of a hub instead of refusing it with 403
     * @param batchLines import lines per transaction
     * @param lease      how long a node's claim on a job lasts without a heartbeat (another node resumes it after)
     * @param stallAfter how long a running job may make no progress before the watchdog reports it
     * @param workers    jobs a node runs at once, each of another hub
     */
    public record Jobs(boolean queue, int batchLines, Duration lease, Duration stallAfter, int workers) {
        public static final Jobs DEFAULTS = new Jobs(false, JobTuning.DEFAULTS.importBatchLines(),
                JobTuning.DEFAULTS.lease(), JobTuning.DEFAULTS.stallAfter(), JobTuning.DEFAULT_WORKERS);
        /** The most workers a node may run: each holds an export's blocks in memory and a store connection. */
        public static final int MAX_WORKERS = 64;

        public Jobs {
            lease = lease == null ? JobTuning.DEFAULTS.lease() : lease;
            stallAfter = stallAfter == null ? JobTuning.DEFAULTS.stallAfter() : stallAfter;
        }

        public Jobs(boolean queue, int batchLines, Duration lease, Duration stallAfter) {
            this(queue, batchLines, lease, stallAfter, JobTuning.DEFAULT_WORKERS);
        }

        public Jobs withQueue(boolean q) { return new Jobs(q, batchLines, lease, stallAfter, workers); }

        public Jobs withBatchLines(int lines) { return new Jobs(queue, lines, lease, stallAfter, workers); }

        public Jobs withStallAfter(Duration s) { return new Jobs(queue, batchLines, lease, s, workers); }

        public Jobs withLease(Duration l) { return new Jobs(queue, batchLines, l, stallAfter, workers); }

        public Jobs withWorkers(int n) { return new Jobs(queue, batchLines, lease, stallAfter, n); }

        /** The engine's sizes and times with these settings; the heartbeat is a sixth of the lease. */
        public JobTuning tuning() {
            JobTuning d = JobTuning.DEFAULTS;
            return new JobTuning(batchLines, d.exportBlockBytes(), d.maxLineBytes(), lease, lease.dividedBy(6),
                    d.poll(), d.retention(), stallAfter, workers);
        }

        void validate() {
            if (batchLines < 1 || batchLines > 100_000) throw problem(Problem.BATCH_OUT_OF_RANGE);
            if (lease.compareTo(Duration.ofSeconds(3)) < 0 || lease.compareTo(Duration.ofHours(1)) > 0) {
                throw new IllegalArgumentException("--job-lease must be from 3s to 1h, not " + lease.toSeconds() + "s");
            }
            if (workers < 1 || workers > MAX_WORKERS) {
                throw new IllegalArgumentException("--job-workers must be 1 to " + MAX_WORKERS + ", not " + workers);
            }
            if (stallAfter.compareTo(Duration.ofSeconds(1)) < 0 || stallAfter.compareTo(Duration.ofDays(1)) > 0) {
                throw new IllegalArgumentException("--job-stall-after must be from 1s to 1d, not " + stallAfter.toSeconds() + "s");
            }
        }
    }

    /** The problems that stop a start, each with a message a person can act on. */
    public enum Problem {
        PORT_OUT_OF_RANGE("--port and --metrics-port must be 0 to 65535"),
        BAD_HUB_NAME("--hub must be 3 to 50 letters, digits or hyphens, not all digits, not starting or ending with a hyphen"),
        CERT_WITHOUT_KEY("--tls-cert and --tls-key go together: give both or neither"),
        ISSUER_WITHOUT_JWKS("--arm-issuer needs --arm-jwks-url (and --arm-jwks-url needs --arm-issuer)"),
        ISSUER_WITHOUT_AUDIENCE("--arm-issuer needs --arm-audience: without it any token of the issuer, for any"
                + " service, would be an administrator here"),
        JWKS_NOT_HTTPS("--arm-jwks-url must be an https:// URL (verified with the JVM's trust store)"),
        BAD_PUBLIC_URL("--public-url must be an absolute https:// URL without query, such as https://iolite.example.com"),
        REQUEST_CAP_TOO_SMALL("the request size cap must be at least 64 KiB"),
        BAD_QUERY_TIMEOUT("--query-timeout must be from 1s to 1h"),
        BAD_BIND("--bind and --metrics-bind must be an address of this machine, such as 127.0.0.1, ::1 or 0.0.0.0"),
        BATCH_OUT_OF_RANGE("--job-batch-lines must be 1 to 100000");

        private final String message;

        Problem(String message) { this.message = message; }

        public String message() { return message; }
    }

    /**
     * An external OIDC issuer whose bearer tokens ARM accepts: its JWKS (https only), the audience its
     * tokens must carry, and optionally the subjects or object ids ({@code sub} or {@code oid}) that
     * may act; an empty list admits every identity of the issuer with that audience.
     */
    public record ArmIssuer(String issuer, URL jwksUrl, String audience, List<String> subjects) {
        public ArmIssuer {
            subjects = subjects == null ? List.of() : List.copyOf(subjects);
        }

        void validate() {
            if (issuer == null || issuer.isBlank() || jwksUrl == null) throw problem(Problem.ISSUER_WITHOUT_JWKS);
            if (audience == null || audience.isBlank()) throw problem(Problem.ISSUER_WITHOUT_AUDIENCE);
            if (!"https".equalsIgnoreCase(jwksUrl.getProtocol())) throw problem(Problem.JWKS_NOT_HTTPS);
        }
    }

    /**
     * A storage account's shared key for identityBased jobs, and the hubs that may use it; an empty
     * list means every hub, which the server allows only while it has a single hub.
     */
    public record StorageAccount(String name, String key, List<String> hubs) {
        public StorageAccount {
            hubs = hubs == null ? List.of() : List.copyOf(hubs);
        }

        @Override
        public String toString() { return "StorageAccount[" + name + " for " + (hubs.isEmpty() ? "all hubs" : hubs) + "]"; }
    }

    /** A secret read from a file: its text never appears in a record's {@code toString}, a log or a message. */
    public record Secret(String value) {
        public Secret {
            Objects.requireNonNull(value, "value");
        }

        @Override
        public String toString() { return "Secret[redacted]"; }
    }

    private static IllegalArgumentException problem(Problem p) { return new IllegalArgumentException(p.message()); }

    /**
     * What bounds a caller.
     *
     * @param queryTimeout how long a query or a job's scan may run before the store stops it (null: 30 s)
     * @param throttle     IoT Hub's per-hub rates of this tier and units, or null for none
     */
    public record Limits(Duration queryTimeout, Sku throttle) {
        public Limits {
            queryTimeout = queryTimeout == null ? DEFAULT_QUERY_TIMEOUT : queryTimeout;
        }
    }

    /**
     * The device side.
     *
     * @param mqttPort           the MQTT-over-TLS port ({@code --mqtt-port}; IoT Hub's 8883 by default, 0 picks a
     *                           free one, -1 turns the listener off; MQTT over WebSockets on the HTTPS port stays)
     * @param amqpPort           the AMQP-over-TLS port ({@code --amqp-port}; IoT Hub's 5671 by default, 0 picks a
     *                           free one, -1 turns the listener off; AMQP over WebSockets on the HTTPS port stays)
     * @param telemetryRetention how long the built-in endpoint keeps a message ({@code --telemetry-retention})
     * @param telemetryMaxBytes  the most a hub's built-in endpoint holds; the oldest messages go first past it
     * @param partitions         the built-in endpoint's partitions of a new hub (IoT Hub's default: 4)
     */
    public record Devices(int mqttPort, int amqpPort, Duration telemetryRetention, long telemetryMaxBytes, int partitions) {
        public static final int DEFAULT_MQTT_PORT = 8883;
        public static final int DEFAULT_AMQP_PORT = 5671;
        public static final Duration DEFAULT_TELEMETRY_RETENTION = Duration.ofDays(1);
        public static final long DEFAULT_TELEMETRY_MAX_BYTES = 1L << 30;
        public static final int DEFAULT_PARTITIONS = 4;
        public static final Devices DEFAULTS = new Devices(DEFAULT_MQTT_PORT, DEFAULT_AMQP_PORT, DEFAULT_TELEMETRY_RETENTION,
                DEFAULT_TELEMETRY_MAX_BYTES, DEFAULT_PARTITIONS);

        public Devices withMqttPort(int p) { return new Devices(p, amqpPort, telemetryRetention, telemetryMaxBytes, partitions); }

        public Devices withAmqpPort(int p) { return new Devices(mqttPort, p, telemetryRetention, telemetryMaxBytes, partitions); }

        public Devices withTelemetry(Duration retention, long maxBytes) {
            return new Devices(mqttPort, amqpPort, retention, maxBytes, partitions);
        }

        void validate() {
            if (mqttPort < -1 || mqttPort > 65535) throw new IllegalArgumentException("--mqtt-port must be 0 to 65535 (0 picks a free port), or -1 for none");
            if (amqpPort < -1 || amqpPort > 65535) throw new IllegalArgumentException("--amqp-port must be 0 to 65535 (0 picks a free port), or -1 for none");
            if (telemetryRetention.compareTo(Duration.ofMinutes(1)) < 0 || telemetryRetention.compareTo(Duration.ofDays(7)) > 0) {
                throw new IllegalArgumentException("--telemetry-retention must be 1 minute to 7 days (IoT Hub keeps 1 to 7 days)");
            }
            if (telemetryMaxBytes < (1L << 20)) throw new IllegalArgumentException("--telemetry-max-bytes must be at least 1 MiB");
            if (partitions < 1 || partitions > 32) throw new IllegalArgumentException("partitions must be 1 to 32, as IoT Hub's");
        }
    }
}

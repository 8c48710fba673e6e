package dev.iolite.server;

import dev.iolite.server.blob.BlobContainers;
import dev.iolite.server.jobs.JobTuning;

import dev.iolite.server.store.StoreUrl;

import java.net.URL;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * Everything {@code iolite serve} is configured with, validated once at start.
 *
 * @param dataDir         where the database, TLS material, keys and {@code ready.json} live
 * @param bind            address to listen on
 * @param port            HTTPS port; 0 picks a free one
 * @param hubName         the default hub, created at first start
 * @param tlsCert         PEM certificate chain, or null for the generated self-signed one
 * @param tlsKey          PEM private key for {@code tlsCert}
 * @param armIssuer       external OIDC issuer whose tokens ARM also accepts, or null
 * @param maxRequestBytes cap on request bodies; larger bodies get 413
 * @param localBlobRoot   folder of {@code file:} containers, or null for {@code DATA_DIR/blobs}
 * @param allowedBlobHosts blob hosts the server may contact (SSRF guard)
 * @param storageAccounts storage accounts for identityBased jobs, each with the hubs it is granted to
 * @param jobQueue        queue a second import/export job of a hub instead of refusing it with 403
 * @param jobBatchLines   import lines per transaction
 * @param store           the PostgreSQL store, or null for SQLite in the data dir
 * @param jobLease        how long a node's claim on a job lasts without a heartbeat (another node resumes it after)
 * @param publicUrl       the base URL clients reach this server by, for absolute links (ARM nextLink); null for {@link #url}
 * @param jobStallAfter   how long a running job may make no progress before the watchdog reports it
 */
public record ServerConfig(Path dataDir, String bind, int port, String hubName, Path tlsCert, Path tlsKey,
                           ArmIssuer armIssuer, long maxRequestBytes,
                           Path localBlobRoot, List<String> allowedBlobHosts, List<StorageAccount> storageAccounts,
                           boolean jobQueue, int jobBatchLines, StoreUrl store,
                           java.time.Duration jobLease, String publicUrl, java.time.Duration jobStallAfter) {
    public static final Path DEFAULT_DATA_DIR = Path.of("iolite-data");
    public static final String DEFAULT_BIND = "127.0.0.1";
    public static final int DEFAULT_PORT = 8443;
    public static final String DEFAULT_HUB = "iolite";
    /** 8 MiB: 100 devices with full twins fit; raise it only together with the twin limits. */
    public static final long DEFAULT_MAX_REQUEST_BYTES = 8L * 1024 * 1024;

    public ServerConfig {
        Objects.requireNonNull(dataDir, "dataDir");
        Objects.requireNonNull(bind, "bind");
        Objects.requireNonNull(hubName, "hubName");
        allowedBlobHosts = allowedBlobHosts == null ? BlobContainers.DEFAULT_ALLOWED_HOSTS : List.copyOf(allowedBlobHosts);
        storageAccounts = storageAccounts == null ? List.of() : List.copyOf(storageAccounts);
        jobLease = jobLease == null ? JobTuning.DEFAULTS.lease() : jobLease;
        jobStallAfter = jobStallAfter == null ? JobTuning.DEFAULTS.stallAfter() : jobStallAfter;
    }

    /** The same configuration with another job lease. */
    public ServerConfig withJobLease(java.time.Duration lease) {
        return new ServerConfig(dataDir, bind, port, hubName, tlsCert, tlsKey, armIssuer,
                maxRequestBytes, localBlobRoot, allowedBlobHosts, storageAccounts, jobQueue, jobBatchLines, store, lease, publicUrl, jobStallAfter);
    }

    /** Defaults for everything but the data dir and port (tests). */
    public static ServerConfig of(Path dataDir, int port) {
        return new ServerConfig(dataDir, DEFAULT_BIND, port, DEFAULT_HUB, null, null, null,
                DEFAULT_MAX_REQUEST_BYTES, null, null, null, false, JobTuning.DEFAULTS.importBatchLines(), null,
                JobTuning.DEFAULTS.lease(), null, JobTuning.DEFAULTS.stallAfter());
    }

    /** The folder of {@code file:} containers. */
    public Path blobRoot() {
        return localBlobRoot != null ? localBlobRoot : dataDir.resolve("blobs");
    }

    public ServerConfig withTls(Path cert, Path key) {
        return new ServerConfig(dataDir, bind, port, hubName, cert, key, armIssuer,
                maxRequestBytes, localBlobRoot, allowedBlobHosts, storageAccounts, jobQueue, jobBatchLines, store, jobLease, publicUrl, jobStallAfter);
    }

    public ServerConfig withMaxRequestBytes(long bytes) {
        return new ServerConfig(dataDir, bind, port, hubName, tlsCert, tlsKey, armIssuer,
                bytes, localBlobRoot, allowedBlobHosts, storageAccounts, jobQueue, jobBatchLines, store, jobLease, publicUrl, jobStallAfter);
    }

    public ServerConfig withArmIssuer(ArmIssuer issuer) {
        return new ServerConfig(dataDir, bind, port, hubName, tlsCert, tlsKey, issuer,
                maxRequestBytes, localBlobRoot, allowedBlobHosts, storageAccounts, jobQueue, jobBatchLines, store, jobLease, publicUrl, jobStallAfter);
    }

    /** The same configuration on another store (null: SQLite in the data dir). */
    public ServerConfig withStore(StoreUrl url) {
        return new ServerConfig(dataDir, bind, port, hubName, tlsCert, tlsKey, armIssuer,
                maxRequestBytes, localBlobRoot, allowedBlobHosts, storageAccounts, jobQueue, jobBatchLines, url, jobLease, publicUrl, jobStallAfter);
    }

    public ServerConfig withJobs(List<String> allowedHosts, List<StorageAccount> accounts, boolean queue, int batchLines) {
        return new ServerConfig(dataDir, bind, port, hubName, tlsCert, tlsKey, armIssuer,
                maxRequestBytes, localBlobRoot, allowedHosts, accounts, queue, batchLines, store, jobLease, publicUrl, jobStallAfter);
    }

    /** The problems that stop a start, each with a message a person can act on. */
    public enum Problem {
        PORT_OUT_OF_RANGE("--port must be 0 to 65535"),
        BAD_HUB_NAME("--hub must be 3 to 50 letters, digits or hyphens, not all digits, not starting or ending with a hyphen"),
        CERT_WITHOUT_KEY("--tls-cert and --tls-key go together: give both or neither"),
        ISSUER_WITHOUT_JWKS("--arm-issuer needs --arm-jwks-url (and --arm-jwks-url needs --arm-issuer)"),
        ISSUER_WITHOUT_AUDIENCE("--arm-issuer needs --arm-audience: without it any token of the issuer, for any"
                + " service, would be an administrator here"),
        JWKS_NOT_HTTPS("--arm-jwks-url must be an https:// URL (verified with the JVM's trust store)"),
        BAD_PUBLIC_URL("--public-url must be an absolute https:// URL without query, such as https://iolite.example.com"),
        REQUEST_CAP_TOO_SMALL("the request size cap must be at least 64 KiB"),
        BATCH_OUT_OF_RANGE("--job-batch-lines must be 1 to 100000");

        private final String message;

        Problem(String message) { this.message = message; }

        public String message() { return message; }
    }

    /** Throws IllegalArgumentException with the first problem's message. */
    public ServerConfig validated() {
        if (port < 0 || port > 65535) throw problem(Problem.PORT_OUT_OF_RANGE);
        if (!dev.iolite.server.registry.IdRules.isHubName(hubName)) throw problem(Problem.BAD_HUB_NAME);
        if ((tlsCert == null) != (tlsKey == null)) throw problem(Problem.CERT_WITHOUT_KEY);
        if (armIssuer != null) armIssuer.validate();
        if (publicUrl != null && !publicUrl.matches("https://[^/?#\\s]+(/[^?#\\s]*)?")) throw problem(Problem.BAD_PUBLIC_URL);
        if (maxRequestBytes < 64 * 1024) throw problem(Problem.REQUEST_CAP_TOO_SMALL);
        if (jobBatchLines < 1 || jobBatchLines > 100_000) throw problem(Problem.BATCH_OUT_OF_RANGE);
        if (jobLease.compareTo(java.time.Duration.ofSeconds(3)) < 0 || jobLease.compareTo(java.time.Duration.ofHours(1)) > 0) {
            throw new IllegalArgumentException("--job-lease must be from 3s to 1h, not " + jobLease.toSeconds() + "s");
        }
        if (jobStallAfter.compareTo(java.time.Duration.ofSeconds(1)) < 0 || jobStallAfter.compareTo(java.time.Duration.ofDays(1)) > 0) {
            throw new IllegalArgumentException("--job-stall-after must be from 1s to 1d, not " + jobStallAfter.toSeconds() + "s");
        }
        return this;
    }

    /** The same configuration with another watchdog time. */
    public ServerConfig withJobStallAfter(java.time.Duration stallAfter) {
        return new ServerConfig(dataDir, bind, port, hubName, tlsCert, tlsKey, armIssuer, maxRequestBytes, localBlobRoot,
                allowedBlobHosts, storageAccounts, jobQueue, jobBatchLines, store, jobLease, publicUrl, stallAfter);
    }

    /** The base URL for absolute links, without a trailing slash: {@code --public-url}, else {@code fallback}. */
    public String publicUrlOr(String fallback) {
        String u = publicUrl != null ? publicUrl : fallback;
        return u.endsWith("/") ? u.substring(0, u.length() - 1) : u;
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

    private static IllegalArgumentException problem(Problem p) { return new IllegalArgumentException(p.message()); }
}

package dev.iolite.cli;

import com.azure.core.credential.AccessToken;
import com.azure.core.credential.TokenCredential;
import com.azure.core.http.policy.ExponentialBackoffOptions;
import com.azure.core.http.policy.RetryOptions;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.iolite.client.IotHubClient;
import dev.iolite.client.IotHubClientBuilder;
import dev.iolite.server.Iolite;
import dev.iolite.server.ServerConfig;
import dev.iolite.server.auth.ArmTokens;
import picocli.CommandLine;
import picocli.CommandLine.Option;
import reactor.core.publisher.Mono;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;

/**
 * How a command reaches a server: {@code --server URL} with {@code --token}, or {@code --data-dir} to
 * read a local server's {@code ready.json} and mint a token with its key. Also the hub, the resource
 * group, the output format and {@code --verbose}, each with an {@code IOLITE_*} variable.
 */
final class Connection {
    private static final Duration TOKEN_TTL = Duration.ofHours(12);

    @Option(names = "--server", defaultValue = "${env:IOLITE_SERVER}",
            description = "Server URL, such as https://127.0.0.1:8443 (IOLITE_SERVER). Without it, the server of --data-dir.")
    String server;

    @Option(names = "--token", defaultValue = "${env:IOLITE_TOKEN}",
            description = "Bearer token for --server (IOLITE_TOKEN); minted from --data-dir's key when absent.")
    String token;

    @Option(names = "--token-file", defaultValue = "${env:IOLITE_TOKEN_FILE}",
            description = "File holding the bearer token, so it stays out of the process table (IOLITE_TOKEN_FILE).")
    Path tokenFile;

    @Option(names = "--data-dir",
            description = "Data folder of a local server (default: ${DEFAULT-VALUE}; IOLITE_DATA_DIR).")
    Path dataDir;

    @Option(names = "--truststore", defaultValue = "${env:IOLITE_TRUSTSTORE}",
            description = "PKCS12 truststore for the server's certificate (IOLITE_TRUSTSTORE; default: the local server's).")
    Path truststore;

    @Option(names = "--truststore-password", defaultValue = "${env:IOLITE_TRUSTSTORE_PASSWORD:-changeit}",
            description = "Password of --truststore (default: ${DEFAULT-VALUE}).")
    String truststorePassword;

    @Option(names = "--subscription", defaultValue = "${env:IOLITE_SUBSCRIPTION}",
            description = "Subscription id (IOLITE_SUBSCRIPTION; default: the local server's).")
    String subscription;

    @Option(names = {"-g", "--resource-group"}, defaultValue = "${env:IOLITE_RESOURCE_GROUP}",
            description = "Resource group (IOLITE_RESOURCE_GROUP; default: the local server's, else iolite).")
    String resourceGroup;

    @Option(names = "--hub", defaultValue = "${env:IOLITE_HUB}",
            description = "Hub name (IOLITE_HUB; default: the local server's default hub).")
    String hub;

    @Option(names = {"-o", "--output"}, defaultValue = "${env:IOLITE_OUTPUT:-table}",
            description = "table, json or tsv (default: ${DEFAULT-VALUE}; IOLITE_OUTPUT).")
    Output output;

    @Option(names = "--verbose", description = "Print stack traces of failures.")
    boolean verbose;

    /** The formats of --output; see {@link Printer}. */
    enum Output { table, json, tsv }

    /** The command this mixin belongs to: its parse result says which options the command line gave. */
    @CommandLine.Spec(CommandLine.Spec.Target.MIXEE)
    CommandLine.Model.CommandSpec mixee;

    /** The options that say which server, hub and resource group a command reaches, in the order hints name them. */
    private static final List<String> REACH = List.of("--server", "--data-dir", "--subscription", "--resource-group",
            "--hub", "--truststore", "--token-file");

    /** Options whose value a hint never repeats: it names them with a placeholder. */
    private static final Map<String, String> SECRET = Map.of("--token", "TOKEN", "--truststore-password", "PASSWORD");

    private JsonNode ready;
    private boolean readyLoaded;

    /**
     * How the user runs Iolite, for the commands it suggests: what the launcher was called as
     * ({@code ./iolite} from a clone, {@code bin/iolite} from the release archive, {@code iolite} when found
     * on the PATH), which both launchers pass in {@code IOLITE_LAUNCHER}; {@code iolite} without a launcher.
     */
    static String program() {
        String launcher = System.getenv("IOLITE_LAUNCHER");
        return launcher == null || launcher.isBlank() ? "iolite" : shellWord(launcher);
    }

    /**
     * A command to suggest, such as {@code jobs watch ID}, with the options of this command line that
     * reach the same server and hub, spelt as given (a relative path stays relative), so that the
     * suggestion works when copied: {@code iolite jobs watch ID --data-dir d2 --hub lab}. A token's or
     * password's value shows as a placeholder. Options taken from {@code IOLITE_*} variables or defaults
     * are left out: the shell that ran this command still has them.
     */
    String suggest(String command) {
        StringBuilder b = new StringBuilder(program()).append(' ').append(command);
        CommandLine.ParseResult parsed = mixee == null ? null : mixee.commandLine().getParseResult();
        if (parsed == null) return b.toString();
        for (String name : REACH) {
            CommandLine.Model.OptionSpec o = parsed.matchedOption(name);
            if (o != null && !o.stringValues().isEmpty()) {
                b.append(' ').append(name).append(' ').append(shellWord(o.stringValues().get(o.stringValues().size() - 1)));
            }
        }
        for (Map.Entry<String, String> secret : new java.util.TreeMap<>(SECRET).entrySet()) {
            if (parsed.hasMatchedOption(secret.getKey())) b.append(' ').append(secret.getKey()).append(' ').append(secret.getValue());
        }
        return b.toString();
    }

    /** A word as a POSIX shell reads it back: as is when plain, else in single quotes. */
    static String shellWord(String s) {
        if (!s.isEmpty() && s.matches("[A-Za-z0-9_@%+=:,./-]+")) return s;
        return "'" + s.replace("'", "'\\''") + "'";
    }

    /** The local server's ready.json, or null when --server names another server. */
    JsonNode ready() {
        if (readyLoaded) return ready;
        if (server != null && !server.isBlank()) return null;
        Path file = dataDir.resolve(Iolite.READY_FILE);
        if (!Files.isRegularFile(file)) {
            throw new Failure("no server is running for data dir " + dataDir + "; start one with '" + program() + " serve"
                    + (dataDir.equals(ServerConfig.DEFAULT_DATA_DIR) ? "" : " --data-dir " + shellWord(dataDir.toString())) + "' or pass --server URL");
        }
        JsonNode ready;
        try {
            ready = new ObjectMapper().readTree(file.toFile());
        } catch (IOException e) {
            throw new Failure("cannot read " + file + ": " + e.getMessage());
        }
        long pid = ready.path("pid").asLong(-1);
        if (pid > 0 && ProcessHandle.of(pid).map(p -> !p.isAlive()).orElse(true)) {
            throw new Failure("the server of data dir " + dataDir + " is not running (process " + pid
                    + " has ended); start it again with '" + program() + " serve"
                    + (dataDir.equals(ServerConfig.DEFAULT_DATA_DIR) ? "" : " --data-dir " + shellWord(dataDir.toString())) + "'");
        }
        this.ready = ready;
        readyLoaded = true;
        return ready;
    }

    boolean isLocal() { return server == null || server.isBlank(); }

    String url() {
        if (!isLocal()) return server;
        return ready().path("url").asText();
    }

    String hub() {
        if (hub != null && !hub.isBlank()) return hub;
        if (isLocal()) return ready().path("hub").asText();
        throw new Usage("--hub is required with --server (or set IOLITE_HUB)");
    }

    String resourceGroup() {
        if (resourceGroup != null && !resourceGroup.isBlank()) return resourceGroup;
        if (isLocal()) return ready().path("resourceGroup").asText(Iolite.DEFAULT_RESOURCE_GROUP);
        return Iolite.DEFAULT_RESOURCE_GROUP;
    }

    /**
     * The folder of the local server where {@code file:NAME} of this command's hub resolves (each hub has
     * its own), for {@code import --file} and the demo; null for a remote server.
     */
    Path localBlobRoot() {
        if (!isLocal()) return null;
        String all = ready().path("blobRoot").asText(null);
        if (all != null) return Path.of(all).resolve(hub().toLowerCase(java.util.Locale.ROOT));
        String root = ready().path("localBlobRoot").asText(null);
        return root == null ? null : Path.of(root);
    }

    /** A client for the server, with a token from --token or minted from the data dir's key. */
    IotHubClient client() {
        String url = url();
        try {
            URI.create(url);
        } catch (IllegalArgumentException e) {
            throw new Usage("--server is not a URL: " + url);
        }
        String sub = subscription;
        if (sub == null || sub.isBlank()) {
            sub = isLocal() ? ready().path("subscriptionId").asText() : null;
            if (sub == null) throw new Usage("--subscription is required with --server (or set IOLITE_SUBSCRIPTION)");
        }
        IotHubClientBuilder b = IotHubClient.builder().credential(credential()).subscriptionId(sub)
                .retryOptions(new RetryOptions(new ExponentialBackoffOptions().setMaxRetries(2)
                        .setBaseDelay(Duration.ofMillis(200)).setMaxDelay(Duration.ofSeconds(2))));
        try {
            b.endpoint(url);
        } catch (IllegalArgumentException e) {
            throw new Usage("--server: " + e.getMessage());
        }
        Path trust = truststore;
        if (trust == null && isLocal()) trust = Path.of(ready().path("truststore").asText());
        if (trust != null) {
            if (!Files.isRegularFile(trust)) throw new Failure("no truststore at " + trust);
            b.trustStore(trust, truststorePassword);
        }
        return b.build();
    }

    private TokenCredential credential() {
        String bearer = token;
        if ((bearer == null || bearer.isBlank()) && tokenFile != null) {
            try {
                bearer = SecretOptions.firstLine(tokenFile, "--token-file");
            } catch (IllegalArgumentException e) {
                throw new Failure(e.getMessage());
            }
        }
        if (bearer == null || bearer.isBlank()) {
            if (!Files.isDirectory(dataDir)) {
                throw new Failure("no token: pass --token (or IOLITE_TOKEN), or --data-dir of a local server to mint one");
            }
            try {
                bearer = ArmTokens.open(dataDir, null, Clock.systemUTC()).mint(TOKEN_TTL);
            } catch (IOException | RuntimeException e) {
                throw new Failure("cannot mint a token from data dir " + dataDir + ": " + e.getMessage());
            }
        }
        String fixed = bearer;
        OffsetDateTime expires = OffsetDateTime.now().plus(TOKEN_TTL);
        return request -> Mono.just(new AccessToken(fixed, expires));
    }

    /** A usage error found after parsing: one line on stderr, exit code 2. */
    static final class Usage extends RuntimeException {
        Usage(String message) { super(message); }
    }

    /** A failed operation: one line on stderr, exit code 1. */
    static final class Failure extends RuntimeException {
        Failure(String message) { super(message); }
    }
}

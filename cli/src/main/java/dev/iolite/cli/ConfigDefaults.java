package dev.iolite.cli;

import dev.iolite.server.ServerConfig;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.OptionSpec;

import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The defaults of the server's options, read from {@link ServerConfig}'s parts so that they are
 * declared once, and each option's {@code IOLITE_*} variable, which wins over the default:
 * {@code --job-lease} reads {@code IOLITE_JOB_LEASE}. Options of {@code serve} without a server default
 * have only their variable. Of the other commands' options it answers {@code --data-dir} alone (the
 * server's data dir is where they find it); the rest keep their own defaults.
 */
final class ConfigDefaults implements CommandLine.IDefaultValueProvider {
    private static final Map<String, Supplier<String>> DEFAULTS = Map.ofEntries(
            Map.entry("--data-dir", () -> ServerConfig.DEFAULT_DATA_DIR.toString()),
            Map.entry("--hub", () -> ServerConfig.DEFAULT_HUB),
            Map.entry("--port", () -> String.valueOf(ServerConfig.Http.DEFAULTS.port())),
            Map.entry("--mqtt-port", () -> String.valueOf(ServerConfig.Devices.DEFAULTS.mqttPort())),
            Map.entry("--amqp-port", () -> String.valueOf(ServerConfig.Devices.DEFAULTS.amqpPort())),
            Map.entry("--bind", () -> ServerConfig.Http.DEFAULTS.bind()),
            Map.entry("--max-request-bytes", () -> String.valueOf(ServerConfig.Http.DEFAULTS.maxRequestBytes())),
            Map.entry("--allowed-blob-hosts", () -> String.join(",", ServerConfig.Blobs.DEFAULTS.allowedHosts())),
            Map.entry("--job-queue", () -> String.valueOf(ServerConfig.Jobs.DEFAULTS.queue())),
            Map.entry("--job-batch-lines", () -> String.valueOf(ServerConfig.Jobs.DEFAULTS.batchLines())),
            Map.entry("--job-lease", () -> duration(ServerConfig.Jobs.DEFAULTS.lease())),
            Map.entry("--job-stall-after", () -> duration(ServerConfig.Jobs.DEFAULTS.stallAfter())),
            Map.entry("--job-workers", () -> String.valueOf(ServerConfig.Jobs.DEFAULTS.workers())),
            Map.entry("--query-timeout", () -> duration(ServerConfig.DEFAULT_QUERY_TIMEOUT)),
            Map.entry("--telemetry-retention", () -> duration(ServerConfig.Devices.DEFAULT_TELEMETRY_RETENTION)),
            Map.entry("--telemetry-max-bytes", () -> String.valueOf(ServerConfig.Devices.DEFAULT_TELEMETRY_MAX_BYTES)));

    /** Options whose variable is not their name in capitals. */
    private static final Map<String, String> VARIABLES = Map.of("--storage-account", "IOLITE_STORAGE_ACCOUNTS");

    @Override
    public String defaultValue(ArgSpec arg) {
        if (!(arg instanceof OptionSpec option)) return null;
        String name = option.longestName();
        boolean serve = option.command() != null && option.command().userObject() instanceof ServeCommand;
        if (!serve && !name.equals("--data-dir")) return null;
        String fromEnvironment = System.getenv(variable(name));
        if (fromEnvironment != null) return fromEnvironment;
        Supplier<String> fallback = DEFAULTS.get(name);
        return fallback == null ? null : fallback.get();
    }

    /** The {@code IOLITE_*} variable of an option. */
    static String variable(String optionName) {
        String fixed = VARIABLES.get(optionName);
        if (fixed != null) return fixed;
        return "IOLITE_" + optionName.replaceFirst("^-+", "").replace('-', '_').toUpperCase(Locale.ROOT);
    }

    /** A duration as the options spell it: 30s, 3m, 1h. */
    static String duration(Duration d) {
        long s = d.toSeconds();
        if (s % 3600 == 0) return s / 3600 + "h";
        if (s % 60 == 0) return s / 60 + "m";
        return s + "s";
    }
}

package dev.iolite.cli;

import dev.iolite.server.auth.ArmTokens;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code iolite token}: prints a bearer token that the server of a data dir accepts on its ARM API. */
@Command(name = "token", mixinStandardHelpOptions = true,
        description = "Print a bearer token for this server's ARM API, and nothing else.")
final class TokenCommand implements Callable<Integer> {
    @Option(names = "--data-dir",
            description = "Data folder of the server (default: ${DEFAULT-VALUE}; IOLITE_DATA_DIR).")
    Path dataDir;

    @Option(names = "--ttl", defaultValue = "1h", converter = DurationConverter.class,
            description = "Lifetime: 90s, 30m, 1h, 7d or ISO-8601 such as PT1H (default: ${DEFAULT-VALUE}).")
    Duration ttl;

    @CommandLine.Mixin
    OutputOption output;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (!Files.isDirectory(dataDir)) {
            throw new IllegalArgumentException("no data dir at " + dataDir + "; start '" + Connection.program() + " serve --data-dir "
                    + Connection.shellWord(dataDir.toString()) + "' once first");
        }
        ArmTokens tokens = ArmTokens.open(dataDir, null, Clock.systemUTC());
        java.time.Instant expires = java.time.Instant.now().plus(ttl);
        String token = tokens.mint(ttl);
        Printer p = new Printer(spec.commandLine().getOut(), output.output);
        if (p.json()) {
            p.json(Printer.ordered("accessToken", token, "tokenType", "Bearer", "expiresOn", expires.toString()));
        } else {
            p.line(token);
        }
        return 0;
    }

    static final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            String v = value.trim().toLowerCase(Locale.ROOT);
            try {
                if (v.startsWith("p")) return positive(Duration.parse(v.toUpperCase(Locale.ROOT)), value);
                long n = Long.parseLong(v.substring(0, v.length() - 1));
                return positive(switch (v.charAt(v.length() - 1)) {
                    case 's' -> Duration.ofSeconds(n);
                    case 'm' -> Duration.ofMinutes(n);
                    case 'h' -> Duration.ofHours(n);
                    case 'd' -> Duration.ofDays(n);
                    default -> throw new NumberFormatException();
                }, value);
            } catch (NumberFormatException | DateTimeParseException | StringIndexOutOfBoundsException e) {
                throw new CommandLine.TypeConversionException("'" + value + "' is not a duration such as 90s, 30m, 1h, 7d or PT1H");
            }
        }

        private static Duration positive(Duration d, String value) {
            if (d.isNegative() || d.isZero()) {
                throw new CommandLine.TypeConversionException("'" + value + "' must be longer than zero");
            }
            return d;
        }
    }
}

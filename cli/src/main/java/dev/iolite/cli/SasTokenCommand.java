package dev.iolite.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.iolite.server.Iolite;
import dev.iolite.server.auth.SasToken;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Callable;

/** {@code iolite sas-token}: prints a hub API SAS token signed with the running server's iothubowner key. */
@Command(name = "sas-token", mixinStandardHelpOptions = true,
        description = "Print a SharedAccessSignature for the default hub's API (iothubowner), read from ready.json.")
final class SasTokenCommand implements Callable<Integer> {
    @Option(names = "--data-dir",
            description = "Data folder of a running server (default: ${DEFAULT-VALUE}; IOLITE_DATA_DIR).")
    Path dataDir;

    @Option(names = "--ttl", defaultValue = "1h", converter = TokenCommand.DurationConverter.class,
            description = "Lifetime: 90s, 30m, 1h, 7d or ISO-8601 such as PT1H (default: ${DEFAULT-VALUE}).")
    Duration ttl;

    @CommandLine.Mixin
    OutputOption output;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Path ready = dataDir.resolve(Iolite.READY_FILE);
        if (!Files.exists(ready)) {
            throw new IllegalArgumentException("no running server found: " + ready + " is missing; start 'iolite serve"
                    + " --data-dir " + dataDir + "' first");
        }
        JsonNode r = new ObjectMapper().readTree(ready.toFile());
        String host = null;
        String keyName = null;
        String key = null;
        for (String part : r.path("connectionString").asText().split(";")) {
            int eq = part.indexOf('=');
            if (eq < 0) continue;
            String name = part.substring(0, eq);
            String value = part.substring(eq + 1);
            if (name.equalsIgnoreCase("HostName")) host = value;
            if (name.equalsIgnoreCase("SharedAccessKeyName")) keyName = value;
            if (name.equalsIgnoreCase("SharedAccessKey")) key = value;
        }
        if (host == null || keyName == null || key == null) {
            throw new IllegalStateException(ready + " holds no usable connectionString");
        }
        Instant expires = Instant.now().plus(ttl);
        String sas = SasToken.create(host, keyName, key, expires);
        Printer p = new Printer(spec.commandLine().getOut(), output.output);
        if (p.json()) p.json(Printer.ordered("sas", sas, "expiresOn", expires.toString())); else p.line(sas);
        return 0;
    }
}

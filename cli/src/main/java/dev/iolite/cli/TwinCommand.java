package dev.iolite.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code iolite twin show|update}: the twin of a device or module through the hub's service API. */
@Command(name = "twin", mixinStandardHelpOptions = true, description = "Show a device's or module's twin; update its tags and desired properties.",
        subcommands = {TwinCommand.Show.class, TwinCommand.Update.class})
final class TwinCommand implements Runnable {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "name a twin command: show or update");
    }

    static void print(Printer p, JsonNode twin) {
        if (p.json()) {
            p.json(twin);
            return;
        }
        JsonNode props = twin.path("properties");
        p.fields(List.of("device", "module", "etag", "version", "status", "tags", "desired", "reported"),
                List.of(twin.path("deviceId").asText(), twin.path("moduleId").asText(""), twin.path("etag").asText(""),
                        twin.path("version").asText(""), twin.path("status").asText(""), compact(twin.get("tags")),
                        compact(props.get("desired")), compact(props.get("reported"))));
    }

    /**
     * The option's JSON object, given inline or, as {@code az iot hub} takes it, as the path of a file that holds
     * it (a value that does not start as JSON does); anything else is a usage error naming the option.
     */
    static JsonNode object(String option, String value) {
        String text = value;
        String start = value.stripLeading();
        if (!start.startsWith("{") && !start.startsWith("[") && !start.startsWith("\"")) {
            Path file = Path.of(value);
            try {
                text = Files.readString(file);
            } catch (java.nio.file.NoSuchFileException e) {
                throw new Connection.Usage(option + " " + value + " is neither a JSON object nor a file");
            } catch (IOException | java.nio.file.InvalidPathException e) {
                throw new Connection.Usage(option + " " + value + ": the file cannot be read (" + e.getClass().getSimpleName() + ")");
            }
        }
        JsonNode n;
        try {
            n = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            var at = e.getLocation();
            throw new Connection.Usage(option + " is not valid JSON: " + e.getOriginalMessage().replaceAll("\\s+", " ")
                    + (at == null ? "" : " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")"));
        }
        if (n == null || !n.isObject()) {
            throw new Connection.Usage(option + " must be a JSON object such as '{\"interval\": 30}'");
        }
        return n;
    }

    private static String compact(JsonNode n) { return n == null || n.isNull() ? "" : Printer.compact(n); }

    @Command(name = "show", mixinStandardHelpOptions = true, description = "Show a twin: tags, desired and reported properties.")
    static final class Show implements Callable<Integer> {
        @Mixin
        Connection conn;

        @Parameters(paramLabel = "DEVICE_ID")
        String deviceId;

        @Option(names = {"-m", "--module"}, paramLabel = "MODULE_ID", description = "The twin of this module of the device.")
        String moduleId;

        @Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            print(new Printer(spec.commandLine().getOut(), conn.output), DeviceCommand.registry(conn).getTwin(deviceId, moduleId));
            return 0;
        }
    }

    @Command(name = "update", mixinStandardHelpOptions = true, description = {
            "Merge tags and desired properties into a twin, as IoT Hub's twin PATCH does: a member set to null is removed.",
            "Each takes a JSON object, or the path of a file that holds one.",
            "Example: iolite twin update dev-1 --desired '{\"interval\": 30}' --tags '{\"site\": \"north\"}'"})
    static final class Update implements Callable<Integer> {
        @Mixin
        Connection conn;

        @Parameters(paramLabel = "DEVICE_ID")
        String deviceId;

        @Option(names = {"-m", "--module"}, paramLabel = "MODULE_ID", description = "The twin of this module of the device.")
        String moduleId;

        @Option(names = "--desired", paramLabel = "JSON|FILE", description = "An object merged into properties.desired.")
        String desired;

        @Option(names = "--tags", paramLabel = "JSON|FILE", description = "An object merged into the tags.")
        String tags;

        @Option(names = "--etag", description = "Only if the twin still has this etag.")
        String etag;

        @Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            if (desired == null && tags == null) throw new Connection.Usage("give --desired JSON, --tags JSON or both");
            ObjectNode patch = JSON.createObjectNode();
            if (tags != null) patch.set("tags", object("--tags", tags));
            if (desired != null) patch.putObject("properties").set("desired", object("--desired", desired));
            print(new Printer(spec.commandLine().getOut(), conn.output),
                    DeviceCommand.registry(conn).updateTwin(deviceId, moduleId, patch, etag));
            return 0;
        }
    }
}

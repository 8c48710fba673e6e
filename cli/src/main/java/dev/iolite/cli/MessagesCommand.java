package dev.iolite.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.iolite.client.DeviceRegistry;
import dev.iolite.client.models.MessagePage;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code iolite messages tail}: the device-to-cloud messages of a hub's built-in endpoint, as they arrive. */
@Command(name = "messages", mixinStandardHelpOptions = true,
        description = "Read the device-to-cloud messages a hub keeps (its built-in endpoint).",
        subcommands = {MessagesCommand.Tail.class})
final class MessagesCommand implements Runnable {
    @Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "name a messages command: tail");
    }

    @Command(name = "tail", mixinStandardHelpOptions = true, description = {
            "Print a hub's device-to-cloud messages as they arrive, until Ctrl-C: a line per message with its",
            "enqueued time, device (and module), partition/sequence number, application properties and the start",
            "of its body; with -o json one JSON object per line, system properties and the whole body included.",
            "Beyond IoT Hub, whose messages are read through its Event Hubs-compatible endpoint."})
    static final class Tail implements Callable<Integer> {
        /** How long one read waits for a message before it asks again. */
        static final Duration WAIT = Duration.ofSeconds(20);
        static final int PAGE = 1000;
        static final int PREVIEW = 60;

        @Mixin
        Connection conn;

        @Option(names = {"-d", "--device"}, paramLabel = "DEVICE_ID", description = "Only this device's messages.")
        String deviceId;

        @Option(names = "--from", paramLabel = "start|now", defaultValue = "now",
                description = "start: the oldest kept messages first; now: only those that arrive from now on (default: ${DEFAULT-VALUE}).")
        String from;

        @Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            if (!from.equals("start") && !from.equals("now")) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--from must be start or now, not '" + from + "'");
            }
            DeviceRegistry registry = DeviceCommand.registry(conn);
            Printer p = new Printer(spec.commandLine().getOut(), conn.output);
            // the first read answers at once, so the header shows once the starting point is fixed
            MessagePage page = registry.readMessages(from, deviceId, Duration.ZERO, PAGE);
            if (p.human()) p.line(row("ENQUEUED", "DEVICE", "P/SEQ", "PROPERTIES", "BODY"));
            while (true) {
                for (JsonNode m : page.getMessages()) print(p, m);
                page = registry.readMessagesAfter(page.getCursor(), deviceId, WAIT, PAGE);
            }
        }

        private static void print(Printer p, JsonNode m) {
            if (p.json()) {
                p.line(Printer.compact(m));
                return;
            }
            String device = m.path("deviceId").asText() + (m.hasNonNull("moduleId") ? "/" + m.get("moduleId").asText() : "");
            String position = m.path("partition").asText() + "/" + m.path("sequenceNumber").asText();
            List<String> props = new ArrayList<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = m.path("properties").fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                props.add(e.getKey() + "=" + e.getValue().asText());
            }
            String body = m.has("body") ? m.get("body").asText() : "base64:" + m.path("bodyBase64").asText();
            if (body.length() > PREVIEW) body = body.substring(0, PREVIEW) + "...";
            if (p.tsv()) {
                p.line(Printer.tsvLine(List.of(m.path("enqueuedTime").asText(), device, position, String.join(",", props), body)));
            } else {
                p.line(row(m.path("enqueuedTime").asText(), device, position, String.join(",", props), body));
            }
        }

        /** A line of the table: fixed columns, so that lines that arrive one by one align. */
        private static String row(String enqueued, String device, String position, String props, String body) {
            return String.format("%-24s  %-20s  %-8s  %-30s  %s", Printer.tableCell(enqueued), Printer.tableCell(device),
                    Printer.tableCell(position), Printer.tableCell(props), Printer.tableCell(body)).stripTrailing();
        }
    }
}

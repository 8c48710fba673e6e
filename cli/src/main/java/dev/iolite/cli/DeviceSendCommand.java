package dev.iolite.cli;

import dev.iolite.client.models.SentMessage;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code iolite device send ID --body TEXT [--property K=V]...}: queues a cloud-to-device message for a device, which
 * receives it when it is connected and subscribed (at once if it is); prints the queued message's ids and expiry.
 */
@Command(name = "send", mixinStandardHelpOptions = true, description = {
        "Queue a cloud-to-device message for a device; it receives it while connected (at once if it is).",
        "Example: iolite device send dev-1 --body '{\"led\":\"on\"}' --property kind=command --ack full"})
final class DeviceSendCommand implements Callable<Integer> {
    @Mixin
    Connection conn;

    @Parameters(index = "0", paramLabel = "DEVICE_ID")
    String deviceId;

    @Option(names = "--body", paramLabel = "TEXT", required = true, description = "The message's body, as text.")
    String body;

    @Option(names = {"-p", "--property"}, paramLabel = "KEY=VALUE", description = "An application property; repeat for more.")
    List<String> properties = List.of();

    @Option(names = "--message-id", paramLabel = "ID", description = "The message id (feedback names it).")
    String messageId;

    @Option(names = "--ack", paramLabel = "KIND", description = "Feedback to ask for: none, positive, negative or full (default: none).")
    String ack;

    @Option(names = "--ttl", paramLabel = "SECONDS", description = "How long the message may wait for the device, 60 to 172800 (default: 3600).")
    Integer ttl;

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        Map<String, String> props = new LinkedHashMap<>();
        for (String p : properties) {
            int eq = p.indexOf('=');
            if (eq <= 0) throw new Connection.Usage("--property takes KEY=VALUE, not '" + p + "'");
            props.put(p.substring(0, eq), p.substring(eq + 1));
        }
        if (ttl != null && (ttl < 60 || ttl > 172_800)) throw new Connection.Usage("--ttl must be 60 to 172800 seconds");
        SentMessage m = DeviceCommand.registry(conn).sendMessage(deviceId, body, props, messageId, ack,
                ttl == null ? null : Duration.ofSeconds(ttl));
        Printer p = new Printer(spec.commandLine().getOut(), conn.output);
        if (p.json()) {
            var out = new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode().put("deviceId", m.getDeviceId());
            if (m.getMessageId() != null) out.put("messageId", m.getMessageId());
            out.put("enqueuedTime", m.getEnqueuedTime().toString()).put("expiryTime", m.getExpiryTime().toString()).put("ack", m.getAck());
            p.json(out);
        } else {
            p.fields(List.of("device", "message id", "queued", "expires", "ack"), List.of(m.getDeviceId(),
                    Printer.str(m.getMessageId()), m.getEnqueuedTime().toString(), m.getExpiryTime().toString(), m.getAck()));
        }
        return 0;
    }
}

package dev.iolite.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iolite.client.models.MethodResult;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code iolite device invoke ID METHOD}: calls a direct method on a connected device or module and prints the
 * device's status and payload. A call the hub could not complete (the device is not connected, or did not answer
 * in time) is a one-line error and a non-zero exit; whatever status the device answers with, the command succeeds.
 */
@Command(name = "invoke", mixinStandardHelpOptions = true, description = {
        "Call a direct method on a connected device (or one of its modules) and print its status and payload.",
        "Example: iolite device invoke dev-1 reboot --payload '{\"delay\": 5}' --connect-timeout 30"})
final class DeviceInvokeCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Mixin
    Connection conn;

    @Parameters(index = "0", paramLabel = "DEVICE_ID")
    String deviceId;

    @Parameters(index = "1", paramLabel = "METHOD")
    String methodName;

    @Option(names = {"-m", "--module"}, paramLabel = "MODULE_ID", description = "Call this module of the device.")
    String moduleId;

    @Option(names = "--payload", paramLabel = "JSON", description = "The request's payload: any JSON value (default: null).")
    String payload;

    @Option(names = "--response-timeout", paramLabel = "SECONDS",
            description = "How long the device has to answer, 5 to 300 (default: the service's 30).")
    Integer responseTimeout;

    @Option(names = "--connect-timeout", paramLabel = "SECONDS",
            description = "How long to wait for the device to connect, 0 to 300 (default 0: it must be connected).")
    Integer connectTimeout;

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        MethodResult r = DeviceCommand.registry(conn).invokeMethod(deviceId, moduleId, methodName, payload(payload),
                responseTimeout == null ? null : Duration.ofSeconds(responseTimeout),
                connectTimeout == null ? null : Duration.ofSeconds(connectTimeout));
        Printer p = new Printer(spec.commandLine().getOut(), conn.output);
        if (p.json()) {
            ObjectNode out = JSON.createObjectNode().put("status", r.getStatus());
            out.set("payload", r.getPayload());
            p.json(out);
        } else {
            p.fields(List.of("status", "payload"), List.of(Integer.toString(r.getStatus()), Printer.compact(r.getPayload())));
        }
        return 0;
    }

    /** --payload as JSON, null when not given; anything but JSON is a usage error. */
    static JsonNode payload(String payload) {
        if (payload == null) return null;
        try {
            return JSON.readTree(payload);
        } catch (JsonProcessingException e) {
            var at = e.getLocation();
            throw new Connection.Usage("--payload is not valid JSON: " + e.getOriginalMessage().replaceAll("\\s+", " ")
                    + (at == null ? "" : " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")")
                    + "; a string is quoted, such as '\"on\"'");
        }
    }
}

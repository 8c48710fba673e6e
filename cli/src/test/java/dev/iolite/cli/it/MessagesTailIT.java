package dev.iolite.cli.it;

import com.fasterxml.jackson.databind.JsonNode;
import dev.iolite.server.messages.DeviceMessage;
import dev.iolite.server.registry.DeviceKey;
import dev.iolite.server.testkit.ServerExtension;
import dev.iolite.server.testkit.SqliteOnly;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code iolite messages tail} as a child process: it prints the messages that arrive after it started, until Ctrl-C. */
@SqliteOnly("the command line does not depend on the store; the store's part is MessagesIT's")
class MessagesTailIT {
    @RegisterExtension
    static final ServerExtension server = new ServerExtension();

    private static void send(String device, String module, int n) throws Exception {
        Map<String, String> system = new LinkedHashMap<>();
        system.put("message-id", "id-" + n);
        Map<String, String> app = new LinkedHashMap<>();
        app.put("kind", "reading");
        app.put("n", Integer.toString(n));
        server.iolite().messageSink().append(new DeviceMessage(server.ready().get("hub").asText(), new DeviceKey(device, module),
                system, app, ("{\"temperature\":" + (20 + n) + "}").getBytes(StandardCharsets.UTF_8), null, Instant.now()))
                .get(10, TimeUnit.SECONDS);
    }

    /** The next line of the tail, waiting up to 2 minutes for it (the first launch may build the jar and its CDS archive). */
    private static String next(BufferedReader out) throws Exception {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return out.readLine();
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }).get(120, TimeUnit.SECONDS);
    }

    @Test
    void tailPrintsTheMessagesThatArriveAfterItStartedUntilCtrlC() throws Exception {
        // GIVEN a message sent before the tail starts
        send("tail-old", null, 0);
        Process p = CliProcess.interruptible("messages", "tail", "--data-dir", server.dataDir().toString());
        try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            // WHEN it has started (its header shows once it stands at the end) and two messages arrive
            assertThat(next(out)).startsWith("ENQUEUED").contains("DEVICE").contains("P/SEQ").contains("PROPERTIES").contains("BODY");
            send("tail-1", null, 1);
            send("tail-2", "mod-a", 2);
            // THEN it prints each on a line of its own, and not the older one; the two devices' messages may sit in
            // different partitions, which are ordered each on its own (as an Event Hubs reader sees them)
            String first = next(out);
            String second = next(out);
            String one = first.contains("tail-1") ? first : second;
            String two = first.contains("tail-1") ? second : first;
            assertThat(one).contains("tail-1").contains("kind=reading,n=1").contains("{\"temperature\":21}");
            assertThat(two).contains("tail-2/mod-a").contains("kind=reading,n=2").contains("{\"temperature\":22}");
            assertThat(first + second).doesNotContain("tail-old");
            new ProcessBuilder("kill", "-INT", Long.toString(p.pid())).start().waitFor();
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).as("the tail stopped on SIGINT").isTrue();
        } finally {
            p.destroyForcibly();
        }
    }

    @Test
    void tailFromTheStartAsJsonPrintsOneObjectPerMessage() throws Exception {
        send("json-1", null, 7);
        Process p = CliProcess.interruptible("messages", "tail", "--from", "start", "--device", "json-1", "-o", "json",
                "--data-dir", server.dataDir().toString());
        try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            JsonNode m = ServerExtension.JSON.readTree(next(out));
            assertThat(m.get("deviceId").asText()).isEqualTo("json-1");
            assertThat(m.get("properties").get("n").asText()).isEqualTo("7");
            assertThat(m.get("systemProperties").get("message-id").asText()).isEqualTo("id-7");
            assertThat(m.get("systemProperties").get("iothub-message-source").asText()).isEqualTo("Telemetry");
            assertThat(m.get("body").asText()).isEqualTo("{\"temperature\":27}");
            new ProcessBuilder("kill", "-INT", Long.toString(p.pid())).start().waitFor();
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        } finally {
            p.destroyForcibly();
        }
    }
}

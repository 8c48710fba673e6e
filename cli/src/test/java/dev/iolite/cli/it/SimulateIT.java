package dev.iolite.cli.it;

import dev.iolite.server.testkit.ServerExtension;
import dev.iolite.server.testkit.SqliteOnly;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.net.ServerSocket;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code ./iolite simulate} as a user runs it, against a real server with its MQTT listener on a free port. */
@SqliteOnly("the simulator is a client of the server; the store is the server's business")
class SimulateIT {
    @RegisterExtension
    static final ServerExtension server = new ServerExtension(c -> c.withDevices(c.devices().withMqttPort(0)));

    @TempDir
    Path tmp;

    @Test
    void threeDevicesConnectReadTheirTwinsAndReportForFiveSeconds() throws Exception {
        // WHEN three devices that do not exist yet are simulated for five seconds, sending 30 messages a second together
        CliProcess.Result r = CliProcess.run(tmp, "simulate", "--devices", "3", "--duration", "5s", "--prefix", "it-sim-",
                "--rate", "30", "--data-dir", server.dataDir().toString());

        // THEN they were created, connected once each, read their twins and reported
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(r.out()).as(r.toString()).contains("3 created, 0 already there")
                .contains("Simulated 3 devices for ")
                .contains("connections  3 accepted, 0 lost, 0 refused, 0 failed")
                .containsPattern("telemetry    [0-9,]+ sent, [0-9,]+ acknowledged")
                .doesNotContain("telemetry    0 sent")
                .contains("twins        3 read")
                .contains("3 reported, 0 desired, 0 errors");
        for (int i = 1; i <= 3; i++) {
            assertThat(server.send("GET", "/devices/it-sim-" + i + "?api-version=2021-04-12", server.ownerSas(), null).statusCode())
                    .isEqualTo(200);
            String twin = server.send("GET", "/twins/it-sim-" + i + "?api-version=2021-04-12", server.ownerSas(), null).body();
            assertThat(twin).as("the reported properties").contains("\"simulator\"");
            // and what each sent is kept in the built-in endpoint
            String messages = server.send("GET", "/iolite/messages?api-version=2021-04-12&from=start&deviceId=it-sim-" + i,
                    server.ownerSas(), null).body();
            assertThat(messages).as("messages of it-sim-" + i).contains("\"deviceId\":\"it-sim-" + i + "\"");
        }

        // and a second run uses the devices as they are (their keys read, none made again)
        CliProcess.Result again = CliProcess.run(tmp, "simulate", "--devices", "3", "--duration", "2s", "--prefix", "it-sim-",
                "--rate", "0", "--data-dir", server.dataDir().toString());
        assertThat(again.code()).as(again.toString()).isZero();
        assertThat(again.out()).contains("0 created, 3 already there").contains("connections  3 accepted")
                .contains("telemetry    0 sent");
    }

    @Test
    void aDirectMethodThroughTheHubApiIsAnsweredWithItsPayload() throws Exception {
        // GIVEN a simulated device, connecting
        Process p = CliProcess.interruptible("simulate", "--devices", "1", "--rate", "0", "--duration", "8s", "--prefix", "it-method-",
                "--data-dir", server.dataDir().toString());
        try {
            // (made by the simulator first)
            long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(60);
            while (server.send("GET", "/devices/it-method-1?api-version=2021-04-12", server.ownerSas(), null).statusCode() != 200) {
                assertThat(System.nanoTime()).as("the device was made within 60 s").isLessThan(deadline);
                Thread.sleep(100);
            }
            // WHEN a method is called through the hub API, waiting for the device to connect
            var r = server.send("POST", "/twins/it-method-1/methods?api-version=2021-04-12", server.ownerSas(),
                    "{\"methodName\":\"echo\",\"payload\":{\"n\":7},\"responseTimeoutInSeconds\":10,\"connectTimeoutInSeconds\":60}");

            // THEN the device answered 200 with the payload, and the summary counts it
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            assertThat(ServerExtension.JSON.readTree(r.body())).isEqualTo(ServerExtension.JSON.readTree("{\"status\":200,\"payload\":{\"n\":7}}"));
            String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            assertThat(p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).as(out).isZero();
            assertThat(out).contains("methods      1 answered");
        } finally {
            p.destroyForcibly();
        }
    }

    @Test
    void ctrlCDisconnectsEveryDeviceAndPrintsTheSummary() throws Exception {
        Process p = CliProcess.interruptible("simulate", "--devices", "2", "--rate", "0", "--prefix", "it-ctrlc-", "--data-dir", server.dataDir().toString());
        try (var out = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream(), java.nio.charset.StandardCharsets.UTF_8))) {
            // GIVEN both devices connected (the plain line, every two seconds without a terminal)
            for (String l; (l = out.readLine()) != null; ) {
                if (l.startsWith("2/2 connected")) break;
            }
            // WHEN Ctrl-C
            new ProcessBuilder("kill", "-INT", Long.toString(p.pid())).start().waitFor();
            assertThat(p.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)).as("simulate stopped on SIGINT").isTrue();
            StringBuilder rest = new StringBuilder();
            for (String l; (l = out.readLine()) != null; ) rest.append(l).append('\n');
            // THEN the devices were disconnected and the summary printed
            assertThat(rest.toString()).contains("Disconnecting...").contains("Simulated 2 devices for ")
                    .contains("connections  2 accepted, 0 lost");
        } finally {
            p.destroyForcibly();
        }
    }

    @Test
    void withNothingListeningOnTheMqttPortItSaysSoInOneLine() throws Exception {
        int closed;
        try (ServerSocket s = new ServerSocket(0)) {
            closed = s.getLocalPort();
        }
        CliProcess.Result r = CliProcess.run(tmp, "simulate", "--devices", "2", "--duration", "2s", "--prefix", "it-none-",
                "--mqtt-port", String.valueOf(closed), "--data-dir", server.dataDir().toString());
        assertThat(r.code()).as(r.toString()).isEqualTo(1);
        assertThat(r.errLines()).as(r.err()).singleElement().asString()
                .startsWith("iolite: no device could connect to 127.0.0.1:" + closed);
        // the devices were made all the same
        assertThat(server.send("GET", "/devices/it-none-2?api-version=2021-04-12", server.ownerSas(), null).statusCode()).isEqualTo(200);
    }
}

package dev.iolite.cli.it;

import dev.iolite.server.testkit.ServerExtension;
import dev.iolite.server.testkit.Postgres;
import dev.iolite.server.testkit.Sdks;
import dev.iolite.server.testkit.TestTls;
import dev.iolite.server.testkit.JobPolling;
import dev.iolite.server.testkit.SqliteOnly;
import com.fasterxml.jackson.databind.JsonNode;
import dev.iolite.server.auth.SasToken;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * No job hangs (issue 10): a stage that dies, of an Error above all, ends its job within seconds with a
 * reason a person can read and frees the hub; SIGTERM stops a server whose stage is stuck within a bound.
 * Failures are injected at the stages through the {@code iolite.test.fault} property.
 */
@SqliteOnly("stall and failure handling live in threads and stages; the store only records what they did")
class JobHangIT {
    private static final String FAULT = "iolite.test.fault";
    private static final String API = "?api-version=2021-04-12";

    /** The watchdog reports a job that stands still for 2 s (checked at each 5 s heartbeat). */
    @RegisterExtension
    static final ServerExtension server = new ServerExtension(c -> c.withJobs(c.jobs().withStallAfter(Duration.ofSeconds(2))));

    @TempDir
    Path tmp;

    private Process process;

    @AfterEach
    void clear() {
        System.clearProperty(FAULT);
        if (process != null && process.isAlive()) process.destroyForcibly();
    }

    private static void write(Path dir, String prefix, int lines) throws Exception {
        Files.createDirectories(dir);
        try (BufferedWriter w = Files.newBufferedWriter(dir.resolve("devices.txt"))) {
            for (int i = 0; i < lines; i++) w.write("{\"id\":\"" + prefix + i + "\"}\n");
        }
    }

    private static String create(String sas, String body) throws Exception {
        HttpResponse<String> r = server.send("POST", "/jobs/create" + API, sas, body);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return ServerExtension.JSON.readTree(r.body()).get("jobId").asText();
    }

    @Test
    void anImportWhoseReaderRunsOutOfMemoryFailsWithinSecondsAndFreesTheHub() throws Exception {
        String sas = server.createHub("oom-import");
        write(server.blobRootOf("oom-import").resolve("in"), "oom-", 20_000);
        System.setProperty(FAULT, "import-reader:oom");
        long t0 = System.nanoTime();
        String id = create(sas, "{\"type\":\"import\",\"inputBlobContainerUri\":\"file:in\",\"outputBlobContainerUri\":\"file:in\"}");
        JsonNode job = Sdks.awaitJob(server, sas, id);
        assertThat((System.nanoTime() - t0) / 1_000_000_000).as("seconds to fail").isLessThan(15);
        assertThat(job.get("status").asText()).isEqualTo("failed");
        assertThat(job.get("failureReason").asText()).contains("ran out of memory").contains("MiB").contains("reader");
        // the server's own failure: resumed from its checkpoint a bounded number of times, then failed
        assertThat(job.get("retries").asInt()).isEqualTo(dev.iolite.server.jobs.Job.MAX_RETRIES);
        assertThat(job.get("failureReason").asText()).contains("stopped retrying");
        // the hub is free: its next import runs to the end
        System.clearProperty(FAULT);
        String next = create(sas, "{\"type\":\"import\",\"inputBlobContainerUri\":\"file:in\",\"outputBlobContainerUri\":\"file:in\","
                + "\"outputBlobName\":\"again.log\"}");
        assertThat(Sdks.awaitJob(server, sas, next).get("status").asText()).isEqualTo("completed");
    }

    @Test
    void anExportWhoseScannerFailsWithAnErrorFailsWithinSecondsAndFreesTheHub() throws Exception {
        String sas = server.createHub("err-export");
        write(server.blobRootOf("err-export").resolve("in"), "err-", 9_000);
        assertThat(Sdks.awaitJob(server, sas, create(sas, "{\"type\":\"import\",\"inputBlobContainerUri\":\"file:in\","
                + "\"outputBlobContainerUri\":\"file:in\"}")).get("status").asText()).isEqualTo("completed");
        System.setProperty(FAULT, "export-scanner:error");
        String id = create(sas, "{\"type\":\"export\",\"outputBlobContainerUri\":\"file:out\"}");
        JsonNode job = Sdks.awaitJob(server, sas, id);
        assertThat(job.get("status").asText()).isEqualTo("failed");
        assertThat(job.get("failureReason").asText()).contains("registry scanner failed");
        assertThat(server.blobRootOf("err-export").resolve("out/devices.txt")).as("no half export").doesNotExist();
        System.clearProperty(FAULT);
        assertThat(Sdks.awaitJob(server, sas, create(sas, "{\"type\":\"export\",\"outputBlobContainerUri\":\"file:out\"}"))
                .get("status").asText()).isEqualTo("completed");
        assertThat(Files.readAllLines(server.blobRootOf("err-export").resolve("out/devices.txt"))).hasSize(9_000);
    }

    @Test
    void theWatchdogReportsAStalledJobAndACancelStillEndsIt() throws Exception {
        // GIVEN an import whose reader stops moving after its first batch, ignoring interrupts
        String sas = server.createHub("stalled");
        write(server.blobRootOf("stalled").resolve("in"), "stall-", 20_000);
        System.setProperty(FAULT, "import-reader:stall");
        String id = create(sas, "{\"type\":\"import\",\"inputBlobContainerUri\":\"file:in\",\"outputBlobContainerUri\":\"file:in\"}");
        // THEN the watchdog says so in the job, within a heartbeat or two of the 2 s threshold
        JsonNode job = JobPolling.until("the watchdog reports the stall", Duration.ofSeconds(30), Duration.ofMillis(200),
                () -> ServerExtension.JSON.readTree(server.send("GET", "/jobs/" + id + API, sas, null).body()),
                j -> j.path("statusMessage").asText("").contains("no progress"));
        assertThat(job.get("status").asText()).isEqualTo("running");
        assertThat(job.get("statusMessage").asText()).contains("no progress").contains("holds its lease");
        // AND a cancel ends it although its reader never moves again
        long t0 = System.nanoTime();
        assertThat(server.send("DELETE", "/jobs/" + id + API, sas, null).statusCode()).isEqualTo(200);
        assertThat(Sdks.awaitJob(server, sas, id).get("status").asText()).isEqualTo("cancelled");
        assertThat((System.nanoTime() - t0) / 1_000_000_000).as("seconds to cancel").isLessThan(10);
    }

    @Test
    void sigtermStopsAServerWhoseReaderIsStuckAndTheJobResumesAfterARestart() throws Exception {
        // GIVEN a server process whose import reader stops moving after its first batch, ignoring interrupts
        Path data = tmp.resolve("data");
        write(data.resolve("blobs/iolite/stuck"), "stuck-", 30_000);
        ProcessBuilder pb = new ProcessBuilder("java", "-Xmx256m", "-D" + FAULT + "=import-reader:stall", "-jar",
                Path.of("target/iolite.jar").toAbsolutePath().toString(), "serve", "--data-dir", data.toString(),
                "--port", "0").redirectErrorStream(true).redirectOutput(tmp.resolve("serve.log").toFile());
        if (Postgres.SELECTED) pb.environment().put("IOLITE_STORE", Postgres.get().newDatabase());
        process = pb.start();
        JsonNode ready = awaitReady(data);
        HttpClient http = HttpClient.newBuilder().sslContext(TestTls.trusting(Path.of(ready.get("truststore").asText()))).build();
        String conn = ready.get("connectionString").asText();
        String sas = SasToken.create(ready.get("hubHostName").asText(), "iothubowner",
                conn.substring(conn.indexOf("SharedAccessKey=") + 16), Instant.now().plusSeconds(3600));
        HttpResponse<String> created = http.send(HttpRequest.newBuilder(URI.create(ready.get("url").asText() + "/jobs/create" + API))
                .header("Authorization", sas).POST(HttpRequest.BodyPublishers.ofString(
                        "{\"type\":\"import\",\"inputBlobContainerUri\":\"file:stuck\",\"outputBlobContainerUri\":\"file:stuck\"}"))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(created.statusCode()).as(created.body()).isEqualTo(200);
        String id = ServerExtension.JSON.readTree(created.body()).get("jobId").asText();
        JobPolling.until("the import starts", Duration.ofSeconds(60), Duration.ofMillis(100),
                () -> ServerExtension.JSON.readTree(http.send(HttpRequest.newBuilder(URI.create(ready.get("url").asText()
                        + "/jobs/" + id + API)).header("Authorization", sas).build(), HttpResponse.BodyHandlers.ofString()).body()),
                JobPolling.processedAtLeast(1));
        Thread.sleep(500); // the reader is stuck now, the job thread waits on it

        // WHEN it gets SIGTERM, THEN it stops within the bound, cleanly
        long t0 = System.nanoTime();
        process.destroy();
        assertThat(process.waitFor(45, TimeUnit.SECONDS)).as("stopped within 45 s").isTrue();
        assertThat(process.exitValue()).as(Files.readString(tmp.resolve("serve.log"))).isZero();
        assertThat((System.nanoTime() - t0) / 1_000_000_000).isLessThan(45);

        // AND restarted without the fault, the server resumes the job from its checkpoint to the end
        ProcessBuilder again = new ProcessBuilder("java", "-Xmx256m", "-jar",
                Path.of("target/iolite.jar").toAbsolutePath().toString(), "serve", "--data-dir", data.toString(),
                "--port", "0").redirectErrorStream(true).redirectOutput(tmp.resolve("serve2.log").toFile());
        again.environment().putAll(pb.environment());
        Files.deleteIfExists(data.resolve("ready.json"));
        process = again.start();
        JsonNode ready2 = awaitReady(data);
        HttpClient http2 = HttpClient.newBuilder().sslContext(TestTls.trusting(Path.of(ready2.get("truststore").asText()))).build();
        JsonNode job = JobPolling.until("the resumed job ends", Duration.ofSeconds(120), Duration.ofMillis(100),
                () -> ServerExtension.JSON.readTree(http2.send(HttpRequest.newBuilder(URI.create(ready2.get("url").asText()
                        + "/jobs/" + id + API)).header("Authorization", sas).build(), HttpResponse.BodyHandlers.ofString()).body()),
                JobPolling::ended);
        assertThat(job.get("status").asText()).as(job.toString()).isEqualTo("completed");
        assertThat(job.get("devicesSucceeded").asLong()).isEqualTo(30_000);
        assertThat(job.get("retries").asInt()).as("a clean stop is not a retry").isZero();
        process.destroy();
        assertThat(process.waitFor(45, TimeUnit.SECONDS)).isTrue();
    }

    private JsonNode awaitReady(Path data) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!Files.exists(data.resolve("ready.json"))) {
            if (!process.isAlive()) throw new AssertionError(Files.readString(tmp.resolve("serve.log")));
            assertThat(System.nanoTime()).as("server ready").isLessThan(deadline);
            Thread.sleep(50);
        }
        return ServerExtension.JSON.readTree(data.resolve("ready.json").toFile());
    }
}

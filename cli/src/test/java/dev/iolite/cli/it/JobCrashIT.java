package dev.iolite.cli.it;

import dev.iolite.server.testkit.ServerExtension;
import dev.iolite.server.testkit.Postgres;
import dev.iolite.server.testkit.TestTls;
import dev.iolite.server.testkit.JobPolling;
import com.fasterxml.jackson.databind.JsonNode;
import dev.iolite.server.auth.SasToken;
import org.junit.jupiter.api.Test;
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
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Kills a real server process (SIGKILL) in the middle of a large import and of a large export,
 * restarts it, and checks that the jobs resume from their checkpoints: nothing applied twice,
 * nothing skipped, each bad line logged exactly once, statistics equal to a recount.
 */
class JobCrashIT {
    private static final Path JAR = Path.of("target/iolite.jar").toAbsolutePath();
    /** Enough lines that a crash lands mid-import on either store; PostgreSQL imports these more slowly. */
    private static final int LINES = Postgres.SELECTED ? 120_000 : 200_000;
    private static final int BAD_EVERY = 10_000;
    private static final int MODULE_EVERY = 20;

    @TempDir
    Path tmp;

    private Process server;
    private JsonNode ready;
    private HttpClient http;
    private String sas;

    @org.junit.jupiter.api.AfterEach
    void noServerOutlivesTheTest() {
        if (server != null && server.isAlive()) server.destroyForcibly();
    }

    /** The crash tests' blob: LINES lines, every BAD_EVERY-th malformed, every MODULE_EVERY-th a module. */
    private record Input(Path data, int bad, int modules) {
        int devices() { return LINES - bad - modules; }
    }

    private Input writeInput() throws Exception {
        Path data = tmp.resolve("data");
        Path in = data.resolve("blobs/iolite/crash-in");
        Files.createDirectories(in);
        int bad = 0;
        int modules = 0;
        try (BufferedWriter w = Files.newBufferedWriter(in.resolve("devices.txt"))) {
            for (int i = 1; i <= LINES; i++) {
                if (i % BAD_EVERY == 0) {
                    w.write("{\"id\":\"crash-" + i + "\",\"status\":[broken\n");
                    bad++;
                } else if (i % MODULE_EVERY == 0) {
                    w.write("{\"id\":\"crash-" + (i - 1) + "\",\"moduleId\":\"m\"}\n");
                    modules++;
                } else {
                    w.write("{\"id\":\"crash-" + i + "\",\"status\":\"" + (i % 10 == 1 ? "disabled" : "enabled")
                            + "\",\"tags\":{\"i\":" + i + "}}\n");
                }
            }
        }
        return new Input(data, bad, modules);
    }

    private static final String IMPORT = "{\"type\":\"import\",\"inputBlobContainerUri\":\"file:crash-in\","
            + "\"outputBlobContainerUri\":\"file:crash-out\"}";

    @Test
    void anImportResumesAfterSigkill() throws Exception {
        // GIVEN a large import, killed mid-way
        Input input = writeInput();
        start(input.data(), "first.log");
        String importId = createJob(IMPORT);
        JsonNode before = awaitProgress(importId, LINES / 5);
        assertThat(before.get("status").asText()).isEqualTo("running");
        kill();

        // WHEN the server restarts
        start(input.data(), "second.log");
        JsonNode done = awaitEnd(importId);

        // THEN the job finished from its checkpoint, exactly once per line
        assertThat(done.get("status").asText()).as(done.toString()).isEqualTo("completed");
        assertThat(Files.readString(tmp.resolve("second.log"))).contains("resuming 1 job");
        assertThat(done.get("devicesProcessed").asLong()).isEqualTo(LINES);
        assertThat(done.get("devicesFailed").asLong()).isEqualTo(input.bad());
        assertThat(done.get("devicesSucceeded").asLong()).isEqualTo(LINES - input.bad());
        List<String> errors = Files.readAllLines(input.data().resolve("blobs/iolite/crash-out/importErrors.log"));
        Set<Long> errorLines = new HashSet<>();
        for (String e : errors) errorLines.add(ServerExtension.JSON.readTree(e).get("lineNumber").asLong());
        assertThat(errors).hasSize(input.bad());
        assertThat(errorLines).hasSize(input.bad()).allMatch(n -> n % BAD_EVERY == 0);
        JsonNode stats = get("/statistics/devices");
        assertThat(stats.get("totalDeviceCount").asLong()).isEqualTo(input.devices());
        assertThat(stats.get("disabledDeviceCount").asLong()).isEqualTo(disabledCount());

        // AND a scheduled twin job over part of them, killed mid-way, resumes after its last batch: every device
        // updated once, with one row each
        long selected = 0;
        for (int i = 1; i < SCHEDULED_BELOW; i++) if (i % BAD_EVERY != 0 && i % MODULE_EVERY != 0) selected++;
        HttpResponse<String> scheduled = send("PUT", "/jobs/v2/resume-1", "{\"type\":\"scheduleUpdateTwin\","
                + "\"queryCondition\":\"tags.i < " + SCHEDULED_BELOW + "\",\"updateTwin\":{\"properties\":{\"desired\":"
                + "{\"resumed\":true}}},\"maxExecutionTimeInSeconds\":600}");
        assertThat(scheduled.statusCode()).as(scheduled.body()).isEqualTo(200);
        JsonNode mid = JobPolling.until("the scheduled job reaches 2,000 devices", java.time.Duration.ofSeconds(120),
                java.time.Duration.ofMillis(5), () -> get("/jobs/v2/resume-1"),
                j -> j.at("/deviceJobStatistics/succeededCount").asLong() >= 2_000);
        assertThat(mid.get("status").asText()).isEqualTo("running");
        kill();
        start(input.data(), "third.log");
        JsonNode resumed = JobPolling.until("the scheduled job ends", java.time.Duration.ofSeconds(300),
                java.time.Duration.ofMillis(100), () -> get("/jobs/v2/resume-1"),
                j -> j.get("status").asText().matches("completed|failed|cancelled"));
        assertThat(resumed.get("status").asText()).as(resumed.toString()).isEqualTo("completed");
        assertThat(resumed.at("/deviceJobStatistics/succeededCount").asLong()).isEqualTo(selected);
        assertThat(resumed.at("/deviceJobStatistics/failedCount").asLong()).isZero();
        HttpResponse<String> updated = send("POST", "/devices/query",
                "{\"query\":\"SELECT COUNT() AS n FROM devices WHERE properties.desired.resumed = true\"}");
        assertThat(ServerExtension.JSON.readTree(updated.body()).get(0).get("n").asLong()).isEqualTo(selected);
        stop();
    }

    /** The scheduled job of the resume test selects the devices whose tag i is below this. */
    private static final int SCHEDULED_BELOW = 25_000;

    @Test
    void anExportResumesAfterSigkill() throws Exception {
        // GIVEN a registry filled by an import, and a large export of it, killed mid-way
        Input input = writeInput();
        start(input.data(), "first.log");
        assertThat(awaitEnd(createJob(IMPORT)).get("status").asText()).isEqualTo("completed");
        String exportId = createJob("{\"type\":\"export\",\"outputBlobContainerUri\":\"file:crash-export\"}");
        JsonNode partial = awaitProgress(exportId, 1);
        assertThat(partial.get("status").asText()).isEqualTo("running");
        kill();
        assertThat(input.data().resolve("blobs/iolite/crash-export/devices.txt"))
                .as("an export appears whole or not at all").doesNotExist();

        // WHEN the server restarts
        start(input.data(), "second.log");
        JsonNode exported = awaitEnd(exportId);

        // THEN the blob holds every identity exactly once
        assertThat(exported.get("status").asText()).isEqualTo("completed");
        List<String> lines = Files.readAllLines(input.data().resolve("blobs/iolite/crash-export/devices.txt"));
        Set<String> keys = new HashSet<>();
        for (String l : lines) {
            JsonNode n = ServerExtension.JSON.readTree(l);
            keys.add(n.get("id").asText() + "/" + n.path("moduleId").asText(""));
        }
        assertThat(lines).hasSize(input.devices() + input.modules());
        assertThat(keys).hasSize(input.devices() + input.modules());
        stop();
    }

    @Test
    void anImportStoppedWithSigtermResumesAfterARestart() throws Exception {
        // GIVEN a large import, stopped with SIGTERM mid-way: a clean stop, exit 0
        Input input = writeInput();
        start(input.data(), "first.log");
        String id = createJob(IMPORT);
        assertThat(awaitProgress(id, LINES / 5).get("status").asText()).isEqualTo("running");
        stop();
        assertThat(server.exitValue()).isZero();

        // WHEN the server restarts
        start(input.data(), "second.log");
        JsonNode done = awaitEnd(id);

        // THEN the job ends as if never stopped, each line applied or logged once, with no retry counted
        assertThat(done.get("status").asText()).isEqualTo("completed");
        assertThat(done.get("devicesProcessed").asLong()).isEqualTo(LINES);
        assertThat(done.get("retries").asInt()).isZero();
        assertThat(Files.readAllLines(input.data().resolve("blobs/iolite/crash-out/importErrors.log"))).hasSize(input.bad());
        assertThat(get("/statistics/devices").get("totalDeviceCount").asLong()).isEqualTo(input.devices());
        stop();
    }

    @Test
    void anIdentityNamedAtTheFirstAndLastLinesIsCaughtAcrossACrash() throws Exception {
        // GIVEN a 200,000-line blob whose first lines name identities that its last lines name again, each
        // first line leaving a different trace: a row it wrote, a failed update, a line refused for its
        // content, a module deleted later with its device, and a deleted device
        Path data = tmp.resolve("data");
        Path in = data.resolve("blobs/iolite/twice-in");
        Files.createDirectories(in);
        try (BufferedWriter w = Files.newBufferedWriter(in.resolve("devices.txt"))) {
            w.write("{\"id\":\"named-twice\",\"tags\":{\"first\":true}}\n");                 // 1
            w.write("{\"id\":\"ghost\",\"importMode\":\"update\"}\n");                        // 2 -> 404001
            w.write("{\"id\":\"too-long\",\"statusReason\":\"" + "x".repeat(200) + "\"}\n");   // 3 -> 400004
            w.write("{\"id\":\"parent\",\"moduleId\":\"m\"}\n");                              // 4
            for (int i = 5; i < 20_000; i++) w.write("{\"id\":\"between-" + i + "\"}\n");
            w.write("{\"id\":\"parent\",\"importMode\":\"delete\"}\n");                       // 20,000: takes m along
            for (int i = 20_001; i <= LINES - 5; i++) w.write("{\"id\":\"between-" + i + "\"}\n");
            w.write("{\"id\":\"parent\"}\n");                                                   // LINES - 4
            w.write("{\"id\":\"parent\",\"moduleId\":\"m\"}\n");                              // LINES - 3
            w.write("{\"id\":\"too-long\"}\n");                                                 // LINES - 2
            w.write("{\"id\":\"ghost\"}\n");                                                    // LINES - 1
            w.write("{\"id\":\"named-twice\",\"tags\":{\"last\":true}}\n");                  // LINES
        }
        start(data, "twice-1.log");
        assertThat(send("PUT", "/devices/parent", "{\"deviceId\":\"parent\"}").statusCode()).isEqualTo(200);
        String id = createJob("{\"type\":\"import\",\"inputBlobContainerUri\":\"file:twice-in\","
                + "\"outputBlobContainerUri\":\"file:twice-out\"}");
        // WHEN the server is killed between the first and the last lines and restarted
        JsonNode before = awaitProgress(id, LINES / 5);
        assertThat(before.get("status").asText()).isEqualTo("running");
        kill();
        start(data, "twice-2.log");
        JsonNode done = awaitEnd(id);
        // THEN each of the last five lines, read by the resumed job, is still refused as a second naming (400011)
        assertThat(done.get("status").asText()).as(done.toString()).isEqualTo("completed");
        assertThat(done.get("devicesFailed").asLong()).isEqualTo(7);
        java.util.Map<Long, String> codes = new java.util.TreeMap<>();
        for (String e : Files.readAllLines(data.resolve("blobs/iolite/twice-out/importErrors.log"))) {
            JsonNode n = ServerExtension.JSON.readTree(e);
            codes.put(n.get("lineNumber").asLong(), n.get("errorCode").asText());
        }
        assertThat(codes).containsExactly(java.util.Map.entry(2L, "404001"), java.util.Map.entry(3L, "400004"),
                java.util.Map.entry((long) LINES - 4, "400011"), java.util.Map.entry((long) LINES - 3, "400011"),
                java.util.Map.entry((long) LINES - 2, "400011"), java.util.Map.entry((long) LINES - 1, "400011"),
                java.util.Map.entry((long) LINES, "400011"));
        // and the registry is as the first lines made it
        JsonNode twin = get("/twins/named-twice");
        assertThat(twin.path("tags").has("first")).isTrue();
        assertThat(twin.path("tags").has("last")).isFalse();
        for (String gone : List.of("/devices/parent", "/devices/parent/modules/m", "/devices/ghost", "/devices/too-long")) {
            assertThat(send("GET", gone, null).statusCode()).as(gone).isEqualTo(404);
        }
        stop();
    }

    @Test
    void anImportLargerThanItsHeapCouldEverRememberCompletes() throws Exception {
        // the import engine's memory is the same whatever the store: measured on the default one (a minute on
        // PostgreSQL, where the suite's time is tightest)
        org.junit.jupiter.api.Assumptions.assumeFalse(Postgres.SELECTED, "SQLite only");
        // GIVEN a server with a 32 MiB heap, and a blob of 1.05 million distinct identities: a set of them in
        // memory at 16 bytes each, in a table at most half full, would need 32 MiB for itself alone
        int lines = 1_050_000;
        int heapMiB = 32;
        assertThat(2L * 16 * lines).isGreaterThanOrEqualTo((long) heapMiB << 20);
        Path data = tmp.resolve("data");
        Path in = data.resolve("blobs/iolite/heap-in");
        Files.createDirectories(in);
        try (BufferedWriter w = Files.newBufferedWriter(in.resolve("devices.txt"))) {
            w.write("{\"id\":\"heap-twice\"}\n");
            for (int i = 2; i < lines; i++) w.write("{\"id\":\"heap-" + i + "\"}\n");
            w.write("{\"id\":\"heap-twice\"}\n");
        }
        start(data, "heap.log", heapMiB + "m");
        // WHEN it imports the blob
        String id = createJob("{\"type\":\"import\",\"inputBlobContainerUri\":\"file:heap-in\","
                + "\"outputBlobContainerUri\":\"file:heap-out\"}");
        JsonNode done = awaitEnd(id);
        // THEN every line is applied once, the repeated identity is still caught, and nothing ran out of memory
        assertThat(done.get("status").asText()).as(done.toString()).isEqualTo("completed");
        assertThat(done.get("devicesProcessed").asLong()).isEqualTo(lines);
        assertThat(done.get("devicesFailed").asLong()).isEqualTo(1);
        assertThat(done.path("retries").asInt()).isZero();
        assertThat(get("/statistics/devices").get("totalDeviceCount").asLong()).isEqualTo(lines - 1);
        assertThat(Files.readString(data.resolve("blobs/iolite/heap-out/importErrors.log"))).contains("400011")
                .contains("\"lineNumber\":" + lines);
        stop();
        assertThat(Files.readString(tmp.resolve("heap.log"))).doesNotContain("OutOfMemoryError");
    }

    private static long disabledCount() {
        long n = 0;
        for (int i = 1; i <= LINES; i++) {
            if (i % BAD_EVERY != 0 && i % MODULE_EVERY != 0 && i % 10 == 1) n++;
        }
        return n;
    }

    /** The store of this test's server processes: SQLite in the data dir, or one PostgreSQL database for all. */
    private String store;

    private void start(Path data, String log) throws Exception {
        start(data, log, "512m");
    }

    private void start(Path data, String log, String heap) throws Exception {
        Files.deleteIfExists(data.resolve("ready.json"));
        if (store == null && Postgres.SELECTED) store = Postgres.get().newDatabase();
        ProcessBuilder pb = new ProcessBuilder("java", "-Xmx" + heap, "-jar", JAR.toString(), "serve", "--data-dir",
                data.toString(), "--port", "0").redirectErrorStream(true).redirectOutput(tmp.resolve(log).toFile());
        if (store != null) pb.environment().put("IOLITE_STORE", store);
        server = pb.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!Files.exists(data.resolve("ready.json"))) {
            if (!server.isAlive()) throw new AssertionError(Files.readString(tmp.resolve(log)));
            assertThat(System.nanoTime()).as("server ready").isLessThan(deadline);
            Thread.sleep(50);
        }
        ready = ServerExtension.JSON.readTree(data.resolve("ready.json").toFile());
        http = HttpClient.newBuilder().sslContext(TestTls.trusting(Path.of(ready.get("truststore").asText()))).build();
        String conn = ready.get("connectionString").asText();
        sas = SasToken.create(ready.get("hubHostName").asText(), "iothubowner",
                conn.substring(conn.indexOf("SharedAccessKey=") + 16), Instant.now().plusSeconds(3600));
    }

    private void kill() throws Exception {
        server.destroyForcibly();
        assertThat(server.waitFor(30, TimeUnit.SECONDS)).isTrue();
    }

    private void stop() throws Exception {
        server.destroy();
        assertThat(server.waitFor(60, TimeUnit.SECONDS)).isTrue();
    }

    private String createJob(String body) throws Exception {
        HttpResponse<String> r = send("POST", "/jobs/create", body);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return ServerExtension.JSON.readTree(r.body()).get("jobId").asText();
    }

    private JsonNode awaitProgress(String id, long processed) throws Exception {
        return JobPolling.until("job " + id + " processes " + processed, java.time.Duration.ofSeconds(120),
                java.time.Duration.ofMillis(5), () -> get("/jobs/" + id), JobPolling.processedAtLeast(processed));
    }

    private JsonNode awaitEnd(String id) throws Exception {
        return JobPolling.until("job " + id + " ends", java.time.Duration.ofSeconds(300), java.time.Duration.ofMillis(100),
                () -> get("/jobs/" + id), JobPolling::ended);
    }

    private JsonNode get(String path) throws Exception {
        HttpResponse<String> r = send("GET", path, null);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return ServerExtension.JSON.readTree(r.body());
    }

    private HttpResponse<String> send(String method, String path, String body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(ready.get("url").asText() + path + "?api-version=2021-04-12"))
                .timeout(Duration.ofSeconds(60)).header("Authorization", sas)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
                .build(), HttpResponse.BodyHandlers.ofString());
    }
}

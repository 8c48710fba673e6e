package dev.iolite.cli.it;

import dev.iolite.server.testkit.ServerExtension;
import dev.iolite.server.testkit.Postgres;
import dev.iolite.server.testkit.TestTls;
import dev.iolite.server.testkit.JobPolling;
import dev.iolite.server.testkit.PostgresqlOnly;
import com.fasterxml.jackson.databind.JsonNode;
import dev.iolite.server.auth.SasToken;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Several server processes on one PostgreSQL database, as behind a load balancer: a job survives the
 * death of its node, If-Match writes through different nodes have one winner per etag, and a database
 * outage gives 503s and then a job that completes. Runs in the PostgreSQL execution of the suite only.
 */
@PostgresqlOnly("several nodes need a shared database")
class ClusterIT {
    private static final Path JAR = Path.of("target/iolite.jar").toAbsolutePath();

    @TempDir
    Path tmp;

    private Postgres pg;
    private final List<Process> processes = new ArrayList<>();

    @AfterEach
    void stopAll() {
        processes.forEach(Process::destroyForcibly);
        if (pg != null) pg.destroy();
    }

    /** One node: its own data dir, the shared database and blob folder, a 5 s job lease. */
    final class Node {
        final Process process;
        final JsonNode ready;
        final HttpClient http;
        final String sas;

        Node(String name, String store) throws Exception {
            Path data = tmp.resolve(name);
            Files.createDirectories(data);
            ProcessBuilder pb = new ProcessBuilder("java", "-Xmx512m", "-jar", JAR.toString(), "serve", "--data-dir",
                    data.toString(), "--port", "0", "--store", store, "--local-blob-root", tmp.resolve("blobs").toString(),
                    "--job-lease", "5s").redirectErrorStream(true).redirectOutput(tmp.resolve(name + ".log").toFile());
            process = pb.start();
            processes.add(process);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!Files.exists(data.resolve("ready.json"))) {
                if (!process.isAlive()) throw new AssertionError(Files.readString(tmp.resolve(name + ".log")));
                assertThat(System.nanoTime()).as("node ready").isLessThan(deadline);
                Thread.sleep(50);
            }
            ready = ServerExtension.JSON.readTree(data.resolve("ready.json").toFile());
            http = HttpClient.newBuilder().sslContext(TestTls.trusting(Path.of(ready.get("truststore").asText())))
                    .connectTimeout(Duration.ofSeconds(5)).build();
            String conn = ready.get("connectionString").asText();
            sas = SasToken.create(ready.get("hubHostName").asText(), "iothubowner",
                    conn.substring(conn.indexOf("SharedAccessKey=") + 16), Instant.now().plusSeconds(3600));
        }

        HttpResponse<String> send(String method, String path, String body, String... headers) throws Exception {
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(ready.get("url").asText() + path
                            + (path.contains("?") ? "&" : "?") + "api-version=2021-04-12"))
                    .timeout(Duration.ofSeconds(20)).header("Authorization", sas)
                    .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
            if (body != null) b.header("Content-Type", "application/json");
            for (int i = 0; i < headers.length; i += 2) b.header(headers[i], headers[i + 1]);
            return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        }

        JsonNode json(String method, String path, String body) throws Exception {
            HttpResponse<String> r = send(method, path, body);
            assertThat(r.statusCode()).as(method + " " + path + ": " + r.body()).isBetween(200, 299);
            return ServerExtension.JSON.readTree(r.body());
        }

        JsonNode awaitJob(String id, Duration timeout) throws Exception {
            return JobPolling.until("job " + id + " ends", timeout, Duration.ofMillis(100), () -> {
                HttpResponse<String> r = send("GET", "/jobs/" + id, null);
                return r.statusCode() == 200 ? ServerExtension.JSON.readTree(r.body()) : null;
            }, JobPolling::ended);
        }
    }

    private static boolean pgOnly() { return Postgres.SELECTED; }

    /** Writes N devices (every 1000th line malformed) to blobs/iolite/NAME/devices.txt; returns the bad line count. */
    private int writeInput(String name, int lines) throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("blobs/iolite").resolve(name));
        int bad = 0;
        try (BufferedWriter w = Files.newBufferedWriter(dir.resolve("devices.txt"), StandardCharsets.UTF_8)) {
            for (int i = 1; i <= lines; i++) {
                if (i % 1000 == 0) {
                    w.write("{\"id\":\"broken-" + i + "\",\n");
                    bad++;
                } else {
                    w.write("{\"id\":\"c-" + i + "\",\"status\":\"" + (i % 10 == 1 ? "disabled" : "enabled") + "\"}\n");
                }
            }
        }
        return bad;
    }

    private static String importJob(String container) {
        return "{\"type\":\"import\",\"inputBlobContainerUri\":\"file:" + container + "\",\"outputBlobContainerUri\":\"file:"
                + container + "\"}";
    }

    /** Counts the hub's identities by exporting them through the given node. */
    private long exportedLines(Node node, String container) throws Exception {
        JsonNode job = node.json("POST", "/jobs/create", "{\"type\":\"export\",\"outputBlobContainerUri\":\"file:"
                + container + "\",\"excludeKeysInExport\":true}");
        assertThat(node.awaitJob(job.get("jobId").asText(), Duration.ofMinutes(2)).get("status").asText()).isEqualTo("completed");
        try (var lines = Files.lines(tmp.resolve("blobs/iolite").resolve(container).resolve("devices.txt"))) {
            return lines.count();
        }
    }

    @Test
    void aJobWhoseNodeIsKilledIsCompletedByAnotherNode() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(pgOnly(), "needs PostgreSQL");
        pg = Postgres.startNew();
        String store = pg.newDatabase();
        Node a = new Node("a", store);
        Node b = new Node("b", store);
        int lines = 120_000;
        int bad = writeInput("big", lines);

        // GIVEN an import created on node A and running there
        String id = a.json("POST", "/jobs/create", importJob("big")).get("jobId").asText();
        while (b.json("GET", "/jobs/" + id, null).get("progress").asInt() < 10) Thread.sleep(50);
        // WHEN node A dies
        a.process.destroyForcibly().waitFor();
        // THEN node B takes the job over once A's lease lapses, and completes it exactly once
        JsonNode done = b.awaitJob(id, Duration.ofMinutes(3));
        assertThat(done.get("status").asText()).isEqualTo("completed");
        assertThat(done.get("devicesProcessed").asLong()).isEqualTo(lines);
        assertThat(done.get("devicesFailed").asLong()).isEqualTo(bad);
        List<String> errors = Files.readAllLines(tmp.resolve("blobs/iolite/big/importErrors.log"));
        assertThat(errors).hasSize(bad).doesNotHaveDuplicates();
        JsonNode stats = b.json("GET", "/statistics/devices", null);
        long devices = lines - bad;
        assertThat(stats.get("totalDeviceCount").asLong()).isEqualTo(devices);
        long disabled = 0;
        for (int i = 1; i <= lines; i++) if (i % 1000 != 0 && i % 10 == 1) disabled++;
        assertThat(stats.get("disabledDeviceCount").asLong()).isEqualTo(disabled);
        assertThat(exportedLines(b, "recount")).isEqualTo(devices);
    }

    @Test
    void ifMatchWritesThroughTwoNodesHaveOneWinnerPerEtag() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(pgOnly(), "needs PostgreSQL");
        pg = Postgres.startNew();
        String store = pg.newDatabase();
        Node[] nodes = {new Node("a", store), new Node("b", store)};
        int devices = 4;
        for (int d = 0; d < devices; d++) nodes[0].json("PUT", "/devices/race-" + d, "{\"deviceId\":\"race-" + d + "\"}");

        // 8 clients, spread over both nodes, read-modify-write the same devices with If-Match for 20 seconds
        Map<String, String> reasonByEtag = new ConcurrentHashMap<>();
        Set<String> usedPriorEtags = ConcurrentHashMap.newKeySet();
        AtomicInteger serverErrors = new AtomicInteger();
        AtomicInteger conflicts = new AtomicInteger();
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        ExecutorService pool = Executors.newFixedThreadPool(8);
        List<Future<?>> clients = new ArrayList<>();
        for (int c = 0; c < 8; c++) {
            int client = c;
            clients.add(pool.submit(() -> {
                Node node = nodes[client % 2];
                int n = 0;
                while (System.nanoTime() < end) {
                    String id = "race-" + (n % devices);
                    HttpResponse<String> got = node.send("GET", "/devices/" + id, null);
                    if (got.statusCode() >= 500) serverErrors.incrementAndGet();
                    if (got.statusCode() != 200) continue;
                    JsonNode dev = ServerExtension.JSON.readTree(got.body());
                    String prior = dev.get("etag").asText();
                    String reason = "client-" + client + "-write-" + n++;
                    ((com.fasterxml.jackson.databind.node.ObjectNode) dev).put("statusReason", reason);
                    HttpResponse<String> put = node.send("PUT", "/devices/" + id, dev.toString(), "If-Match", "\"" + prior + "\"");
                    if (put.statusCode() >= 500) serverErrors.incrementAndGet();
                    if (put.statusCode() == 412) conflicts.incrementAndGet();
                    if (put.statusCode() == 200) {
                        String etag = ServerExtension.JSON.readTree(put.body()).get("etag").asText();
                        assertThat(reasonByEtag.putIfAbsent(id + "/" + etag, reason)).as("etag reused").isNull();
                        assertThat(usedPriorEtags.add(id + "/" + prior)).as("two writes won from one etag").isTrue();
                    }
                }
                return null;
            }));
        }
        // meanwhile two more clients create, disable and delete other devices through both nodes
        ExecutorService churn = Executors.newFixedThreadPool(2);
        List<Future<?>> churners = new ArrayList<>();
        for (int c = 0; c < 2; c++) {
            int client = c;
            churners.add(churn.submit(() -> {
                int n = 0;
                while (System.nanoTime() < end) {
                    Node node = nodes[n % 2];
                    String id = "churn-" + client + "-" + n;
                    int code = node.send("PUT", "/devices/" + id, "{\"deviceId\":\"" + id + "\",\"status\":\""
                            + (n % 3 == 0 ? "disabled" : "enabled") + "\"}").statusCode();
                    if (code >= 500) serverErrors.incrementAndGet();
                    if (n % 4 == 1) {
                        if (nodes[(n + 1) % 2].send("DELETE", "/devices/" + id, null, "If-Match", "*").statusCode() >= 500) {
                            serverErrors.incrementAndGet();
                        }
                    }
                    n++;
                }
                return null;
            }));
        }
        for (Future<?> f : clients) f.get(2, TimeUnit.MINUTES);
        for (Future<?> f : churners) f.get(2, TimeUnit.MINUTES);
        pool.shutdown();
        churn.shutdown();

        assertThat(serverErrors.get()).isZero();
        assertThat(conflicts.get()).as("the clients did race").isPositive();
        for (int d = 0; d < devices; d++) {
            JsonNode last = nodes[1].json("GET", "/devices/race-" + d, null);
            assertThat(reasonByEtag.get("race-" + d + "/" + last.get("etag").asText()))
                    .as("the final state is the last successful write").isEqualTo(last.get("statusReason").asText());
        }
        // AND the counters written by both nodes equal a recount
        JsonNode stats = nodes[0].json("GET", "/statistics/devices", null);
        long total = 0;
        long disabled = 0;
        String continuation = null;
        do {
            HttpResponse<String> page = continuation == null
                    ? nodes[1].send("POST", "/devices/query", "{\"query\":\"SELECT * FROM devices\"}", "x-ms-max-item-count", "1000")
                    : nodes[1].send("POST", "/devices/query", "{\"query\":\"SELECT * FROM devices\"}", "x-ms-max-item-count", "1000",
                            "x-ms-continuation", continuation);
            for (JsonNode twin : ServerExtension.JSON.readTree(page.body())) {
                total++;
                if (twin.get("status").asText().equals("disabled")) disabled++;
            }
            continuation = page.headers().firstValue("x-ms-continuation").orElse(null);
        } while (continuation != null);
        assertThat(stats.get("totalDeviceCount").asLong()).isEqualTo(total);
        assertThat(stats.get("disabledDeviceCount").asLong()).isEqualTo(disabled);
    }

    @Test
    void creatingJobsOnTwoNodesAtOnceGivesOneJobAndOne403() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(pgOnly(), "needs PostgreSQL");
        pg = Postgres.startNew();
        String store = pg.newDatabase();
        Node[] nodes = {new Node("a", store), new Node("b", store)};
        writeInput("both", 20_000);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        for (int round = 0; round < 5; round++) {
            java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
            List<Future<HttpResponse<String>>> creates = new ArrayList<>();
            for (Node node : nodes) {
                creates.add(pool.submit(() -> {
                    go.await();
                    return node.send("POST", "/jobs/create", importJob("both"));
                }));
            }
            go.countDown();
            List<Integer> codes = new ArrayList<>();
            String created = null;
            for (Future<HttpResponse<String>> f : creates) {
                HttpResponse<String> r = f.get(1, TimeUnit.MINUTES);
                codes.add(r.statusCode());
                if (r.statusCode() == 200) created = ServerExtension.JSON.readTree(r.body()).get("jobId").asText();
                if (r.statusCode() == 403) assertThat(r.body()).contains("403003");
            }
            assertThat(codes).as("round " + round).containsExactlyInAnyOrder(200, 403);
            assertThat(nodes[round % 2].awaitJob(created, Duration.ofMinutes(2)).get("status").asText()).isEqualTo("completed");
        }
        pool.shutdown();
    }

    @Test
    void aDatabaseOutageGives503AndTheJobThenCompletes() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(pgOnly(), "needs PostgreSQL");
        pg = Postgres.startNew();
        Node node = new Node("a", pg.newDatabase());
        int lines = 100_000;
        int bad = writeInput("outage", lines);
        String id = node.json("POST", "/jobs/create", importJob("outage")).get("jobId").asText();
        while (node.json("GET", "/jobs/" + id, null).get("progress").asInt() < 10) Thread.sleep(50);

        // WHEN the database stops mid-job, requests fail fast with 503
        pg.stop();
        long t0 = System.nanoTime();
        HttpResponse<String> during = node.send("GET", "/statistics/devices", null);
        assertThat(during.statusCode()).as(during.body()).isEqualTo(503);
        assertThat(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - t0)).isLessThan(15);
        assertThat(node.send("GET", "/jobs/" + id, null).statusCode()).isEqualTo(503);
        // and the probes say so: live (the process serves), not ready (the store does not answer), with the reason
        assertThat(node.send("GET", "/health/live", null).statusCode()).isEqualTo(200);
        HttpResponse<String> ready = node.send("GET", "/health/ready", null);
        assertThat(ready.statusCode()).as(ready.body()).isEqualTo(503);
        assertThat(ServerExtension.JSON.readTree(ready.body()).get("reason").asText()).contains("store");
        Thread.sleep(2000);

        // THEN once it is back, the job resumes from its checkpoint and completes exactly once
        pg.start();
        JsonNode done = node.awaitJob(id, Duration.ofMinutes(3));
        assertThat(node.send("GET", "/health/ready", null).statusCode()).isEqualTo(200);
        assertThat(done.get("status").asText()).isEqualTo("completed");
        assertThat(done.get("devicesProcessed").asLong()).isEqualTo(lines);
        assertThat(Files.readAllLines(tmp.resolve("blobs/iolite/outage/importErrors.log"))).hasSize(bad).doesNotHaveDuplicates();
        assertThat(node.json("GET", "/statistics/devices", null).get("totalDeviceCount").asLong()).isEqualTo(lines - bad);
        assertThat(exportedLines(node, "after-outage")).isEqualTo(lines - bad);
    }
}

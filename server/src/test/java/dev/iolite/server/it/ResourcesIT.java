package dev.iolite.server.it;

import dev.iolite.server.testkit.ServerExtension;
import dev.iolite.server.testkit.Sdks;
import dev.iolite.server.testkit.TestTls;
import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import javax.net.ssl.SSLSocket;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * One caller cannot stall the server or slip past its bounds: chunked bodies, slow or hostile blob
 * endpoints, the SSRF guard's answers, the job queue, and names that would break files or logs
 * (issue 9, findings 8 to 10, 12 and 13).
 */
class ResourcesIT {
    /** Request cap 256 KiB (ServerExtension), queueing on. */
    @RegisterExtension
    static final ServerExtension server = new ServerExtension(c -> c.withJobs(c.jobs().withQueue(true)));

    private static final String API = "?api-version=2021-04-12";

    @Test
    void aChunkedBodyOverTheCapIsCutOffWith413() throws Exception {
        String statsBefore = server.send("GET", "/statistics/devices" + API, server.ownerSas(), null).body();
        try (SSLSocket s = (SSLSocket) TestTls.trusting(TestTls.TRUSTSTORE).getSocketFactory()
                .createSocket("127.0.0.1", server.port())) {
            s.setSoTimeout(20_000);
            OutputStream out = s.getOutputStream();
            out.write(("POST /devices" + API + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: " + server.ownerSas()
                    + "\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            // 300 KiB of a JSON array in 1 KiB chunks, past the 256 KiB cap, and the body never ends:
            // the answer must come from the cap, not from the end of the body.
            byte[] chunk = new byte[1024];
            java.util.Arrays.fill(chunk, (byte) ' ');
            chunk[0] = '[';
            for (int i = 0; i < 300; i++) {
                out.write((Integer.toHexString(chunk.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
                out.write(chunk);
                out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
                chunk[0] = ' ';
            }
            out.flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
            String status = in.readLine();
            assertThat(status).startsWith("HTTP/1.1 413");
            StringBuilder rest = new StringBuilder();
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                rest.append(line).append('\n');
                if (line.contains("ExceptionMessage")) break;
            }
            assertThat(rest.toString()).contains("iothub-errorcode: RequestEntityTooLarge").contains("413001");
        }
        assertThat(server.send("GET", "/statistics/devices" + API, server.ownerSas(), null).body()).isEqualTo(statsBefore);
    }

    @Test
    void containersThatNeverAnswerCannotSlowOtherRequests() throws Exception {
        // GIVEN a "blob service" that accepts connections and never answers
        try (ServerSocket silent = new ServerSocket(0, 200, java.net.InetAddress.getLoopbackAddress())) {
            List<Socket> held = java.util.Collections.synchronizedList(new ArrayList<>());
            Thread acceptor = new Thread(() -> {
                try {
                    while (true) held.add(silent.accept());
                } catch (Exception e) {
                    // closed
                }
            });
            acceptor.setDaemon(true);
            acceptor.start();
            String uri = "http://127.0.0.1:" + silent.getLocalPort() + "/devstoreaccount1/c?sv=x&sig=y";
            ExecutorService pool = Executors.newFixedThreadPool(50);
            try {
                // WHEN 50 job creates aim at it at once
                List<Future<HttpResponse<String>>> creates = new ArrayList<>();
                long started = System.nanoTime();
                for (int i = 0; i < 50; i++) {
                    creates.add(pool.submit(() -> server.send("POST", "/jobs/create" + API, server.ownerSas(),
                            "{\"type\":\"export\",\"outputBlobContainerUri\":\"" + uri + "\"}")));
                }
                // THEN statistics answer promptly meanwhile
                for (int i = 0; i < 20; i++) {
                    long t0 = System.nanoTime();
                    HttpResponse<String> stats = server.send("GET", "/statistics/devices" + API, server.ownerSas(), null);
                    assertThat(stats.statusCode()).isEqualTo(200);
                    assertThat((System.nanoTime() - t0) / 1_000_000).as("statistics while probes hang, ms").isLessThan(2000);
                    Thread.sleep(100);
                }
                // AND every create ends within seconds with IoT Hub's blob error (or a retry-later), never a 500
                for (Future<HttpResponse<String>> f : creates) {
                    HttpResponse<String> r = f.get(30, TimeUnit.SECONDS);
                    assertThat(r.statusCode()).as(r.body()).isIn(400, 429);
                    if (r.statusCode() == 400) {
                        assertThat(r.headers().firstValue("iothub-errorcode")).contains("BlobContainerValidationError");
                    }
                }
                assertThat((System.nanoTime() - started) / 1_000_000_000).as("all 50 answered, s").isLessThan(30);
            } finally {
                pool.shutdownNow();
                synchronized (held) {
                    for (Socket s : held) s.close();
                }
            }
        }
    }

    @Test
    void everyFailureToReachAContainerGetsTheSameMessage() throws Exception {
        // a closed port, a web server that is not blob storage, and one that redirects
        int closed;
        try (ServerSocket s = new ServerSocket(0)) {
            closed = s.getLocalPort();
        }
        HttpServer web = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        web.createContext("/plain", ex -> {
            byte[] b = "<html>welcome to the admin console</html>".getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(200, b.length);
            ex.getResponseBody().write(b);
            ex.close();
        });
        web.createContext("/moved", ex -> {
            ex.getResponseHeaders().add("Location", "http://169.254.169.254/latest/meta-data/");
            ex.sendResponseHeaders(307, -1);
            ex.close();
        });
        web.start();
        try {
            List<String> messages = new ArrayList<>();
            for (String uri : List.of("http://127.0.0.1:" + closed + "/acct/c?sig=x",
                    "http://127.0.0.1:" + web.getAddress().getPort() + "/plain/c?sig=x",
                    "http://127.0.0.1:" + web.getAddress().getPort() + "/moved/c?sig=x")) {
                HttpResponse<String> r = server.send("POST", "/jobs/create" + API, server.ownerSas(),
                        "{\"type\":\"export\",\"outputBlobContainerUri\":\"" + uri + "\"}");
                assertThat(r.statusCode()).as(uri + " " + r.body()).isEqualTo(400);
                String message = ServerExtension.hubError(r).get("message").asText();
                assertThat(message).doesNotContain("307").doesNotContain("admin").doesNotContain("Connection refused")
                        .doesNotContain("169.254");
                messages.add(message);
            }
            assertThat(messages).containsOnly(messages.get(0));
        } finally {
            web.stop(0);
        }
    }

    @Test
    void aHubMayQueueOnlySoManyJobs() throws Exception {
        String sas = server.createHub("busy");
        Path in = server.blobRootOf("busy").resolve("slow-in");
        Files.createDirectories(in);
        try (var w = Files.newBufferedWriter(in.resolve("devices.txt"))) {
            for (int i = 0; i < 200_000; i++) w.write("{\"id\":\"q-" + i + "\"}\n");
        }
        HttpResponse<String> first = server.send("POST", "/jobs/create" + API, sas,
                "{\"type\":\"import\",\"inputBlobContainerUri\":\"file:slow-in\",\"outputBlobContainerUri\":\"file:slow-in\"}");
        assertThat(first.statusCode()).as(first.body()).isEqualTo(200);
        int accepted = 0;
        HttpResponse<String> refused = null;
        for (int i = 0; i < dev.iolite.server.jobs.JobService.MAX_QUEUED_PER_HUB + 2 && refused == null; i++) {
            HttpResponse<String> r = server.send("POST", "/jobs/create" + API, sas,
                    "{\"type\":\"export\",\"outputBlobContainerUri\":\"file:queued\"}");
            if (r.statusCode() == 200) accepted++;
            else refused = r;
        }
        assertThat(refused).as("a create past the cap").isNotNull();
        assertThat(accepted).isGreaterThanOrEqualTo(dev.iolite.server.jobs.JobService.MAX_QUEUED_PER_HUB - 1);
        assertThat(refused.statusCode()).isEqualTo(403);
        assertThat(refused.headers().firstValue("iothub-errorcode")).contains("JobQuotaExceeded");
        // another hub still gets its job in
        assertThat(server.send("POST", "/jobs/create" + API, server.ownerSas(),
                "{\"type\":\"export\",\"outputBlobContainerUri\":\"file:other\"}").statusCode()).isEqualTo(200);
    }

    @Test
    void runnersTakeHubsInTurn() throws Exception {
        // GIVEN hub A with a slow import running and two more jobs queued behind it
        String a = server.createHub("fair-a");
        String b = server.createHub("fair-b");
        Path in = server.blobRootOf("fair-a").resolve("slow");
        Files.createDirectories(in);
        try (var w = Files.newBufferedWriter(in.resolve("devices.txt"))) {
            for (int i = 0; i < 150_000; i++) w.write("{\"id\":\"fair-" + i + "\"}\n");
        }
        String a1 = jobId(server.send("POST", "/jobs/create" + API, a,
                "{\"type\":\"import\",\"inputBlobContainerUri\":\"file:slow\",\"outputBlobContainerUri\":\"file:slow\"}"));
        String a2 = jobId(server.send("POST", "/jobs/create" + API, a, "{\"type\":\"export\",\"outputBlobContainerUri\":\"file:x\"}"));
        String a3 = jobId(server.send("POST", "/jobs/create" + API, a, "{\"type\":\"export\",\"outputBlobContainerUri\":\"file:x\"}"));
        // WHEN hub B queues one job after all of them
        String b1 = jobId(server.send("POST", "/jobs/create" + API, b, "{\"type\":\"export\",\"outputBlobContainerUri\":\"file:x\"}"));
        // THEN B's job starts before A's second one: hubs take turns, not creation order
        JsonNode b1Done = Sdks.awaitJob(server, b, b1);
        JsonNode a2Done = Sdks.awaitJob(server, a, a2);
        Sdks.awaitJob(server, a, a3);
        assertThat(Sdks.awaitJob(server, a, a1).get("status").asText()).isEqualTo("completed");
        assertThat(java.time.Instant.parse(b1Done.get("startTimeUtc").asText()))
                .isBeforeOrEqualTo(java.time.Instant.parse(a2Done.get("startTimeUtc").asText()));
    }

    private static String jobId(HttpResponse<String> r) throws Exception {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return ServerExtension.JSON.readTree(r.body()).get("jobId").asText();
    }

    @Test
    void badContainerAndBlobNamesAreRefusedNamingTheField() throws Exception {
        String[][] cases = {
                {"{\"type\":\"export\",\"outputBlobContainerUri\":\"file:bad\\u0000name\"}", "outputBlobContainerUri"},
                {"{\"type\":\"export\",\"outputBlobContainerUri\":\"file:" + "a".repeat(64) + "\"}", "outputBlobContainerUri"},
                {"{\"type\":\"export\",\"outputBlobContainerUri\":\"https://" + "a".repeat(64) + ".blob.core.windows.net/c?sig=x\"}",
                        "outputBlobContainerUri"},
                {"{\"type\":\"export\",\"outputBlobContainerUri\":\"file:ok\",\"outputBlobName\":\"a\\u0000b\"}", "outputBlobName"},
                {"{\"type\":\"export\",\"outputBlobContainerUri\":\"file:ok\",\"outputBlobName\":\"forged\\nERROR fake log line\"}",
                        "outputBlobName"},
                {"{\"type\":\"export\",\"outputBlobContainerUri\":\"file:ok\",\"outputBlobName\":\"../escape\"}", "outputBlobName"},
                {"{\"type\":\"import\",\"inputBlobContainerUri\":\"file:ok\",\"inputBlobName\":\"" + "n".repeat(1025)
                        + "\",\"outputBlobContainerUri\":\"file:ok\"}", "inputBlobName"},
        };
        for (String[] c : cases) {
            HttpResponse<String> r = server.send("POST", "/jobs/create" + API, server.ownerSas(), c[0]);
            assertThat(r.statusCode()).as(c[0] + " " + r.body()).isEqualTo(400);
            JsonNode error = ServerExtension.hubError(r);
            assertThat(error.get("message").asText()).as(c[0]).contains(c[1]).doesNotContain("\n").doesNotContain("\u0000");
        }
        assertThat(server.blobRoot().resolve("ok/escape")).doesNotExist();
    }

    @Test
    void controlCharactersInReturnedMessagesAreEscaped() throws Exception {
        HttpResponse<String> r = server.send("PUT", "/devices/x" + API, server.ownerSas(),
                "{\"deviceId\":\"x\",\"status\":\"on\\nINFO forged\"}");
        assertThat(r.statusCode()).isEqualTo(400);
        String message = ServerExtension.hubError(r).get("message").asText();
        assertThat(message).doesNotContain("\n").contains("\\n");
    }
}

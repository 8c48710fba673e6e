package dev.iolite.cli.it;

import dev.iolite.server.testkit.ServerExtension;
import dev.iolite.server.testkit.Postgres;
import dev.iolite.server.testkit.TestTls;
import dev.iolite.server.testkit.JobPolling;
import dev.iolite.server.testkit.SqliteOnly;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import dev.iolite.server.auth.SasToken;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedWriter;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Ten thousand maximum-size twins asked for in one page work on a 256 MiB heap (issue 20): pages stop at
 * 4 MiB and are written as the store reads the rows, so the server pages through 350 MiB of twins without
 * holding them. A server process of its own, as only a separate JVM has its own heap limit.
 */
@SqliteOnly("a server process's heap under query pages, on the default store")
class QueryHeapIT {
    private static final String API = "?api-version=2021-04-12";
    private static final int DEVICES = 10_000;

    @TempDir
    Path tmp;

    private Process process;

    @AfterEach
    void stop() throws Exception {
        if (process != null && process.isAlive()) {
            process.destroy();
            if (!process.waitFor(45, TimeUnit.SECONDS)) process.destroyForcibly();
        }
    }

    @Test
    void tenThousandMaximumSizeTwinsInOnePageWorkOnA256MiBHeap() throws Exception {
        // GIVEN 10,000 twins with tags and desired properties near their 8 and 32 KiB limits, imported
        Path data = tmp.resolve("data");
        Path in = data.resolve("blobs/iolite/big");
        Files.createDirectories(in);
        String s = "x".repeat(3_900);
        String tags = "{\"a\":\"" + s + "\",\"b\":\"" + s + "\"}";
        StringBuilder desired = new StringBuilder("{");
        for (int k = 0; k < 7; k++) desired.append(k == 0 ? "" : ",").append("\"p").append(k).append("\":\"").append(s).append('"');
        desired.append('}');
        try (BufferedWriter w = Files.newBufferedWriter(in.resolve("devices.txt"))) {
            for (int i = 0; i < DEVICES; i++) {
                w.write("{\"id\":\"big-" + String.format("%05d", i) + "\",\"importMode\":\"create\",\"tags\":" + tags
                        + ",\"properties\":{\"desired\":" + desired + "}}\n");
            }
        }
        ProcessBuilder pb = new ProcessBuilder("java", "-Xmx256m", "-jar", Path.of("target/iolite.jar").toAbsolutePath().toString(),
                "serve", "--data-dir", data.toString(), "--port", "0", "--job-batch-lines", "200")
                .redirectErrorStream(true).redirectOutput(tmp.resolve("serve.log").toFile());
        if (Postgres.SELECTED) pb.environment().put("IOLITE_STORE", Postgres.get().newDatabase());
        process = pb.start();
        JsonNode ready = LauncherIT.awaitReady(process, data, tmp.resolve("serve.log"));
        HttpClient http = HttpClient.newBuilder().sslContext(TestTls.trusting(Path.of(ready.get("truststore").asText()))).build();
        String url = ready.get("url").asText();
        String conn = ready.get("connectionString").asText();
        String sas = SasToken.create(ready.get("hubHostName").asText(), "iothubowner",
                conn.substring(conn.indexOf("SharedAccessKey=") + 16), Instant.now().plusSeconds(3600));
        HttpResponse<String> created = http.send(HttpRequest.newBuilder(URI.create(url + "/jobs/create" + API))
                .header("Authorization", sas).POST(HttpRequest.BodyPublishers.ofString(
                        "{\"type\":\"import\",\"inputBlobContainerUri\":\"file:big\",\"outputBlobContainerUri\":\"file:big\"}"))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(created.statusCode()).as(created.body()).isEqualTo(200);
        String id = ServerExtension.JSON.readTree(created.body()).get("jobId").asText();
        JsonNode job = JobPolling.until("the import ends", Duration.ofMinutes(10), Duration.ofMillis(500),
                () -> ServerExtension.JSON.readTree(http.send(HttpRequest.newBuilder(URI.create(url + "/jobs/" + id + API))
                        .header("Authorization", sas).build(), HttpResponse.BodyHandlers.ofString()).body()),
                JobPolling::ended);
        assertThat(job.get("status").asText()).as(job.toString()).isEqualTo("completed");

        // WHEN a caller asks for all of them in one page, and follows the continuation tokens
        Set<String> seen = new HashSet<>();
        String token = null;
        int pages = 0;
        do {
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url + "/devices/query" + API))
                    .header("Authorization", sas).header("Content-Type", "application/json")
                    .header("x-ms-max-item-count", "10000").timeout(Duration.ofMinutes(2))
                    .POST(HttpRequest.BodyPublishers.ofString("{\"query\":\"SELECT * FROM devices\"}"));
            if (token != null) b.header("x-ms-continuation", token);
            HttpResponse<InputStream> r = http.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
            assertThat(r.statusCode()).as(Files.readString(tmp.resolve("serve.log"))).isEqualTo(200);
            try (InputStream body = r.body(); JsonParser p = ServerExtension.JSON.getFactory().createParser(body)) {
                // ids only: the test's own heap need not hold a page either
                while (p.nextToken() != null) {
                    if (p.currentToken() == JsonToken.FIELD_NAME && p.getParsingContext().getParent().inArray()
                            && "deviceId".equals(p.currentName())) {
                        p.nextToken();
                        assertThat(seen.add(p.getText())).as("each twin once").isTrue();
                    }
                }
            }
            token = r.headers().firstValue("x-ms-continuation").orElse(null);
            pages++;
        } while (token != null && pages < 500);

        // THEN every twin came, in pages cut by bytes, and the server is alive and never ran out of memory
        assertThat(seen).hasSize(DEVICES);
        assertThat(pages).isGreaterThan(DEVICES * 36_000 / (4 * 1024 * 1024));
        assertThat(process.isAlive()).isTrue();
        assertThat(Files.readString(tmp.resolve("serve.log"))).doesNotContain("OutOfMemoryError");
    }
}

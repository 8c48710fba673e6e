package dev.iolite.server.it;

import dev.iolite.server.testkit.ServerExtension;
import dev.iolite.server.testkit.AzuriteExtension;
import dev.iolite.server.testkit.Sdks;
import dev.iolite.server.testkit.JobPolling;
import dev.iolite.server.testkit.PrometheusText;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The Prometheus endpoint on its own port: it parses, and its values move when requests and jobs run. */
class MetricsIT {
    private static final String API = "?api-version=2021-04-12";

    @RegisterExtension
    @org.junit.jupiter.api.Order(1)
    static final AzuriteExtension azurite = new AzuriteExtension();

    @RegisterExtension
    @org.junit.jupiter.api.Order(2)
    static final ServerExtension server = new ServerExtension(c -> c.withHttp(c.http().withMetricsPort(0)));

    private static final HttpClient PLAIN = HttpClient.newHttpClient();

    private static HttpResponse<String> get(String url) throws Exception {
        return PLAIN.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static PrometheusText scrape() throws Exception {
        HttpResponse<String> r = get(server.ready().get("metricsUrl").asText());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("text/plain; version=0.0.4");
        return PrometheusText.parse(r.body());
    }

    @Test
    void anImportMovesTheJobLineBlobRequestAndStoreMeters() throws Exception {
        PrometheusText before = scrape();
        // GIVEN an input blob of 300 devices, 2 of them malformed
        Path in = Files.createDirectories(server.blobRoot().resolve("metrics-in"));
        StringBuilder lines = new StringBuilder();
        for (int i = 0; i < 300; i++) {
            lines.append(i == 10 || i == 20 ? "{not json\n" : "{\"id\":\"metrics-" + i + "\",\"importMode\":\"create\"}\n");
        }
        Files.writeString(in.resolve("devices.txt"), lines);

        // WHEN the import runs to its end
        HttpResponse<String> created = server.send("POST", "/jobs/create" + API, server.ownerSas(),
                "{\"type\":\"import\",\"inputBlobContainerUri\":\"file:metrics-in\",\"outputBlobContainerUri\":\"file:metrics-in\"}");
        assertThat(created.statusCode()).as(created.body()).isEqualTo(200);
        String id = ServerExtension.JSON.readTree(created.body()).get("jobId").asText();
        JsonNode job = JobPolling.until("the import", Duration.ofSeconds(60), Duration.ofMillis(100),
                () -> ServerExtension.JSON.readTree(server.send("GET", "/jobs/" + id + API, server.ownerSas(), null).body()),
                JobPolling::ended);
        assertThat(job.get("status").asText()).isEqualTo("completed");

        // THEN the meters moved by what the job did
        PrometheusText after = scrape();
        Map<String, String> imports = Map.of("hub", server.ready().get("hub").asText(), "type", "import");
        assertThat(delta(before, after, "iolite_jobs_total", Map.of("type", "import", "status", "enqueued"))).isEqualTo(1);
        assertThat(delta(before, after, "iolite_jobs_total", Map.of("type", "import", "status", "completed"))).isEqualTo(1);
        assertThat(delta(before, after, "iolite_job_lines_processed_total", imports)).isEqualTo(300);
        assertThat(delta(before, after, "iolite_job_lines_succeeded_total", imports)).isEqualTo(298);
        assertThat(delta(before, after, "iolite_job_lines_failed_total", imports)).isEqualTo(2);
        assertThat(delta(before, after, "iolite_blob_read_bytes_total", Map.of("kind", "local")))
                .isEqualTo(Files.size(in.resolve("devices.txt")));
        assertThat(delta(before, after, "iolite_blob_written_bytes_total", Map.of("kind", "local"))).isPositive();
        assertThat(delta(before, after, "iolite_store_transactions_seconds_count", Map.of("outcome", "commit"))).isPositive();
        assertThat(after.value("http_server_requests_seconds_count",
                Map.of("route", "/jobs/create", "method", "POST", "status", "200"))).isGreaterThanOrEqualTo(1);
        assertThat(after.types).containsEntry("http_server_requests_seconds", "histogram")
                .containsEntry("iolite_jobs_total", "counter").containsEntry("iolite_jobs_running", "gauge");
        assertThat(after.value("iolite_jobs_running", Map.of())).isZero();
        for (String name : new String[] {"hikaricp_connections_active", "hikaricp_connections_acquire_seconds_count",
                "jvm_memory_used_bytes", "jvm_threads_live_threads", "jvm_classes_loaded_classes", "process_cpu_usage", "process_uptime_seconds",
                "iolite_job_lines_per_second"}) {
            assertThat(after.has(name)).as(name).isTrue();
        }
    }

    @Test
    void anArmExportToAzuriteCountsTheBytesItWroteToTheBlobApi() throws Exception {
        // GIVEN devices, and an Azurite container
        for (int i = 0; i < 40; i++) {
            assertThat(server.send("PUT", "/devices/az-metrics-" + i + API, server.ownerSas(),
                    "{\"deviceId\":\"az-metrics-" + i + "\"}").statusCode()).isEqualTo(200);
        }
        String container = azurite.get().container("metrics-export", "racwdl");
        PrometheusText before = scrape();

        // WHEN the official management SDK exports the registry into it
        var arm = Sdks.arm(server, server.armToken());
        String rg = server.ready().get("resourceGroup").asText();
        String hub = server.ready().get("hub").asText();
        var job = arm.iotHubResources().exportDevices(rg, hub, new com.azure.resourcemanager.iothub.models.ExportDevicesRequest()
                .withExportBlobContainerUri(container).withExcludeKeys(false));
        JobPolling.until("the export", Duration.ofSeconds(60), Duration.ofMillis(100),
                () -> arm.iotHubResources().getJob(rg, hub, job.jobId()), j -> JobPolling.ended(j.status().toString()));
        assertThat(arm.iotHubResources().getJob(rg, hub, job.jobId()).status().toString()).isEqualTo("completed");

        // THEN the Blob API bytes written are exactly the committed blob's size, and no local bytes moved
        PrometheusText after = scrape();
        long blobSize = azurite.get().client("metrics-export").getBlobClient("devices.txt").getProperties().getBlobSize();
        assertThat(blobSize).isPositive();
        assertThat(delta(before, after, "iolite_blob_written_bytes_total", Map.of("kind", "azure"))).isEqualTo(blobSize);
        assertThat(delta(before, after, "iolite_blob_written_bytes_total", Map.of("kind", "local"))).isZero();
        assertThat(delta(before, after, "iolite_jobs_total", Map.of("type", "export", "status", "completed"))).isEqualTo(1);
    }

    @Test
    void metricsAreOnlyOnTheirOwnPortAndTheApiStillNeedsAToken() throws Exception {
        String metrics = server.ready().get("metricsUrl").asText();
        assertThat(get(metrics.replace("/metrics", "/devices")).statusCode()).isEqualTo(404);
        HttpResponse<String> post = PLAIN.send(HttpRequest.newBuilder(URI.create(metrics))
                .POST(HttpRequest.BodyPublishers.ofString("x")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(post.statusCode()).isEqualTo(405);
        assertThat(post.headers().firstValue("Allow")).contains("GET, HEAD");
        assertThat(server.send("GET", "/metrics", null, null).statusCode()).isIn(401, 404);
        assertThat(server.send("GET", "/statistics/devices" + API, null, null).statusCode()).isEqualTo(401);
    }

    private static double delta(PrometheusText before, PrometheusText after, String name, Map<String, String> labels) {
        return after.value(name, labels) - before.value(name, labels);
    }
}

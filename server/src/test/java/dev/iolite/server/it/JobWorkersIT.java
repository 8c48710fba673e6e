package dev.iolite.server.it;

import dev.iolite.server.testkit.ServerExtension;
import dev.iolite.server.testkit.JobPolling;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A node runs jobs of different hubs side by side ({@code --job-workers}, 4 by default): one hub's long export
 * does not hold back another hub's import.
 */
class JobWorkersIT {
    @RegisterExtension
    static final ServerExtension server = new ServerExtension();

    private static final String API = "?api-version=2021-04-12";
    /** The server's test hook that stops an export's scanner after its first page (see jobs/StageFaults.java). */
    private static final String FAULT = "iolite.test.fault";

    private static JsonNode json(HttpResponse<String> r) throws Exception {
        return ServerExtension.JSON.readTree(r.body());
    }

    private static JsonNode job(String sas, String id) throws Exception {
        return json(server.send("GET", "/jobs/" + id + API, sas, null));
    }

    @Test
    void aOneLineImportOfOneHubCompletesWithinTenSecondsWhileAnotherHubsExportRuns() throws Exception {
        // GIVEN hub A with more devices than one page of an export's scan
        String a = server.createHub("workers-a");
        for (int from = 0; from < 2100; from += 100) {
            StringBuilder b = new StringBuilder("[");
            for (int i = from; i < from + 100; i++) b.append(i > from ? "," : "").append("{\"id\":\"a-").append(i).append("\"}");
            HttpResponse<String> r = server.send("POST", "/devices" + API, a, b.append(']').toString());
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        }
        String b = server.createHub("workers-b");
        Path in = Files.createDirectories(server.blobRootOf("workers-b").resolve("one-line"));
        Files.writeString(in.resolve("devices.txt"), "{\"id\":\"b-1\"}\n");
        String exportId = null;
        System.setProperty(FAULT, "export-scanner:stall");
        try {
            // AND an export of hub A that runs and does not end: its scanner stops moving after the first page, as a
            // scan whose statement runs for minutes does
            HttpResponse<String> export = server.send("POST", "/jobs/create" + API, a,
                    "{\"type\":\"export\",\"outputBlobContainerUri\":\"file:slow\",\"excludeKeysInExport\":true}");
            assertThat(export.statusCode()).as(export.body()).isEqualTo(200);
            exportId = json(export).get("jobId").asText();
            String id = exportId;
            JobPolling.until("hub A's export runs", Duration.ofSeconds(30), Duration.ofMillis(20), () -> job(a, id),
                    j -> j.get("status").asText().equals("running"));

            // WHEN hub B imports one line
            HttpResponse<String> imported = server.send("POST", "/jobs/create" + API, b, "{\"type\":\"import\","
                    + "\"inputBlobContainerUri\":\"file:one-line\",\"outputBlobContainerUri\":\"file:one-line\"}");
            assertThat(imported.statusCode()).as(imported.body()).isEqualTo(200);
            String importId = json(imported).get("jobId").asText();

            // THEN the import completes within 10 s, and hub A's export is still running meanwhile
            JsonNode done = JobPolling.until("hub B's import ends", Duration.ofSeconds(10), Duration.ofMillis(20),
                    () -> job(b, importId), JobPolling::ended);
            assertThat(done.get("status").asText()).as(done.toString()).isEqualTo("completed");
            assertThat(server.send("GET", "/devices/b-1" + API, b, null).statusCode()).isEqualTo(200);
            assertThat(job(a, exportId).get("status").asText()).isEqualTo("running");
        } finally {
            System.clearProperty(FAULT);
            if (exportId != null) {
                // a cancel ends the export even while its scanner does not move
                server.send("DELETE", "/jobs/" + exportId + API, a, null);
                String id = exportId;
                JsonNode ended = JobPolling.until("hub A's export ends", Duration.ofSeconds(30), Duration.ofMillis(50),
                        () -> job(a, id), JobPolling::ended);
                assertThat(ended.get("status").asText()).isEqualTo("cancelled");
            }
        }
    }
}

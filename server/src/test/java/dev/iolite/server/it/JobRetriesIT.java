package dev.iolite.server.it;

import dev.iolite.server.testkit.ServerExtension;
import dev.iolite.server.testkit.JobPolling;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.http.HttpResponse;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A filtered export whose scan the store stops at run time ends {@code failed} saying why, never stuck and never
 * blamed on a crash ({@code --job-lease 3s}, {@code --query-timeout 1s}): a filter the store cannot evaluate over
 * some row fails the job at once (the same scan would fail the same way), and a scan stopped at the store's
 * deadline is a failed attempt, retried from the checkpoint, and {@code failed} after its retries.
 */
class JobRetriesIT {
    @RegisterExtension
    static final ServerExtension server = new ServerExtension(c -> c.withJobs(c.jobs().withLease(Duration.ofSeconds(3)))
            .withQueryTimeout(Duration.ofSeconds(1)));

    private static final String API = "?api-version=2021-04-12";

    @Test
    void aFilterTheStoreCannotEvaluateOverARowEndsTheJobFailedAtOnceWithTheReason() throws Exception {
        // GIVEN a device whose value takes the filter's arithmetic out of a double's range only when the store
        // evaluates it (the store can plan the statement, so the create passes)
        String sas = server.createHub("overflowing");
        HttpResponse<String> r = server.send("POST", "/devices" + API, sas, "[{\"id\":\"r-1\",\"tags\":{\"f\":1e300}}]");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        String filter = "SQUARE(".repeat(9) + "tags.f" + ")".repeat(9) + " > 0";

        // WHEN an export with the filter is created
        String id = createExport(sas, filter);

        // THEN it ends failed with the store's reason, at once: no retries, no crash
        long started = System.nanoTime();
        JsonNode done = awaitEnd(sas, id);
        assertThat(done.get("status").asText()).as(done.toString()).isEqualTo("failed");
        assertThat(done.get("failureReason").asText()).as(done.toString()).contains("out of range").doesNotContain("crash");
        assertThat(done.get("retries").asInt()).as(done.toString()).isZero();
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(12));
    }

    @Test
    void aScanStoppedAtTheStoresDeadlineIsRetriedThenFailsSayingSo() throws Exception {
        // GIVEN 10,000 devices and a filter that reads each one's tags nearly a thousand times: seconds of work,
        // past the one-second deadline on either store
        String sas = server.createHub("slow-scans");
        for (int from = 0; from < 10_000; from += 100) {
            StringBuilder b = new StringBuilder("[");
            for (int i = from; i < from + 100; i++) {
                if (i > from) b.append(',');
                b.append("{\"id\":\"s-").append(i).append("\",\"tags\":{\"a\":").append(i % 97).append(",\"b\":")
                        .append(i % 13 + 1).append("}}");
            }
            HttpResponse<String> r = server.send("POST", "/devices" + API, sas, b.append(']').toString());
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        }

        // WHEN an export with the filter is created
        String id = createExport(sas, QuerySharesIT.sum(480) + "=-12345");

        // THEN every attempt is stopped at the deadline and counted, and the job fails after its retries, saying so
        JsonNode done = awaitEnd(sas, id);
        assertThat(done.get("status").asText()).as(done.toString()).isEqualTo("failed");
        assertThat(done.get("failureReason").asText()).as(done.toString())
                .contains("ran past the store's deadline of 1 s").contains("stopped retrying");
        assertThat(done.get("retries").asInt()).as(done.toString()).isEqualTo(3);
    }

    private static String createExport(String sas, String filter) throws Exception {
        HttpResponse<String> created = server.send("POST", "/jobs/create" + API, sas,
                ServerExtension.JSON.createObjectNode().put("type", "export").put("outputBlobContainerUri", "file:out")
                        .put("ioliteFilter", filter).toString());
        assertThat(created.statusCode()).as(created.body()).isEqualTo(200);
        return ServerExtension.JSON.readTree(created.body()).get("jobId").asText();
    }

    private static JsonNode awaitEnd(String sas, String id) throws Exception {
        return JobPolling.until("job " + id + " ends", Duration.ofSeconds(120), Duration.ofMillis(100),
                () -> ServerExtension.JSON.readTree(server.send("GET", "/jobs/" + id + API, sas, null).body()),
                JobPolling::ended);
    }
}

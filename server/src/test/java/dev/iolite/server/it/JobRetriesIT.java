package dev.iolite.server.it;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.http.HttpResponse;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A filtered export whose scan the store stops at run time is a failed attempt with the store's reason: retried
 * from its checkpoint at once, and {@code failed} after its retries saying why, not waiting for its lease to
 * lapse and not blamed on a crash ({@code --job-lease 3s}).
 */
class JobRetriesIT {
    @RegisterExtension
    static final ServerExtension server = new ServerExtension(c -> c.withJobs(c.jobs().withLease(Duration.ofSeconds(3))));

    private static final String API = "?api-version=2021-04-12";

    @Test
    void aScanTheStoreStopsAtRunTimeEndsTheJobFailedWithTheStoresReason() throws Exception {
        // GIVEN a device whose value overflows the filter's arithmetic only when the store evaluates it (the store
        // can plan the statement): SQLite's ABS of the smallest integer, PostgreSQL's numeric squared nine times
        String sas = server.createHub("retried");
        HttpResponse<String> r = server.send("POST", "/devices" + API, sas,
                "[{\"id\":\"r-1\",\"tags\":{\"n\":-9223372036854775808,\"f\":1e300}}]");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        String filter = Postgres.SELECTED ? "SQUARE(".repeat(9) + "tags.f" + ")".repeat(9) + " > 0" : "ABS(tags.n) > 0";

        // WHEN an export with the filter is created
        HttpResponse<String> created = server.send("POST", "/jobs/create" + API, sas,
                ServerExtension.JSON.createObjectNode().put("type", "export").put("outputBlobContainerUri", "file:out")
                        .put("ioliteFilter", filter).toString());
        assertThat(created.statusCode()).as(created.body()).isEqualTo(200);
        String id = ServerExtension.JSON.readTree(created.body()).get("jobId").asText();

        // THEN it ends failed, with the store's reason (never stuck, never blamed on a crash), within far less than
        // the four lapsed leases a failure taken for an outage would wait
        long started = System.nanoTime();
        JsonNode done = JobPolling.until("job " + id + " ends", Duration.ofSeconds(120), Duration.ofMillis(100),
                () -> ServerExtension.JSON.readTree(server.send("GET", "/jobs/" + id + API, sas, null).body()),
                JobPolling::ended);
        assertThat(done.get("status").asText()).as(done.toString()).isEqualTo("failed");
        assertThat(done.get("failureReason").asText()).as(done.toString()).contains("overflow").doesNotContain("crash");
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(12));
    }
}

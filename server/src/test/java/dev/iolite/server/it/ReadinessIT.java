package dev.iolite.server.it;

import dev.iolite.server.testkit.ServerExtension;
import dev.iolite.server.testkit.Postgres;
import dev.iolite.server.store.StoreUrl;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.http.HttpResponse;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Readiness when the store stops answering: a PostgreSQL server of the test's own is stopped under a running
 * Iolite. The probe turns 503 within seconds, answers each time within 2 s, tells the unauthenticated caller
 * nothing about pools, drivers or addresses, and turns 200 again when the store is back. (SQLite is a file in
 * the data dir that always answers: the test runs in the PostgreSQL execution.)
 */
class ReadinessIT {
    private static final Postgres OWN = Postgres.SELECTED ? Postgres.startNew() : null;

    @RegisterExtension
    static final ServerExtension server = new ServerExtension(c -> OWN == null ? c
            : c.withStore(StoreUrl.parse(OWN.newDatabase())));

    @Test
    void aStoreThatStopsAnsweringTurnsReadinessTo503AndBack() throws Exception {
        assumeTrue(OWN != null, "PostgreSQL only");
        assertThat(ready().statusCode()).isEqualTo(200);

        OWN.stop();
        HttpResponse<String> down = until(503, Duration.ofSeconds(20));
        assertThat(down.body()).contains("\"status\":\"unavailable\"").contains("the store does not answer");
        for (String internal : new String[]{"Hikari", "pool", "onnection", "jdbc", "PSQL", "127.0.0.1", String.valueOf(OWN.port())}) {
            assertThat(down.body()).as("says nothing of %s", internal).doesNotContain(internal);
        }

        OWN.start();
        until(200, Duration.ofSeconds(30));
    }

    private static HttpResponse<String> ready() throws Exception {
        long t = System.nanoTime();
        HttpResponse<String> r = server.send("GET", "/health/ready", null, null);
        assertThat(Duration.ofNanos(System.nanoTime() - t)).as("readiness answers within 2 s").isLessThan(Duration.ofSeconds(2));
        return r;
    }

    private static HttpResponse<String> until(int status, Duration within) throws Exception {
        long end = System.nanoTime() + within.toNanos();
        while (true) {
            HttpResponse<String> r = ready();
            if (r.statusCode() == status) return r;
            assertThat(System.nanoTime()).as("readiness %d within %s; last %s", status, within, r.body()).isLessThan(end);
            Thread.sleep(200);
        }
    }
}

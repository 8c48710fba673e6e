package dev.iolite.server.it;

import dev.iolite.server.testkit.ServerExtension;
import dev.iolite.server.testkit.Postgres;
import dev.iolite.server.testkit.TestTls;
import com.fasterxml.jackson.databind.JsonNode;
import dev.iolite.server.jdbc.Database;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import javax.net.ssl.SSLSocket;
import java.io.OutputStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The store's deadline, its fair shares and readiness under load, on the store the run is for: a slow query
 * stops at the configured deadline with one clear 400 and leaves the connections healthy; a caller who hangs
 * up frees its connection; one hub's pathological queries get 429 past its share while another hub's
 * statistics and device reads go on, and readiness answers.
 */
class QuerySharesIT {
    /** Longer than the wait for a share (2 s), so that queries waiting behind slow ones are refused, not served. */
    /** The store's deadline for this class's server: long enough that a loaded machine's hang-up test is not a race. */
    private static final Duration DEADLINE = Duration.ofSeconds(8);

    @RegisterExtension
    static final ServerExtension server = new ServerExtension(c -> c.withQueryTimeout(DEADLINE));

    private static final String API = "?api-version=2021-04-12";
    private static final int ROWS = 50_000;
    /** Products in the slow query, each two JSON reads per row: seconds past the deadline over ROWS rows. */
    private static final int TERMS = 480;
    private static final String HUB_A = "limits-a";
    private static final String HUB_B = "limits-b";
    private static String sasA;
    private static String sasB;

    @BeforeAll
    static void hubs() throws Exception {
        sasA = server.createHub(HUB_A);
        sasB = server.createHub(HUB_B);
        for (int from = 0; from < ROWS; from += 100) {
            StringBuilder b = new StringBuilder("[");
            for (int i = from; i < from + 100; i++) {
                if (i > from) b.append(',');
                b.append("{\"id\":\"d-").append(String.format("%05d", i)).append("\",\"tags\":{\"a\":").append(i % 97)
                        .append(",\"b\":").append(i % 13 + 1).append("}}");
            }
            HttpResponse<String> r = server.send("POST", "/devices" + API, sasA, b.append(']').toString());
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        }
        for (int i = 0; i < 20; i++) {
            assertThat(server.send("PUT", "/devices/b-" + i + API, sasB, "{}").statusCode()).isEqualTo(200);
        }
    }

    /**
     * A query whose WHERE reads every row's tags 2 × TERMS times, in a balanced tree of sums (nested 9 deep, not
     * 480) written without spaces, so that it stays within the query's length limit (8,192 characters) and any
     * sane limit of nesting: over ROWS rows, many times the deadline on either store.
     */
    static String slowQuery() {
        return "SELECT * FROM devices WHERE " + sum(TERMS) + "=-12345";
    }

    static String sum(int terms) {
        if (terms == 1) return "tags.a*tags.b";
        return "(" + sum(terms / 2) + (terms % 4 == 0 ? "+" : "-") + sum(terms - terms / 2) + ")";
    }

    private static HttpResponse<String> query(String sas, String text) throws Exception {
        return server.send("POST", "/devices/query" + API, sas, ServerExtension.JSON.writeValueAsString(
                java.util.Map.of("query", text)));
    }

    @Test
    void aQueryPastTheDeadlineGetsOneClear400AndTheConnectionsStayHealthy() throws Exception {
        long started = System.nanoTime();
        HttpResponse<String> slow = query(sasA, slowQuery());
        Duration took = Duration.ofNanos(System.nanoTime() - started);

        assertThat(slow.statusCode()).as(slow.body()).isEqualTo(400);
        JsonNode error = ServerExtension.hubError(slow);
        assertThat(error.get("errorCode").asInt()).isEqualTo(400004);
        assertThat(error.get("message").asText()).contains("ran past the store's limit of " + DEADLINE.toSeconds() + " s");
        assertThat(took).isLessThan(DEADLINE.plusSeconds(10));
        // every query connection is usable afterwards: more queries than there are slots, one after another
        for (int i = 0; i < Database.POSTGRES_QUERY_SLOTS + 2; i++) {
            HttpResponse<String> ok = query(sasA, "SELECT * FROM devices WHERE deviceId = 'd-00042'");
            assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
            assertThat(ServerExtension.JSON.readTree(ok.body()).get(0).get("deviceId").asText()).isEqualTo("d-00042");
        }
        assertThat(server.send("GET", "/statistics/devices" + API, sasA, null).statusCode()).isEqualTo(200);
    }

    @Test
    void aCallerWhoHangsUpFreesItsConnectionWithinASecond() throws Exception {
        // the server learns of the hang-up from the kernel's socket table (see http/CallerWatch.java): Linux only
        org.junit.jupiter.api.Assumptions.assumeTrue(java.nio.file.Files.isReadable(java.nio.file.Path.of("/proc/net/tcp")));
        int share = Postgres.SELECTED ? Database.POSTGRES_QUERY_SLOTS_PER_HUB : Database.SQLITE_QUERY_SLOTS_PER_HUB;
        // GIVEN the hub's whole share taken by slow queries whose callers then hang up
        List<SSLSocket> callers = new ArrayList<>();
        long slowStarted = System.nanoTime();
        for (int i = 0; i < share; i++) callers.add(startQuery(sasA, slowQuery()));
        Thread.sleep(700);  // the queries run
        for (SSLSocket s : callers) s.close();
        Thread.sleep(300);

        // WHEN the hub queries again, well before the slow queries' deadline (a query waits up to 2 s for a slot,
        // then is refused with 429: it asks again meanwhile)
        HttpResponse<String> next;
        do {
            next = query(sasA, "SELECT * FROM devices WHERE deviceId = 'd-00007'");
        } while (next.statusCode() == 429 && System.nanoTime() - slowStarted < DEADLINE.toNanos());

        // THEN it gets a slot before the slow queries' deadline could have freed theirs: the hang-ups did (in about
        // a second; a loaded machine may take longer)
        assertThat(next.statusCode()).as(next.body()).isEqualTo(200);
        assertThat(Duration.ofNanos(System.nanoTime() - slowStarted)).as("answered before the slow queries' deadline")
                .isLessThan(DEADLINE);
    }

    /** Sends a query over a raw TLS connection and returns without reading the answer. */
    private static SSLSocket startQuery(String sas, String text) throws Exception {
        SSLSocket s = (SSLSocket) TestTls.trusting(TestTls.TRUSTSTORE).getSocketFactory()
                .createSocket("127.0.0.1", server.port());
        s.startHandshake();
        byte[] body = ServerExtension.JSON.writeValueAsBytes(java.util.Map.of("query", text));
        String head = "POST /devices/query" + API + " HTTP/1.1\r\nHost: " + server.hostPort() + "\r\nAuthorization: " + sas
                + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length + "\r\n\r\n";
        OutputStream out = s.getOutputStream();
        out.write(head.getBytes(StandardCharsets.US_ASCII));
        out.write(body);
        out.flush();
        return s;
    }

    @Test
    void sixPathologicalQueriesOfOneHubLeaveOtherHubsAndReadinessAlone() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            // GIVEN six pathological queries on hub A at once
            List<Future<HttpResponse<String>>> slow = new ArrayList<>();
            for (int i = 0; i < 6; i++) slow.add(pool.submit(() -> query(sasA, slowQuery())));
            Thread.sleep(300);

            // WHEN hub B reads its statistics and devices, and a probe asks for readiness, meanwhile
            AtomicBoolean done = new AtomicBoolean();
            List<Long> millis = Collections.synchronizedList(new ArrayList<>());
            Future<List<Long>> probes = pool.submit(() -> {
                List<Long> ready = new ArrayList<>();
                while (!done.get()) {
                    long t = System.nanoTime();
                    HttpResponse<String> r = server.send("GET", "/health/ready", null, null);
                    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
                    ready.add((System.nanoTime() - t) / 1_000_000);
                    Thread.sleep(100);
                }
                return ready;
            });
            long until = System.nanoTime() + DEADLINE.toNanos();
            int i = 0;
            while (System.nanoTime() < until) {
                long t = System.nanoTime();
                HttpResponse<String> r = i++ % 2 == 0 ? server.send("GET", "/statistics/devices" + API, sasB, null)
                        : server.send("GET", "/devices/b-" + (i % 20) + API, sasB, null);
                assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
                millis.add((System.nanoTime() - t) / 1_000_000);
            }
            done.set(true);

            // THEN B's p99 stays under 1 s, readiness answers within 2 s, and A's queries past its share get 429
            List<Long> sorted = new ArrayList<>(millis);
            Collections.sort(sorted);
            long p99 = sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(sorted.size() * 0.99) - 1));
            assertThat(p99).as("hub B's p99 in ms over %d requests", sorted.size()).isLessThan(1_000);
            assertThat(Collections.max(probes.get(30, TimeUnit.SECONDS))).as("readiness in ms").isLessThan(2_000);
            int throttled = 0;
            for (Future<HttpResponse<String>> f : slow) {
                HttpResponse<String> r = f.get(60, TimeUnit.SECONDS);
                if (r.statusCode() == 429) {
                    throttled++;
                    assertThat(r.headers().firstValue("Retry-After")).hasValueSatisfying(v -> assertThat(Integer.parseInt(v)).isPositive());
                    assertThat(ServerExtension.hubError(r).get("errorCode").asInt()).isEqualTo(429001);
                } else {
                    assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
                }
            }
            int share = Postgres.SELECTED ? Database.POSTGRES_QUERY_SLOTS_PER_HUB : Database.SQLITE_QUERY_SLOTS_PER_HUB;
            // at most the share runs at once; the rest waits 2 s and is refused (one that arrives late on a loaded
            // machine may find a slot that a query left at its deadline, so "at least one" rather than "exactly")
            assertThat(throttled).isBetween(1, 6 - share);
        } finally {
            pool.shutdownNow();
        }
    }
}

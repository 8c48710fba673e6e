package dev.iolite.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code --scenario fairness}: one hub's pathological queries against everyone else. The default hub holds
 * {@code --devices} devices (imported first); six callers send it a query whose WHERE reads every row's tags
 * hundreds of times, again as soon as each answer (400 at the deadline, or 429 past the hub's share) comes
 * back, for {@code --seconds}. Meanwhile another hub's statistics and device reads, and {@code /health/ready},
 * are timed one after another. The figures: their latencies, and how A's queries were answered.
 */
final class FairnessBench {
    private static final int PATHOLOGICAL = 6;
    private static final int TERMS = 300;

    private FairnessBench() {
    }

    static void run(Path repo, Map<String, String> opts) throws Exception {
        int devices = Integer.parseInt(opts.getOrDefault("devices", "20000").replace("_", ""));
        int seconds = Integer.parseInt(opts.getOrDefault("seconds", "30"));
        String heap = opts.getOrDefault("server-heap", "512m");
        String store = opts.get("store");
        String timeout = opts.getOrDefault("query-timeout", "30s");
        Path work = Files.createTempDirectory("iolite-bench");
        Path out = Path.of(opts.getOrDefault("out", repo.resolve("bench/results/fairness" + (store == null ? "" : "-postgresql")
                + "-" + devices + ".json").toString()));
        ObjectMapper json = new ObjectMapper();
        try (ServerProcess server = ServerProcess.start(repo, work.resolve("data"), heap, store, "--query-timeout", timeout)) {
            Path in = server.localBlobRoot().resolve("bench-in");
            Files.createDirectories(in);
            DeviceFile.write(in.resolve("devices.txt"), devices);
            System.out.printf("importing %,d devices into hub A...%n", devices);
            Bench.Timed imp = server.runJob("importDevices", "{\"inputBlobContainerUri\":\"file:bench-in\","
                    + "\"outputBlobContainerUri\":\"file:bench-out\"}");
            System.out.printf("  %s in %.1f s%n", imp.job().get("status").asText(), imp.seconds());
            server.createHub("other");
            String other = server.sasOf("other");
            for (int i = 0; i < 20; i++) require(server.send("PUT", "/devices/b-" + i + "?api-version=2021-04-12", other, "{}"));

            String body = json.createObjectNode().put("query", "SELECT * FROM devices WHERE " + sum(TERMS) + "=-12345")
                    .toString();

            System.out.printf("%d pathological queries on hub A for %d s, hub B and readiness timed meanwhile...%n",
                    PATHOLOGICAL, seconds);
            ExecutorService pool = Executors.newFixedThreadPool(PATHOLOGICAL + 1);
            AtomicBoolean done = new AtomicBoolean();
            Map<Integer, AtomicInteger> answers = new ConcurrentHashMap<>();
            try {
                for (int i = 0; i < PATHOLOGICAL; i++) {
                    pool.submit(() -> {
                        while (!done.get()) {
                            int status = server.send("POST", "/devices/query?api-version=2021-04-12", server.sas(), body).statusCode();
                            answers.computeIfAbsent(status, k -> new AtomicInteger()).incrementAndGet();
                            if (status == 429) Thread.sleep(1000);  // as Retry-After asks
                        }
                        return null;
                    });
                }
                Future<List<Double>> ready = pool.submit(() -> {
                    List<Double> ms = new ArrayList<>();
                    while (!done.get()) {
                        ms.add(timed(() -> require(server.send("GET", "/health/ready", null, null))));
                        Thread.sleep(100);
                    }
                    return ms;
                });
                Thread.sleep(1000);  // the queries hold their slots
                List<Double> stats = new ArrayList<>();
                List<Double> reads = new ArrayList<>();
                long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
                for (int i = 0; System.nanoTime() < until; i++) {
                    String path = "/devices/b-" + (i % 20) + "?api-version=2021-04-12";
                    stats.add(timed(() -> require(server.send("GET", "/statistics/devices?api-version=2021-04-12", other, null))));
                    reads.add(timed(() -> require(server.send("GET", path, other, null))));
                }
                done.set(true);
                List<Double> readyMs = ready.get(60, TimeUnit.SECONDS);
                pool.shutdown();  // the queries in flight end at their deadline at the latest, and are counted
                if (!pool.awaitTermination(5, TimeUnit.MINUTES)) System.out.println("  queries still running after 5 min");
                ObjectNode result = json.createObjectNode();
                result.put("date", Instant.now().toString());
                result.put("scenario", "fairness");
                result.put("devices", devices);
                result.put("store", store == null ? "sqlite" : "postgresql");
                result.put("serverHeap", heap);
                result.put("queryTimeout", timeout);
                result.put("cpus", Runtime.getRuntime().availableProcessors());
                result.put("seconds", seconds);
                result.put("pathologicalQueries", PATHOLOGICAL);
                ObjectNode a = result.putObject("hubAQueryAnswers");
                answers.forEach((status, n) -> a.put(String.valueOf(status), n.get()));
                latencies(result.putObject("hubBStatistics"), stats, "hub B statistics");
                latencies(result.putObject("hubBDeviceReads"), reads, "hub B device reads");
                latencies(result.putObject("healthReady"), readyMs, "/health/ready");
                System.out.println("  hub A's queries answered: " + a);
                Files.createDirectories(out.toAbsolutePath().getParent());
                Files.writeString(out, json.writerWithDefaultPrettyPrinter().writeValueAsString(result));
                System.out.println("figures written to " + out);
            } finally {
                done.set(true);
                pool.shutdownNow();
            }
        } finally {
            if (System.getenv("IOLITE_BENCH_KEEP") == null) Bench.deleteTree(work); else System.out.println("kept " + work);
        }
    }

    private interface Call {
        void run() throws Exception;
    }

    private static double timed(Call c) throws Exception {
        long t0 = System.nanoTime();
        c.run();
        return (System.nanoTime() - t0) / 1e6;
    }

    private static void require(HttpResponse<String> r) {
        if (r.statusCode() != 200) throw new IllegalStateException("answered " + r.statusCode() + ": " + r.body());
    }

    private static void latencies(ObjectNode n, List<Double> ms, String what) {
        List<Double> sorted = new ArrayList<>(ms);
        Collections.sort(sorted);
        double p50 = sorted.get(sorted.size() / 2);
        double p99 = sorted.get(Math.min(sorted.size() - 1, (int) (sorted.size() * 0.99)));
        double max = sorted.get(sorted.size() - 1);
        n.put("calls", sorted.size());
        n.put("p50Ms", Bench.round(p50));
        n.put("p99Ms", Bench.round(p99));
        n.put("maxMs", Bench.round(max));
        System.out.printf("  %s: %d calls, p50 %.1f ms, p99 %.1f ms, max %.1f ms%n", what, sorted.size(), p50, p99, max);
    }

    /**
     * A balanced sum of {@code terms} products, written without spaces: each reads a row's tags twice, nested
     * about nine levels deep and under the query language's 8,192 characters, so it is within every limit and
     * costs what it says.
     */
    static String sum(int terms) {
        if (terms == 1) return "tags.rack*tags.rack";
        return "(" + sum(terms / 2) + (terms % 4 == 0 ? "+" : "-") + sum(terms - terms / 2) + ")";
    }
}

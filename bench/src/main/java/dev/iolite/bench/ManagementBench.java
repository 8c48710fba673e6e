package dev.iolite.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;

/**
 * Device management at scale: imports N devices (the benchmark's device file: tags {@code site}, {@code rack} 0-96,
 * {@code owner}), then times a scheduled twin job over all of them, and 20 configurations applied to them and
 * re-evaluated after a tag change. The server runs with a 512 MiB heap; its peak heap is recorded.
 * <p>
 * {@code ./bench/run --scenario management [--devices 1000000] [--store postgresql://...]}
 */
final class ManagementBench {
    private static final String API = "?api-version=2021-04-12";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int CONFIGURATIONS = 20;

    private ManagementBench() {}

    static void run(Path repo, Map<String, String> opts) throws Exception {
        int devices = Integer.parseInt(opts.getOrDefault("devices", "1000000").replace("_", ""));
        String store = opts.get("store");
        Path work = Files.createTempDirectory("iolite-bench-mgmt");
        Path out = Path.of(opts.getOrDefault("out", repo.resolve("bench/results/management"
                + (store == null ? "" : "-postgresql") + "-" + devices + ".json").toString()));
        ObjectNode result = JSON.createObjectNode();
        result.put("date", Instant.now().toString());
        result.put("devices", devices);
        result.put("store", store == null ? "sqlite" : "postgresql");
        result.put("serverHeap", "512m");
        result.put("cpus", Runtime.getRuntime().availableProcessors());
        try (ServerProcess server = ServerProcess.start(repo, work.resolve("data"), "512m", store)) {
            Path in = server.localBlobRoot().resolve("bench-in");
            Files.createDirectories(in);
            DeviceFile.Stats gen = DeviceFile.write(in.resolve("devices.txt"), devices);
            System.out.printf("importing %,d devices...%n", devices);
            Bench.Timed imp = server.runJob("importDevices", "{\"inputBlobContainerUri\":\"file:bench-in\","
                    + "\"outputBlobContainerUri\":\"file:bench-out\"}");
            System.out.printf("  import: %.1f s (%,d lines)%n", imp.seconds(), gen.lines());
            HeapSampler heap = new HeapSampler(server.pid());
            String sas = server.sas();

            // a twin job over every device (each has a rack tag)
            System.out.println("twin job over every device...");
            long t0 = System.nanoTime();
            check(server.send("PUT", "/jobs/v2/bench-twin" + API, sas, "{\"type\":\"scheduleUpdateTwin\","
                    + "\"queryCondition\":\"tags.rack >= 0\",\"updateTwin\":{\"tags\":{\"campaign\":\"winter\"},"
                    + "\"properties\":{\"desired\":{\"sampling\":{\"rate\":5}}}},\"maxExecutionTimeInSeconds\":3600}"));
            JsonNode job;
            do {
                Thread.sleep(200);
                job = JSON.readTree(check(server.send("GET", "/jobs/v2/bench-twin" + API, sas, null)).body());
            } while (!job.get("status").asText().matches("completed|failed|cancelled"));
            double twinSeconds = (System.nanoTime() - t0) / 1e9;
            long reached = job.at("/deviceJobStatistics/succeededCount").asLong();
            ObjectNode twin = result.putObject("twinJob");
            twin.put("status", job.get("status").asText());
            twin.put("devices", reached);
            twin.put("failed", job.at("/deviceJobStatistics/failedCount").asLong());
            twin.put("seconds", Bench.round(twinSeconds));
            twin.put("devicesPerSecond", Math.round(reached / twinSeconds));
            System.out.printf("  %s: %,d devices in %.1f s = %,.0f devices/s%n", job.get("status").asText(), reached,
                    twinSeconds, reached / twinSeconds);

            // 20 configurations: racks 0-18 (about 1% each) at priorities 10-28, and one for every device at 1
            System.out.printf("%d configurations...%n", CONFIGURATIONS);
            t0 = System.nanoTime();
            for (int i = 0; i < CONFIGURATIONS - 1; i++) {
                check(server.send("PUT", "/configurations/rack-" + i + API, sas, "{\"targetCondition\":\"tags.rack = " + i
                        + "\",\"priority\":" + (10 + i) + ",\"content\":{\"deviceContent\":{\"properties.desired.rack\":{"
                        + "\"profile\":\"r" + i + "\"}}}}"));
            }
            check(server.send("PUT", "/configurations/everyone" + API, sas, "{\"targetCondition\":\"*\",\"priority\":1,"
                    + "\"content\":{\"deviceContent\":{\"properties.desired.base\":{\"profile\":\"default\"}}}}"));
            long devicesOnly = devices;
            awaitMetric(server, sas, "everyone", devicesOnly, devicesOnly - expectedRacked(devices));
            double applySeconds = (System.nanoTime() - t0) / 1e9;
            System.out.printf("  applied to every device in %.1f s%n", applySeconds);

            // a tag change: one device moves from rack 3 to rack 100 (no configuration's), a full pass follows
            String moved = String.format("bench-%08d", 3);
            long rack3 = metric(server, sas, "rack-3", "targetedCount");
            t0 = System.nanoTime();
            check(server.send("PATCH", "/twins/" + moved + API, sas, "{\"tags\":{\"rack\":100}}"));
            awaitMetric(server, sas, "rack-3", rack3 - 1, -1);
            double reevaluate = (System.nanoTime() - t0) / 1e9;
            System.out.printf("  re-evaluated after a tag change in %.1f s%n", reevaluate);
            ObjectNode cfg = result.putObject("configurations");
            cfg.put("configurations", CONFIGURATIONS);
            cfg.put("firstApplicationSeconds", Bench.round(applySeconds));
            cfg.put("reevaluationAfterTagChangeSeconds", Bench.round(reevaluate));
            long peak = heap.stop();
            result.put("serverPeakHeapMiB", peak / (1024 * 1024));
            System.out.printf("  server peak heap: %,d MiB%n", peak / (1024 * 1024));
        } finally {
            if (System.getenv("IOLITE_BENCH_KEEP") == null) Bench.deleteTree(work); else System.out.println("kept " + work);
        }
        Files.createDirectories(out.toAbsolutePath().getParent());
        Files.writeString(out, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(result));
        System.out.println("figures written to " + out);
    }

    /** Devices whose rack (i % 97) is 0 to 18: the ones a rack configuration outranks "everyone" on. */
    private static long expectedRacked(int devices) {
        long n = 0;
        for (int i = 0; i < devices; i++) if (i % 97 < CONFIGURATIONS - 1) n++;
        return n;
    }

    /** Waits until the configuration's targetedCount is {@code targeted} and, unless -1, its appliedCount {@code applied}. */
    private static void awaitMetric(ServerProcess server, String sas, String id, long targeted, long applied) throws Exception {
        long until = System.nanoTime() + java.util.concurrent.TimeUnit.MINUTES.toNanos(10);
        JsonNode results = null;
        while (System.nanoTime() < until) {
            results = JSON.readTree(check(server.send("GET", "/configurations/" + id + API, sas, null)).body())
                    .at("/systemMetrics/results");
            if (results.path("targetedCount").asLong(-1) == targeted
                    && (applied < 0 || results.path("appliedCount").asLong(-1) == applied)) return;
            Thread.sleep(100);
        }
        throw new IllegalStateException("configuration " + id + " did not reach targeted " + targeted + ", applied "
                + applied + ": " + results);
    }

    private static long metric(ServerProcess server, String sas, String id, String name) throws Exception {
        return JSON.readTree(check(server.send("GET", "/configurations/" + id + API, sas, null)).body())
                .at("/systemMetrics/results/" + name).asLong();
    }

    private static HttpResponse<String> check(HttpResponse<String> r) {
        if (r.statusCode() / 100 != 2) throw new IllegalStateException(r.statusCode() + ": " + r.body());
        return r;
    }
}

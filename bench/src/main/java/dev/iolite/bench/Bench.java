package dev.iolite.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The end-to-end benchmark: generate a device file, start a real server process with a 512 MiB
 * heap, import through the ARM API, export back, time statistics calls, and record the figures
 * (devices per second, seconds, peak heap, disk written, store size) in a JSON file. Timing lives here, never in a test.
 */
public final class Bench {
    public static void main(String[] args) throws Exception {
        Map<String, String> opts = parse(args);
        Path repo = Path.of(opts.getOrDefault("repo", "."));
        if ("fairness".equals(opts.get("scenario"))) {
            FairnessBench.run(repo, opts);
            return;
        }
        if ("devices".equals(opts.get("scenario"))) {
            DevicesBench.run(repo, opts);  // on iolite.jar's class path: bench/run arranges it
            return;
        }
        if ("events".equals(opts.get("scenario"))) {
            EventsBench.run(repo, opts);
            return;
        }
        if ("management".equals(opts.get("scenario"))) {
            ManagementBench.run(repo, opts);
            return;
        }
        if ("cli-files".equals(opts.get("scenario"))) {
            CliFilesBench.run(repo, opts);
            return;
        }
        int devices = Integer.parseInt(opts.getOrDefault("devices", "1000000").replace("_", ""));
        String source = opts.getOrDefault("source", "file");
        String heap = opts.getOrDefault("server-heap", "512m");
        int warmup = Integer.parseInt(opts.getOrDefault("warmup", "0").replace("_", ""));
        // --store postgresql://USER:PASSWORD@HOST:PORT/DB: an empty database the server may migrate
        String store = opts.get("store");
        Path work = Files.createTempDirectory("iolite-bench");
        String label = source + (store == null ? "" : "-postgresql");
        Path out = Path.of(opts.getOrDefault("out", repo.resolve("bench/results/" + label + "-" + devices + ".json").toString()));
        ObjectMapper json = new ObjectMapper();

        System.out.printf("generating %,d devices...%n", devices);
        Path file = work.resolve("devices.txt");
        DeviceFile.Stats gen = DeviceFile.write(file, devices);
        System.out.printf("  %,d lines, %,d bytes (%,d modules)%n", gen.lines(), gen.bytes(), gen.modules());

        Azurite azurite = null;
        try (ServerProcess server = ServerProcess.start(repo, work.resolve("data"), heap, store)) {
            String inputUri;
            String outputUri;
            if (source.equals("azurite")) {
                azurite = Azurite.start(repo, work.resolve("azurite"));
                long t0 = System.nanoTime();
                inputUri = azurite.upload("bench-in", "devices.txt", file);
                outputUri = azurite.container("bench-out");
                System.out.printf("  uploaded to Azurite in %.1f s%n", (System.nanoTime() - t0) / 1e9);
            } else {
                Path in = server.localBlobRoot().resolve("bench-in");
                Files.createDirectories(in);
                Files.move(file, in.resolve("devices.txt"));
                inputUri = "file:bench-in";
                outputUri = "file:bench-out";
            }
            if (warmup > 0) {
                // A long-running server has compiled its hot paths; a fresh JVM spends much of a first
                // import in the JIT compiler. The warm-up runs on its own hub, leaving the measured one empty.
                System.out.printf("warming up with %,d devices on hub 'warmup'...%n", warmup);
                Path warmFile = work.resolve("warmup.txt");
                DeviceFile.write(warmFile, warmup);
                String warmIn;
                // the hub first: its folder of file: containers is then Iolite's own (docs/operations.md)
                server.createHub("warmup");
                if (azurite != null) {
                    warmIn = azurite.upload("warm-in", "devices.txt", warmFile);
                } else {
                    Path dir = server.hubBlobRoot("warmup").resolve("warm-in");
                    Files.createDirectories(dir);
                    Files.move(warmFile, dir.resolve("devices.txt"));
                    warmIn = "file:warm-in";
                }
                Timed w = server.runJob("warmup", "importDevices", "{\"inputBlobContainerUri\":\"" + warmIn
                        + "\",\"outputBlobContainerUri\":\"" + outputUri + "\",\"outputBlobName\":\"warmupErrors.log\"}");
                Timed we = server.runJob("warmup", "exportDevices", "{\"exportBlobContainerUri\":\"" + outputUri
                        + "\",\"excludeKeys\":false,\"exportBlobName\":\"warmup.txt\"}");
                System.out.printf("  warm-up import %.1f s, export %.1f s%n", w.seconds(), we.seconds());
            }
            HeapSampler heapSampler = new HeapSampler(server.pid());
            DiskUse disk = new DiskUse(server.pid(), work.resolve("data"), store);
            ObjectNode result = json.createObjectNode();
            result.put("date", Instant.now().toString());
            result.put("devices", devices);
            result.put("lines", gen.lines());
            result.put("source", source);
            result.put("store", store == null ? "sqlite" : "postgresql");
            result.put("serverHeap", heap);
            result.put("cpus", Runtime.getRuntime().availableProcessors());
            result.put("warmupDevices", warmup);

            System.out.println("importing...");
            DiskUse.Sample beforeImport = disk.sample();
            Timed imp = server.runJob("importDevices", "{\"inputBlobContainerUri\":\"" + inputUri
                    + "\",\"outputBlobContainerUri\":\"" + outputUri + "\"}");
            ObjectNode importNode = result.putObject("import");
            record(importNode, imp, gen.lines());
            DiskUse.Sample afterImport = disk.sample();
            recordDisk(importNode, beforeImport, afterImport);
            result.put("storeMiBAfterImport", DiskUse.mib(disk.storeBytes()));
            if (!imp.job().path("failureReason").isNull()) System.out.println("  failure: " + imp.job().path("failureReason").asText());
            System.out.printf("  import: %s in %.2f s = %,.0f devices/s (failed %d)%n", imp.job().get("status").asText(),
                    imp.seconds(), gen.lines() / imp.seconds(), imp.job().get("devicesFailed").asLong());

            System.out.println("exporting...");
            Timed exp = server.runJob("exportDevices", "{\"exportBlobContainerUri\":\"" + outputUri
                    + "\",\"excludeKeys\":false}");
            ObjectNode exportNode = result.putObject("export");
            record(exportNode, exp, gen.lines());
            recordDisk(exportNode, afterImport, disk.sample());
            System.out.printf("  export: %s in %.2f s = %,.0f devices/s%n", exp.job().get("status").asText(),
                    exp.seconds(), gen.lines() / exp.seconds());

            System.out.println("statistics...");
            List<Double> ms = server.statsLatencies(2000);
            Collections.sort(ms);
            double mean = ms.stream().mapToDouble(Double::doubleValue).average().orElse(0);
            ObjectNode stats = result.putObject("statistics");
            stats.put("calls", ms.size());
            stats.put("meanMs", round(mean));
            stats.put("p50Ms", round(ms.get(ms.size() / 2)));
            stats.put("p99Ms", round(ms.get((int) (ms.size() * 0.99))));
            stats.set("last", server.statistics());
            System.out.printf("  statistics: mean %.3f ms, p50 %.3f ms, p99 %.3f ms%n", mean, ms.get(ms.size() / 2),
                    ms.get((int) (ms.size() * 0.99)));

            System.out.println("queries...");
            ObjectNode queries = result.putObject("queries");
            // tags.rack takes 97 values, so one of them selects about 1% of the devices
            timeQuery(server, queries, "firstPage1Percent", "SELECT * FROM devices WHERE tags.rack = 42", 100, 20);
            timeQuery(server, queries, "countBySite", "SELECT COUNT() AS n FROM devices WHERE tags.site = 'north'", 100, 5);
            timeQuery(server, queries, "groupBySite", "SELECT tags.site, COUNT() AS n FROM devices GROUP BY tags.site", 100, 5);
            long pagedTwins = 0;
            int pages = 0;
            String token = null;
            long t0 = System.nanoTime();
            do {
                ServerProcess.QueryPage page = server.query("SELECT * FROM devices", 10_000, token);
                pagedTwins += page.rows().size();
                pages++;
                token = page.continuation();
            } while (token != null);
            double pagedSeconds = (System.nanoTime() - t0) / 1e9;
            ObjectNode paging = queries.putObject("pageAllTwins");
            paging.put("twins", pagedTwins);
            paging.put("pages", pages);
            paging.put("pageSize", 10_000);
            paging.put("seconds", round(pagedSeconds));
            paging.put("twinsPerSecond", Math.round(pagedTwins / pagedSeconds));
            System.out.printf("  page through all: %,d twins in %d pages, %.2f s = %,.0f twins/s%n", pagedTwins, pages,
                    pagedSeconds, pagedTwins / pagedSeconds);

            long peak = heapSampler.stop();
            result.put("serverPeakHeapMiB", peak / (1024 * 1024));
            System.out.printf("  server peak heap: %,d MiB%n", peak / (1024 * 1024));
            Files.createDirectories(out.toAbsolutePath().getParent());
            Files.writeString(out, json.writerWithDefaultPrettyPrinter().writeValueAsString(result));
            System.out.println("figures written to " + out);
        } finally {
            if (azurite != null) azurite.close();
            if (System.getenv("IOLITE_BENCH_KEEP") == null) deleteTree(work); else System.out.println("kept " + work);
        }
    }

    /** Runs a query's first page {@code times} times (after one untimed run) and records the latencies. */
    private static void timeQuery(ServerProcess server, ObjectNode into, String name, String query, int pageSize, int times)
            throws Exception {
        ServerProcess.QueryPage first = server.query(query, pageSize, null);
        List<Double> ms = new java.util.ArrayList<>();
        for (int i = 0; i < times; i++) ms.add(server.query(query, pageSize, null).ms());
        Collections.sort(ms);
        ObjectNode n = into.putObject(name);
        n.put("query", query);
        n.put("rows", first.rows().size());
        n.put("p50Ms", round(ms.get(ms.size() / 2)));
        n.put("maxMs", round(ms.get(ms.size() - 1)));
        System.out.printf("  %s: %d rows, p50 %.1f ms, max %.1f ms (%s)%n", name, first.rows().size(), ms.get(ms.size() / 2),
                ms.get(ms.size() - 1), first.rows().size() <= 4 ? first.rows() : query);
    }

    private static void record(ObjectNode n, Timed t, long lines) {
        JsonNode job = t.job();
        n.put("status", job.get("status").asText());
        n.put("seconds", round(t.seconds()));
        n.put("devicesPerSecond", Math.round(lines / t.seconds()));
        n.put("devicesProcessed", job.path("devicesProcessed").asLong());
        n.put("devicesFailed", job.path("devicesFailed").asLong());
        n.put("serverReportedDevicesPerSecond", job.path("devicesPerSecond").asDouble());
    }

    /** Bytes written during a phase, by the server process and to the machine's disks by anyone (MiB; -1 unknown). */
    private static void recordDisk(ObjectNode n, DiskUse.Sample from, DiskUse.Sample to) {
        n.put("serverWrittenMiB", from.processWritten() < 0 || to.processWritten() < 0 ? -1
                : DiskUse.mib(to.processWritten() - from.processWritten()));
        n.put("disksWrittenMiB", from.disksWritten() < 0 || to.disksWritten() < 0 ? -1
                : DiskUse.mib(to.disksWritten() - from.disksWritten()));
    }

    static double round(double v) { return Math.round(v * 1000) / 1000.0; }

    private static Map<String, String> parse(String[] args) {
        Map<String, String> m = new LinkedHashMap<>();
        List<String> rest = new ArrayList<>(List.of(args));
        for (int i = 0; i < rest.size(); i++) {
            String a = rest.get(i);
            if (!a.startsWith("--")) throw new IllegalArgumentException("unexpected argument " + a);
            String key = a.substring(2);
            int eq = key.indexOf('=');
            if (eq > 0) {
                m.put(key.substring(0, eq), key.substring(eq + 1));
            } else {
                m.put(key, rest.get(++i));
            }
        }
        return m;
    }

    static void deleteTree(Path p) {
        try (var files = Files.walk(p)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (Exception ignored) {
            // best effort
        }
    }

    record Timed(JsonNode job, double seconds) {}
}

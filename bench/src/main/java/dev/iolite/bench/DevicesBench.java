package dev.iolite.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iolite.cli.simulate.DeviceCredential;
import dev.iolite.cli.simulate.DeviceEvents;
import dev.iolite.cli.simulate.Fleet;
import dev.iolite.cli.simulate.FleetStats;
import dev.iolite.cli.simulate.Latencies;

import javax.net.ssl.TrustManagerFactory;
import java.io.InputStream;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * The device side under load ({@code --scenario devices}): a real server process with a 512 MiB heap on SQLite
 * (or --store), and the simulator's MQTT client in this process on the same machine. Measures
 * 10,000 devices (--devices) connected at once with a twin read each and the server's heap then; QoS 1 telemetry
 * from 1,000 of them (--telemetry-devices) acknowledged per second; direct method round trips at 100 concurrent
 * calls through the hub API; a scheduled method job over every device; and how long a desired patch takes to reach
 * its device. Runs on the class path of
 * iolite.jar (see bench/run), whose simulator it drives.
 */
final class DevicesBench {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final SecureRandom RANDOM = new SecureRandom();

    private DevicesBench() {}

    static void run(Path repo, Map<String, String> opts) throws Exception {
        int devices = Integer.parseInt(opts.getOrDefault("devices", "10000").replace("_", ""));
        int senders = Integer.parseInt(opts.getOrDefault("telemetry-devices", "1000").replace("_", ""));
        double rate = Double.parseDouble(opts.getOrDefault("rate", "40000").replace("_", ""));
        int seconds = Integer.parseInt(opts.getOrDefault("seconds", "30"));
        int concurrency = Integer.parseInt(opts.getOrDefault("method-concurrency", "100"));
        String heap = opts.getOrDefault("server-heap", "512m");
        String store = opts.get("store");
        Path work = Files.createTempDirectory("iolite-bench-devices");
        Path out = Path.of(opts.getOrDefault("out", repo.resolve("bench/results/devices"
                + (store == null ? "" : "-postgresql") + "-" + devices + ".json").toString()));
        ObjectNode result = JSON.createObjectNode();
        result.put("date", Instant.now().toString());
        result.put("store", store == null ? "sqlite" : "postgresql");
        result.put("serverHeap", heap);
        result.put("cpus", Runtime.getRuntime().availableProcessors());
        result.put("loadAverageBefore", loadAverage());
        result.put("loadGenerator", "this process (the simulator's client, one Netty event loop group), same machine as the server");
        try (ServerProcess server = ServerProcess.start(repo, work.resolve("data"), heap, store)) {
            JsonNode ready = server.ready();
            if (!ready.hasNonNull("mqttPort")) throw new IllegalStateException("the server has no MQTT listener (no mqttPort in ready.json)");
            System.out.printf("creating %,d devices...%n", devices);
            long t0 = System.nanoTime();
            List<DeviceCredential> credentials = create(server, devices);
            System.out.printf("  %.1f s%n", (System.nanoTime() - t0) / 1e9);

            Desired desired = new Desired();
            Fleet.Settings settings = new Fleet.Settings("127.0.0.1", ready.get("mqttPort").asInt(),
                    ready.get("hubHostName").asText(), trust(ready), 0, desired);
            HeapSampler heapSampler = new HeapSampler(server.pid());
            try (Fleet fleet = Fleet.start(settings, 0)) {
                connectAll(fleet, credentials, result.putObject("connect"), server, heapSampler);
                methods(server, credentials, concurrency, result.putObject("methods"));
                scheduledMethods(server, credentials.size(), result.putObject("scheduledMethodJob"));
                desired(server, credentials, desired, result.putObject("desiredPatch"));
            }
            telemetry(settings, credentials.subList(0, Math.min(senders, devices)), rate, seconds, result.putObject("telemetry"));
            result.put("serverPeakHeapMiB", heapSampler.stop() / (1024 * 1024));
            result.put("loadAverageAfter", loadAverage());
            Files.createDirectories(out.toAbsolutePath().getParent());
            Files.writeString(out, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(result));
            System.out.println("figures written to " + out);
        } finally {
            if (System.getenv("IOLITE_BENCH_KEEP") == null) Bench.deleteTree(work); else System.out.println("kept " + work);
        }
    }

    /** Devices bench-1..bench-N with keys of our making, 100 per bulk call. */
    private static List<DeviceCredential> create(ServerProcess server, int n) throws Exception {
        List<DeviceCredential> all = new ArrayList<>(n);
        for (int from = 1; from <= n; from += 100) {
            ArrayNode body = JSON.createArrayNode();
            for (int i = from; i < Math.min(n + 1, from + 100); i++) {
                String key = key();
                body.addObject().put("id", "bench-" + i).put("importMode", "create").put("status", "enabled")
                        .putObject("authentication").put("type", "sas").putObject("symmetricKey")
                        .put("primaryKey", key).put("secondaryKey", key());
                all.add(new DeviceCredential("bench-" + i, key));
            }
            HttpResponse<String> r = server.send("POST", "/devices?api-version=2021-04-12", server.sas(), body.toString());
            if (r.statusCode() != 200) throw new IllegalStateException("bulk create answered " + r.statusCode() + ": " + r.body());
        }
        return all;
    }

    private static void connectAll(Fleet fleet, List<DeviceCredential> credentials, ObjectNode into, ServerProcess server,
                                   HeapSampler heap) throws Exception {
        System.out.printf("connecting %,d devices, each reading its twin and patching reported properties...%n", credentials.size());
        long t0 = System.nanoTime();
        fleet.add(credentials);
        FleetStats s = fleet.stats();
        waitFor(() -> s.twinReads() >= credentials.size(), 900, () -> s.connected() + " connected, " + s.twinReads() + " twins read");
        double seconds = (System.nanoTime() - t0) / 1e9;
        waitFor(() -> s.reportedPatches() >= credentials.size(), 120, () -> s.reportedPatches() + " reported patches");
        into.put("devices", credentials.size());
        into.put("secondsToAllTwinsRead", Bench.round(seconds));
        into.put("connectsPerSecond", Math.round(credentials.size() / seconds));
        into.put("twinReadP50Ms", Bench.round(s.twinReadLatency().quantileMillis(0.5)));
        into.put("twinReadP99Ms", Bench.round(s.twinReadLatency().quantileMillis(0.99)));
        into.put("refused", s.refused());
        into.put("failedConnects", s.failedConnects());
        into.put("lost", s.disconnects());
        into.put("serverUsedHeapMiBAllConnected", usedHeapAfterGc(server.pid()));
        into.put("serverPeakHeapMiBSoFar", heap.peakSoFar() / (1024 * 1024));
        System.out.printf("  all %,d connected with their twins read in %.1f s (%,.0f/s); twin read p50 %.1f ms, p99 %.1f ms;"
                        + " server heap after a GC %d MiB, peak %d MiB%n", credentials.size(), seconds, credentials.size() / seconds,
                s.twinReadLatency().quantileMillis(0.5), s.twinReadLatency().quantileMillis(0.99),
                into.get("serverUsedHeapMiBAllConnected").asLong(), into.get("serverPeakHeapMiBSoFar").asLong());
    }

    /** Direct methods through {@code POST /twins/{id}/methods}, {@code concurrency} at a time, each device echoing. */
    private static void methods(ServerProcess server, List<DeviceCredential> devices, int concurrency, ObjectNode into) throws Exception {
        HttpResponse<String> probe = invoke(server, devices.get(0).deviceId(), 0);
        if (probe.statusCode() != 200) {
            System.out.println("methods: skipped, the hub API answered " + probe.statusCode() + ": " + probe.body());
            into.put("skipped", "POST /twins/{id}/methods answered " + probe.statusCode());
            return;
        }
        int calls = Math.max(concurrency * 50, 2_000);
        System.out.printf("direct methods: %,d calls, %d at a time...%n", calls, concurrency);
        Latencies latencies = new Latencies();
        ExecutorService callers = Executors.newFixedThreadPool(concurrency);
        try {
            for (int phase = 0; phase < 2; phase++) {  // the first round warms up the server's and this client's code
                Latencies target = phase == 0 ? new Latencies() : latencies;
                int n = phase == 0 ? calls / 4 : calls;
                long t0 = System.nanoTime();
                List<Future<Integer>> done = new ArrayList<>();
                for (int c = 0; c < concurrency; c++) {
                    int caller = c;
                    done.add(callers.submit(() -> {
                        int failed = 0;
                        for (int i = caller; i < n; i += concurrency) {
                            long start = System.nanoTime();
                            HttpResponse<String> r = invoke(server, devices.get(i % devices.size()).deviceId(), i);
                            target.recordNanos(System.nanoTime() - start);
                            if (r.statusCode() != 200) failed++;
                        }
                        return failed;
                    }));
                }
                int failed = 0;
                for (Future<Integer> f : done) failed += f.get();
                double seconds = (System.nanoTime() - t0) / 1e9;
                if (phase == 1) {
                    into.put("calls", n);
                    into.put("concurrency", concurrency);
                    into.put("failed", failed);
                    into.put("callsPerSecond", Math.round(n / seconds));
                    into.put("p50Ms", Bench.round(latencies.quantileMillis(0.5)));
                    into.put("p99Ms", Bench.round(latencies.quantileMillis(0.99)));
                    System.out.printf("  %,d calls in %.1f s (%,.0f/s, %d failed): p50 %.1f ms, p99 %.1f ms%n", n, seconds, n / seconds,
                            failed, latencies.quantileMillis(0.5), latencies.quantileMillis(0.99));
                }
            }
        } finally {
            callers.shutdownNow();
        }
    }

    /**
     * A scheduled method job ({@code PUT /jobs/v2/{id}}, {@code scheduleDeviceMethod}) over every connected device:
     * the time from the request to {@code completed}, and the rows of {@code devices.jobs} that say each device answered.
     */
    private static void scheduledMethods(ServerProcess server, int devices, ObjectNode into) throws Exception {
        System.out.printf("a scheduled method job over all %,d devices...%n", devices);
        String api = "?api-version=2021-04-12";
        long t0 = System.nanoTime();
        HttpResponse<String> created = server.send("PUT", "/jobs/v2/bench-methods" + api, server.sas(),
                "{\"jobId\":\"bench-methods\",\"type\":\"scheduleDeviceMethod\",\"queryCondition\":\"STARTSWITH(deviceId, 'bench-')\","
                        + "\"cloudToDeviceMethod\":{\"methodName\":\"echo\",\"payload\":{\"n\":1},\"responseTimeoutInSeconds\":30,"
                        + "\"connectTimeoutInSeconds\":0},\"maxExecutionTimeInSeconds\":3600}");
        if (created.statusCode() != 200) {
            throw new IllegalStateException("PUT /jobs/v2 answered " + created.statusCode() + ": " + created.body());
        }
        JsonNode job;
        do {
            Thread.sleep(100);
            job = JSON.readTree(server.send("GET", "/jobs/v2/bench-methods" + api, server.sas(), null).body());
        } while (!job.path("status").asText().matches("completed|failed|cancelled"));
        double seconds = (System.nanoTime() - t0) / 1e9;
        long succeeded = job.at("/deviceJobStatistics/succeededCount").asLong();
        into.put("status", job.path("status").asText());
        into.put("devices", devices);
        into.put("succeeded", succeeded);
        into.put("failed", job.at("/deviceJobStatistics/failedCount").asLong());
        into.put("seconds", Bench.round(seconds));
        into.put("devicesPerSecond", Math.round(succeeded / seconds));
        System.out.printf("  %s: %,d of %,d devices answered in %.1f s (%,.0f devices/s)%n", job.path("status").asText(),
                succeeded, devices, seconds, succeeded / seconds);
    }

    private static HttpResponse<String> invoke(ServerProcess server, String deviceId, int n) throws Exception {
        return server.send("POST", "/twins/" + deviceId + "/methods?api-version=2021-04-12", server.sas(),
                "{\"methodName\":\"echo\",\"payload\":{\"n\":" + n + "},\"responseTimeoutInSeconds\":30}");
    }

    /** Desired patches through {@code PATCH /twins/{id}}, one at a time: the time until the device is told. */
    private static void desired(ServerProcess server, List<DeviceCredential> devices, Desired desired, ObjectNode into) throws Exception {
        int patches = Math.min(1_000, devices.size());
        System.out.printf("desired patches: %,d, one at a time...%n", patches);
        for (int i = 0; i < patches + 100; i++) {  // the first 100 warm up
            String id = devices.get(i % devices.size()).deviceId();
            long start = System.nanoTime();
            java.util.concurrent.CompletableFuture<Long> told = desired.expect(id);
            HttpResponse<String> r = server.send("PATCH", "/twins/" + id + "?api-version=2021-04-12", server.sas(),
                    "{\"properties\":{\"desired\":{\"bench\":" + i + "}}}");
            if (r.statusCode() != 200) throw new IllegalStateException("PATCH twin answered " + r.statusCode() + ": " + r.body());
            long arrived;
            try {
                arrived = told.get(5, TimeUnit.SECONDS);
            } catch (java.util.concurrent.TimeoutException e) {
                System.out.println("  skipped: device " + id + " was not told of its desired patch within 5 s");
                into.put("skipped", "no desired-property notification within 5 s");
                return;
            }
            if (i >= 100) desired.latencies.recordNanos(arrived - start);
        }
        into.put("patches", patches);
        into.put("p50Ms", Bench.round(desired.latencies.quantileMillis(0.5)));
        into.put("p99Ms", Bench.round(desired.latencies.quantileMillis(0.99)));
        System.out.printf("  patch to device: p50 %.1f ms, p99 %.1f ms%n", desired.latencies.quantileMillis(0.5),
                desired.latencies.quantileMillis(0.99));
    }

    /** QoS 1 telemetry from {@code senders} devices at up to {@code rate} messages/s: what the server acknowledges. */
    private static void telemetry(Fleet.Settings base, List<DeviceCredential> senders, double rate, int seconds, ObjectNode into)
            throws Exception {
        System.out.printf("telemetry: %,d devices asking for %,.0f messages/s at QoS 1 for %d s (after 10 s of warm-up)...%n",
                senders.size(), rate, seconds);
        Fleet.Settings settings = new Fleet.Settings(base.host(), base.port(), base.hubHostName(), base.trust(), rate, DeviceEvents.NONE);
        try (Fleet fleet = Fleet.start(settings, 0)) {
            FleetStats s = fleet.stats();
            fleet.add(senders);
            waitFor(() -> s.connected() >= senders.size() || (s.disconnects() > 0 && s.acknowledged() == 0), 300,
                    () -> s.connected() + " connected");
            Thread.sleep(10_000);
            if (s.acknowledged() == 0) {
                System.out.println("  skipped: nothing was acknowledged (" + s.disconnects() + " connections closed by the server)");
                into.put("skipped", "the server acknowledged no telemetry");
                return;
            }
            s.closeWindow();
            Latencies measured = new Latencies();
            long acked0 = s.acknowledged();
            long t0 = System.nanoTime();
            for (int i = 0; i < seconds; i++) {
                Thread.sleep(1_000);
                s.closeWindow().addTo(measured);
            }
            double elapsed = (System.nanoTime() - t0) / 1e9;
            long acked = s.acknowledged() - acked0;
            into.put("devices", senders.size());
            into.put("askedPerSecond", Math.round(rate));
            into.put("seconds", Bench.round(elapsed));
            into.put("acknowledged", acked);
            into.put("acknowledgedPerSecond", Math.round(acked / elapsed));
            into.put("pubackP50Ms", Bench.round(measured.quantileMillis(0.5)));
            into.put("pubackP99Ms", Bench.round(measured.quantileMillis(0.99)));
            into.put("lost", s.disconnects());
            System.out.printf("  %,.0f messages/s acknowledged; PUBACK p50 %.1f ms, p99 %.1f ms; %d connections lost%n", acked / elapsed,
                    measured.quantileMillis(0.5), measured.quantileMillis(0.99), s.disconnects());
        }
    }

    /** The desired notification each device awaits: completed with its arrival time (System.nanoTime). */
    private static final class Desired implements DeviceEvents {
        final Latencies latencies = new Latencies();
        private final Map<String, java.util.concurrent.CompletableFuture<Long>> waiting = new ConcurrentHashMap<>();

        java.util.concurrent.CompletableFuture<Long> expect(String deviceId) {
            java.util.concurrent.CompletableFuture<Long> f = new java.util.concurrent.CompletableFuture<>();
            waiting.put(deviceId, f);
            return f;
        }

        @Override
        public void onDesired(String deviceId, long version, byte[] patch) {
            long now = System.nanoTime();
            java.util.concurrent.CompletableFuture<Long> f = waiting.remove(deviceId);
            if (f != null) f.complete(now);
        }
    }

    private static TrustManagerFactory trust(JsonNode ready) throws Exception {
        KeyStore ts = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(Path.of(ready.get("truststore").asText()))) {
            ts.load(in, ready.get("truststorePassword").asText().toCharArray());
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ts);
        return tmf;
    }

    /** The server's used heap in MiB after a full collection ({@code jcmd GC.run}, then {@code jstat -gc}). */
    private static long usedHeapAfterGc(long pid) throws Exception {
        new ProcessBuilder("jcmd", Long.toString(pid), "GC.run").redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor(60, TimeUnit.SECONDS);
        Process jstat = new ProcessBuilder("jstat", "-gc", Long.toString(pid)).redirectErrorStream(true).start();
        String[] lines = new String(jstat.getInputStream().readAllBytes()).trim().split("\n");
        jstat.waitFor(30, TimeUnit.SECONDS);
        String[] names = lines[0].trim().split("\\s+");
        String[] values = lines[lines.length - 1].trim().split("\\s+");
        double kb = 0;
        for (int i = 0; i < names.length && i < values.length; i++) {
            if (names[i].equals("S0U") || names[i].equals("S1U") || names[i].equals("EU") || names[i].equals("OU")) {
                kb += Double.parseDouble(values[i]);
            }
        }
        return Math.round(kb / 1024);
    }

    private static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).trim();
        } catch (Exception e) {
            return "unknown";
        }
    }

    private static String key() {
        byte[] b = new byte[32];
        RANDOM.nextBytes(b);
        return Base64.getEncoder().encodeToString(b);
    }

    private static void waitFor(BooleanSupplier condition, int seconds, java.util.function.Supplier<String> state) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new IllegalStateException("not within " + seconds + " s: " + state.get());
            Thread.sleep(100);
        }
    }
}

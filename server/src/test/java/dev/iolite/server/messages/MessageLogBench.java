package dev.iolite.server.messages;

import dev.iolite.server.Iolite;
import dev.iolite.server.ServerConfig;
import dev.iolite.server.registry.DeviceKey;
import dev.iolite.server.store.StoreUrl;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A harness, not a test: how many device messages a second the built-in endpoint commits. It starts a real server
 * in this JVM (SQLite in a fresh data dir, or the PostgreSQL of {@code -Dstore=postgresql://...}) and appends
 * through its {@code MessageSink} from {@code -Dthreads} threads (default 8), each with up to {@code -Dinflight}
 * unacknowledged messages (default 500, like an MQTT connection's QoS 1 window) from its own devices, for
 * {@code -Dseconds} (default 20) after a warm-up of 5 s. Messages carry 3 application properties and a
 * 100-byte body. Run it as docs/operations.md says ("Device messages", measuring the writer).
 */
public final class MessageLogBench {
    public static void main(String[] args) throws Exception {
        int threads = Integer.getInteger("threads", 8);
        int inflight = Integer.getInteger("inflight", 500);
        int seconds = Integer.getInteger("seconds", 20);
        String store = System.getProperty("store");
        Path dir = Files.createTempDirectory("iolite-message-bench");
        ServerConfig config = ServerConfig.of(dir, 0);
        config = config.withDevices(config.devices().withMqttPort(0).withAmqpPort(0));  // a free MQTT port: nothing connects to it here
        if (store != null) config = config.withStore(StoreUrl.parse(store));
        AtomicLong committed = new AtomicLong();
        AtomicLong refused = new AtomicLong();
        byte[] body = "{\"temperature\":21.5,\"humidity\":40,\"pressure\":1013,\"site\":\"north\",\"line\":7,\"ok\":true,\"pad\":\"xx\"}"
                .getBytes(StandardCharsets.UTF_8);
        try (Iolite iolite = Iolite.start(config)) {
            MessageSink sink = iolite.messageSink();
            String hub = iolite.hubName();
            long until = System.nanoTime() + (seconds + 5) * 1_000_000_000L;
            Thread[] workers = new Thread[threads];
            for (int t = 0; t < threads; t++) {
                int n = t;
                workers[t] = new Thread(() -> {
                    Semaphore window = new Semaphore(inflight);
                    long i = 0;
                    while (System.nanoTime() < until) {
                        window.acquireUninterruptibly();
                        Map<String, String> system = new LinkedHashMap<>();
                        system.put("message-id", n + "-" + i);
                        system.put("content-type", "application/json");
                        Map<String, String> app = new LinkedHashMap<>();
                        app.put("kind", "reading");
                        app.put("seq", Long.toString(i));
                        app.put("unit", "C");
                        DeviceMessage m = new DeviceMessage(hub, DeviceKey.device("bench-" + n + "-" + (i % 125)), system, app,
                                body, "{\"scope\":\"device\",\"type\":\"sas\",\"issuer\":\"iothub\"}", Instant.now());
                        sink.append(m).whenComplete((ok, e) -> {
                            if (e == null) committed.incrementAndGet();
                            else refused.incrementAndGet();
                            window.release();
                        });
                        i++;
                    }
                    window.acquireUninterruptibly(inflight);
                }, "bench-" + t);
                workers[t].start();
            }
            Thread.sleep(5_000);
            long c0 = committed.get();
            long t0 = System.nanoTime();
            Thread.sleep(seconds * 1000L);
            long c1 = committed.get();
            double rate = (c1 - c0) / ((System.nanoTime() - t0) / 1e9);
            for (Thread w : workers) w.join();
            System.out.printf("store: %s, threads: %d, in flight per thread: %d%n", store == null ? "SQLite" : "PostgreSQL", threads, inflight);
            System.out.printf("committed: %,.0f messages/s over %d s (%,d refused in all)%n", rate, seconds, refused.get());
        }
    }
}

package dev.iolite.bench;

import com.azure.messaging.eventhubs.EventHubClientBuilder;
import com.azure.messaging.eventhubs.EventHubConsumerAsyncClient;
import com.azure.messaging.eventhubs.models.EventPosition;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.microsoft.azure.sdk.iot.service.messaging.AcknowledgementType;
import com.microsoft.azure.sdk.iot.service.messaging.DeliveryAcknowledgement;
import com.microsoft.azure.sdk.iot.service.messaging.IotHubServiceClientProtocol;
import com.microsoft.azure.sdk.iot.service.messaging.Message;
import com.microsoft.azure.sdk.iot.service.messaging.MessageFeedbackProcessorClient;
import com.microsoft.azure.sdk.iot.service.messaging.MessageFeedbackProcessorClientOptions;
import com.microsoft.azure.sdk.iot.service.messaging.MessagingClient;
import com.microsoft.azure.sdk.iot.service.messaging.MessagingClientOptions;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.mqtt.MqttDecoder;
import io.netty.handler.codec.mqtt.MqttEncoder;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageBuilders;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttPubAckMessage;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttVersion;
import reactor.core.Disposable;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

/**
 * The built-in endpoint and cloud-to-device messages under load ({@code --scenario events}): a real server process
 * with a 512 MiB heap on SQLite (or --store), its AMQP listener on IoT Hub's port 5671 (the service client dials it),
 * and the load in this process on the same machine. Measures:
 * <ol>
 *   <li>one Event Hubs consumer (the official Java client) reading one partition from its earliest event, end to
 *       end, after raw MQTT devices filled it with --events QoS 1 messages;</li>
 *   <li>the time from a message's PUBACK to the consumer's callback, at a steady 200 messages/s;</li>
 *   <li>cloud-to-device messages sent by the official Java service client with feedback asked, delivered to 100
 *       connected devices that acknowledge at once, and the feedback receiver hearing of each.</li>
 * </ol>
 */
final class EventsBench {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int PARTITIONS = 4;

    private EventsBench() {}

    static void run(Path repo, Map<String, String> opts) throws Exception {
        int events = Integer.parseInt(opts.getOrDefault("events", "200000").replace("_", ""));
        int c2d = Integer.parseInt(opts.getOrDefault("c2d", "20000").replace("_", ""));
        String heap = opts.getOrDefault("server-heap", "512m");
        String store = opts.get("store");
        Path work = Files.createTempDirectory("iolite-bench-events");
        Path out = Path.of(opts.getOrDefault("out", repo.resolve("bench/results/events"
                + (store == null ? "" : "-postgresql") + ".json").toString()));
        ObjectNode result = JSON.createObjectNode();
        result.put("date", Instant.now().toString());
        result.put("store", store == null ? "sqlite" : "postgresql");
        result.put("serverHeap", heap);
        result.put("cpus", Runtime.getRuntime().availableProcessors());
        result.put("loadGenerator", "this process (raw MQTT publishers, the official Event Hubs and service clients), same machine");
        try (ServerProcess server = ServerProcess.start(repo, work.resolve("data"), heap, store, "--amqp-port", "5671")) {
            JsonNode ready = server.ready();
            SSLContext ssl = ssl(ready);
            SSLContext.setDefault(ssl);  // the Event Hubs client trusts the JVM's default context
            if (!"c2d".equals(opts.get("only"))) {
                List<String[]> inPartition0 = devices(server, 20, 0, "events-");
                throughput(ready, ssl, inPartition0, events, result.putObject("consumerThroughput"));
                latency(ready, ssl, inPartition0.get(0), result.putObject("pubackToConsumer"));
            }
            cloudToDevice(server, ready, ssl, c2d, result.putObject("cloudToDevice"));
            Files.createDirectories(out.toAbsolutePath().getParent());
            Files.writeString(out, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(result));
            System.out.println("figures written to " + out);
        } finally {
            if (System.getenv("IOLITE_BENCH_KEEP") == null) Bench.deleteTree(work); else System.out.println("kept " + work);
        }
    }

    /** Fills partition 0 from {@code devices} in parallel, then times one consumer reading it all from the earliest event. */
    private static void throughput(JsonNode ready, SSLContext ssl, List<String[]> devices, int events, ObjectNode into) throws Exception {
        System.out.printf("filling partition 0 with %,d QoS 1 messages from %d devices...%n", events, devices.size());
        long t0 = System.nanoTime();
        ExecutorService pool = Executors.newFixedThreadPool(devices.size());
        List<Future<?>> done = new ArrayList<>();
        int each = events / devices.size();
        byte[] body = ("{\"temperature\":21.5,\"humidity\":40,\"site\":\"north\",\"pad\":\"" + "x".repeat(40) + "\"}")
                .getBytes(StandardCharsets.UTF_8);
        for (String[] d : devices) {
            done.add(pool.submit(() -> {
                try (Publisher p = new Publisher(ready, ssl, d[0], d[1])) {
                    for (int i = 0; i < each; i++) p.publish(body, null);
                    p.awaitAcks(each, 300);
                }
                return null;
            }));
        }
        for (Future<?> f : done) f.get();
        pool.shutdown();
        double fill = (System.nanoTime() - t0) / 1e9;
        int total = each * devices.size();
        into.put("events", total);
        into.put("fillSeconds", Bench.round(fill));
        into.put("fillAcknowledgedPerSecond", Math.round(total / fill));
        System.out.printf("  filled in %.1f s (%,.0f/s acknowledged)%n", fill, total / fill);
        for (int round = 1; round <= 2; round++) {
            EventHubConsumerAsyncClient consumer = new EventHubClientBuilder().connectionString(ready.get("eventHubConnectionString").asText())
                    .consumerGroup("$Default").prefetchCount(2000).buildAsyncConsumerClient();
            AtomicLong received = new AtomicLong();
            AtomicLong first = new AtomicLong();
            AtomicLong last = new AtomicLong();
            Disposable sub = consumer.receiveFromPartition("0", EventPosition.earliest()).subscribe(e -> {
                long now = System.nanoTime();
                if (received.getAndIncrement() == 0) first.set(now);
                last.set(now);
            });
            try {
                waitFor(() -> received.get() >= total, 300, () -> received.get() + " of " + total + " read");
            } finally {
                sub.dispose();
                consumer.close();
            }
            double seconds = (last.get() - first.get()) / 1e9;
            into.put("round" + round + "Seconds", Bench.round(seconds));
            into.put("round" + round + "EventsPerSecond", Math.round(total / seconds));
            System.out.printf("  read %d: %,d events in %.2f s: %,.0f events/s (first event to last)%n", round, total, seconds, total / seconds);
        }
    }

    /** One device publishes at 200/s; the time from each PUBACK to the consumer's callback for that message. */
    private static void latency(JsonNode ready, SSLContext ssl, String[] device, ObjectNode into) throws Exception {
        int n = 2000;
        System.out.printf("PUBACK to consumer: %d messages at 200/s...%n", n);
        Map<String, Long> acked = new ConcurrentHashMap<>();
        Map<String, Long> seen = new ConcurrentHashMap<>();
        EventHubConsumerAsyncClient consumer = new EventHubClientBuilder().connectionString(ready.get("eventHubConnectionString").asText())
                .consumerGroup("$Default").buildAsyncConsumerClient();
        Disposable sub = consumer.receiveFromPartition("0", EventPosition.latest()).subscribe(e -> {
            Object id = e.getData().getMessageId();
            if (id != null) seen.put(id.toString(), System.nanoTime());
        });
        try (Publisher p = new Publisher(ready, ssl, device[0], device[1])) {
            Thread.sleep(2000);  // the consumer's link is attached and at the end
            long start = System.nanoTime();
            for (int i = 0; i < n; i++) {
                long due = start + i * 5_000_000L;
                long wait = due - System.nanoTime();
                if (wait > 0) Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                String id = "lat-" + i;
                p.publish(("{\"i\":" + i + "}").getBytes(StandardCharsets.UTF_8), id, acked);
            }
            p.awaitAcks(n, 60);
            waitFor(() -> seen.size() >= n, 60, () -> seen.size() + " of " + n + " seen");
        } finally {
            sub.dispose();
            consumer.close();
        }
        long[] ms = new long[n];
        int k = 0;
        for (int i = 200; i < n; i++) {  // the first 200 warm up
            String id = "lat-" + i;
            ms[k++] = Math.max(0, seen.get(id) - acked.get(id));
        }
        long[] sorted = Arrays.copyOf(ms, k);
        Arrays.sort(sorted);
        into.put("messages", k);
        into.put("p50Ms", Bench.round(sorted[k / 2] / 1e6));
        into.put("p99Ms", Bench.round(sorted[(int) (k * 0.99)] / 1e6));
        System.out.printf("  p50 %.1f ms, p99 %.1f ms%n", sorted[k / 2] / 1e6, sorted[(int) (k * 0.99)] / 1e6);
    }

    /**
     * {@code total} messages to 100 connected devices, with full feedback, from a few service clients, each with up to
     * {@code iolite.bench.c2dWindow} sends unanswered. The clients send with {@code sendAsync}: the Java service client
     * sends what is queued on a 200 ms timer, so one {@code send} waiting for its answer before the next measures that
     * timer, not the server.
     */
    private static void cloudToDevice(ServerProcess server, JsonNode ready, SSLContext ssl, int total, ObjectNode into) throws Exception {
        int senders = Integer.parseInt(System.getProperty("iolite.bench.c2dSenders", "4"));
        int window = Integer.parseInt(System.getProperty("iolite.bench.c2dWindow", "256"));
        List<String[]> devices = devices(server, 100, -1, "c2d-");
        System.out.printf("cloud-to-device: %,d messages from %d service clients (%d unanswered each at most) to %d devices, "
                + "feedback asked...%n", total, senders, window, devices.size());
        AtomicLong delivered = new AtomicLong();
        AtomicLong lastDelivered = new AtomicLong();
        List<Publisher> receivers = new ArrayList<>();
        for (String[] d : devices) {
            Publisher r = new Publisher(ready, ssl, d[0], d[1]);
            r.receive(() -> {
                delivered.incrementAndGet();
                lastDelivered.set(System.nanoTime());
            });
            receivers.add(r);
        }
        String cs = "HostName=127.0.0.1;SharedAccessKeyName=iothubowner;SharedAccessKey=" + ownerKey(ready);
        AtomicLong feedback = new AtomicLong();
        AtomicLong lastFeedback = new AtomicLong();
        MessageFeedbackProcessorClient fb = new MessageFeedbackProcessorClient(cs, IotHubServiceClientProtocol.AMQPS, batch -> {
            feedback.addAndGet(batch.getRecords().size());
            lastFeedback.set(System.nanoTime());
            return AcknowledgementType.COMPLETE;
        }, MessageFeedbackProcessorClientOptions.builder().sslContext(ssl).build());
        fb.start();
        AtomicInteger refused = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(senders);
        List<MessagingClient> clients = new ArrayList<>();
        for (int s = 0; s < senders; s++) {
            MessagingClient c = new MessagingClient(cs, IotHubServiceClientProtocol.AMQPS, MessagingClientOptions.builder().sslContext(ssl).build());
            c.open();
            clients.add(c);
        }
        java.util.concurrent.CountDownLatch answered = new java.util.concurrent.CountDownLatch(total);
        AtomicLong lastAnswer = new AtomicLong();
        long t0 = System.nanoTime();
        List<Future<?>> done = new ArrayList<>();
        for (int s = 0; s < senders; s++) {
            int sender = s;
            done.add(pool.submit(() -> {
                java.util.concurrent.Semaphore room = new java.util.concurrent.Semaphore(window);
                for (int i = sender; i < total; i += senders) {
                    Message m = new Message("{\"command\":" + i + "}");
                    m.setMessageId("c2d-" + i);
                    m.setDeliveryAcknowledgement(DeliveryAcknowledgement.Full);
                    room.acquire();
                    clients.get(sender).sendAsync(devices.get(i % devices.size())[0], m, result -> {
                        if (result.getException() != null) refused.incrementAndGet();
                        lastAnswer.set(System.nanoTime());
                        room.release();
                        answered.countDown();
                    }, null);
                }
                return null;
            }));
        }
        for (Future<?> f : done) f.get();
        if (!answered.await(300, TimeUnit.SECONDS)) throw new IllegalStateException(answered.getCount() + " sends unanswered after 300 s");
        double sendSeconds = (lastAnswer.get() - t0) / 1e9;
        long accepted = total - refused.get();
        waitFor(() -> delivered.get() >= accepted, 300, () -> delivered.get() + " of " + accepted + " delivered");
        waitFor(() -> feedback.get() >= accepted, 300, () -> feedback.get() + " of " + accepted + " feedback records");
        double deliverSeconds = (lastDelivered.get() - t0) / 1e9;
        double feedbackSeconds = (lastFeedback.get() - t0) / 1e9;
        pool.shutdown();
        for (MessagingClient c : clients) c.close();
        fb.stop();
        for (Publisher r : receivers) r.close();
        into.put("messages", total);
        into.put("refused", refused.get());
        into.put("sendSeconds", Bench.round(sendSeconds));
        into.put("sentPerSecond", Math.round(accepted / sendSeconds));
        into.put("allDeliveredSeconds", Bench.round(deliverSeconds));
        into.put("deliveredPerSecond", Math.round(accepted / deliverSeconds));
        into.put("allFeedbackSeconds", Bench.round(feedbackSeconds));
        into.put("feedbackRecords", feedback.get());
        System.out.printf("  sent %,.0f/s, all delivered at %.1f s (%,.0f/s), all %,d feedback records at %.1f s; %d refused%n",
                accepted / sendSeconds, deliverSeconds, accepted / deliverSeconds, feedback.get(), feedbackSeconds, refused.get());
    }

    /**
     * {@code n} devices made through the hub API, with keys of our making: those whose messages go to partition
     * {@code partition} (or any, for -1), by the server's hash (32-bit FNV-1a of the id, modulo the partitions).
     */
    private static List<String[]> devices(ServerProcess server, int n, int partition, String prefix) throws Exception {
        List<String[]> out = new ArrayList<>();
        for (int i = 0; out.size() < n; i++) {
            String id = prefix + i;
            if (partition >= 0 && partitionOf(id) != partition) continue;
            byte[] k = new byte[32];
            new java.security.SecureRandom().nextBytes(k);
            String key = Base64.getEncoder().encodeToString(k);
            HttpResponse<String> r = server.send("PUT", "/devices/" + id + "?api-version=2021-04-12", server.sas(),
                    "{\"deviceId\":\"" + id + "\",\"authentication\":{\"type\":\"sas\",\"symmetricKey\":{\"primaryKey\":\"" + key
                            + "\",\"secondaryKey\":\"" + key + "\"}}}");
            if (r.statusCode() != 200) throw new IllegalStateException("PUT device answered " + r.statusCode() + ": " + r.body());
            out.add(new String[] {id, key});
        }
        return out;
    }

    private static int partitionOf(String deviceId) {
        int h = 0x811c9dc5;
        for (byte b : deviceId.getBytes(StandardCharsets.UTF_8)) {
            h ^= b & 0xff;
            h *= 0x01000193;
        }
        return (int) Long.remainderUnsigned(h & 0xffffffffL, PARTITIONS);
    }

    /** A raw MQTT device over TLS: QoS 1 publishes written without waiting, PUBACKs counted by a reader thread. */
    private static final class Publisher implements AutoCloseable {
        private final SSLSocket socket;
        private final OutputStream out;
        private final EmbeddedChannel encoder = new EmbeddedChannel(MqttEncoder.INSTANCE);
        private final AtomicLong acks = new AtomicLong();
        private final Map<Integer, String> ids = new ConcurrentHashMap<>();
        private volatile Map<String, Long> ackTimes;
        private volatile Runnable onMessage;
        private final java.util.concurrent.Semaphore window = new java.util.concurrent.Semaphore(32);
        private int packetId;
        private final String topic;
        private final java.util.concurrent.CountDownLatch connected = new java.util.concurrent.CountDownLatch(1);

        Publisher(JsonNode ready, SSLContext ssl, String deviceId, String key) throws Exception {
            socket = (SSLSocket) ssl.getSocketFactory().createSocket("127.0.0.1", ready.get("mqttPort").asInt());
            out = socket.getOutputStream();
            topic = "devices/" + deviceId + "/messages/events/";
            InputStream in = socket.getInputStream();
            EmbeddedChannel decoder = new EmbeddedChannel(new MqttDecoder(1 << 20));
            Thread reader = new Thread(() -> {
                byte[] buf = new byte[16384];
                try {
                    for (int n; (n = in.read(buf)) >= 0; ) {
                        decoder.writeInbound(Unpooled.copiedBuffer(buf, 0, n));
                        for (Object o; (o = decoder.readInbound()) != null; ) handle((MqttMessage) o);
                    }
                } catch (Exception e) {
                    // closed
                }
            }, "bench-device-" + deviceId);
            reader.setDaemon(true);
            reader.start();
            String host = ready.get("hubHostName").asText();
            long se = Instant.now().plusSeconds(3600).getEpochSecond();
            String sr = URLEncoder.encode(host + "/devices/" + deviceId, StandardCharsets.UTF_8);
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(Base64.getDecoder().decode(key), "HmacSHA256"));
            String sig = Base64.getEncoder().encodeToString(mac.doFinal((sr + "\n" + se).getBytes(StandardCharsets.UTF_8)));
            String token = "SharedAccessSignature sr=" + sr + "&sig=" + URLEncoder.encode(sig, StandardCharsets.UTF_8) + "&se=" + se;
            write(MqttMessageBuilders.connect().clientId(deviceId).protocolVersion(MqttVersion.MQTT_3_1_1).keepAlive(240)
                    .cleanSession(true).username(host + "/" + deviceId + "/?api-version=2021-04-12")
                    .password(token.getBytes(StandardCharsets.UTF_8)).build());
            if (!connected.await(30, TimeUnit.SECONDS)) throw new IllegalStateException(deviceId + " was not accepted within 30 s");
        }

        private void handle(MqttMessage m) throws Exception {
            if (m.fixedHeader().messageType() == MqttMessageType.CONNACK) {
                connected.countDown();
            } else if (m.fixedHeader().messageType() == MqttMessageType.PUBACK) {
                int id = ((MqttPubAckMessage) m).variableHeader().messageId();
                String mid = ids.remove(id);
                if (mid != null && ackTimes != null) ackTimes.put(mid, System.nanoTime());
                acks.incrementAndGet();
                window.release();
            } else if (m instanceof MqttPublishMessage p) {
                int id = p.variableHeader().packetId();
                p.release();
                if (onMessage != null) onMessage.run();
                synchronized (this) {
                    write(MqttMessageBuilders.pubAck().packetId(id).build());
                }
            }
        }

        synchronized void publish(byte[] body, String messageId) throws Exception {
            window.acquire();
            packetId = packetId % 65535 + 1;
            String t = messageId == null ? topic : topic + "%24.mid=" + messageId;
            if (messageId != null) ids.put(packetId, messageId);
            write(MqttMessageBuilders.publish().topicName(t).qos(MqttQoS.AT_LEAST_ONCE).retained(false).messageId(packetId)
                    .payload(Unpooled.wrappedBuffer(body)).build());
        }

        void publish(byte[] body, String messageId, Map<String, Long> ackTimes) throws Exception {
            this.ackTimes = ackTimes;
            publish(body, messageId);
        }

        /** Subscribes to the device's cloud-to-device messages; each is acknowledged at once. */
        void receive(Runnable onMessage) throws Exception {
            this.onMessage = onMessage;
            String id = topic.substring("devices/".length(), topic.indexOf("/messages/"));
            synchronized (this) {
                write(MqttMessageBuilders.subscribe().messageId(1).addSubscription(MqttQoS.AT_LEAST_ONCE,
                        "devices/" + id + "/messages/devicebound/#").build());
            }
        }

        void awaitAcks(long n, int seconds) throws InterruptedException {
            waitFor(() -> acks.get() >= n, seconds, () -> acks.get() + " of " + n + " acknowledged");
        }

        private void write(MqttMessage m) throws Exception {
            encoder.writeOutbound(m);
            for (ByteBuf b; (b = encoder.readOutbound()) != null; ) {
                byte[] bytes = new byte[b.readableBytes()];
                b.readBytes(bytes);
                b.release();
                out.write(bytes);
            }
            out.flush();
        }

        @Override
        public void close() throws Exception {
            socket.close();
        }
    }

    private static SSLContext ssl(JsonNode ready) throws Exception {
        KeyStore ts = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(Path.of(ready.get("truststore").asText()))) {
            ts.load(in, ready.get("truststorePassword").asText().toCharArray());
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ts);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        return ctx;
    }

    private static String ownerKey(JsonNode ready) {
        String cs = ready.get("connectionString").asText();
        return cs.substring(cs.indexOf("SharedAccessKey=") + "SharedAccessKey=".length());
    }

    private static void waitFor(BooleanSupplier condition, int seconds, java.util.function.Supplier<String> state) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new IllegalStateException("not within " + seconds + " s: " + state.get());
            Thread.sleep(5);
        }
    }
}

package dev.iolite.server.it;

import com.fasterxml.jackson.databind.JsonNode;
import dev.iolite.server.errors.ErrorCode;
import dev.iolite.server.errors.IoliteException;
import dev.iolite.server.jdbc.Database;
import dev.iolite.server.messages.DeviceMessage;
import dev.iolite.server.messages.MessageSink;
import dev.iolite.server.messages.Partitions;
import dev.iolite.server.registry.DeviceKey;
import dev.iolite.server.testkit.Postgres;
import dev.iolite.server.testkit.ServerExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The built-in endpoint end to end on a real server: messages appended through the server's {@code MessageSink}
 * (as the MQTT listener does) and read back through the tail route ({@code GET /iolite/messages}). Each test uses
 * a hub of its own.
 */
class MessagesIT {
    /** The server's clock: the system's, moved forward by the retention test. */
    static final class MovableClock extends Clock {
        private volatile Duration ahead = Duration.ZERO;

        void advance(Duration d) { ahead = ahead.plus(d); }

        @Override public Instant instant() { return Instant.now().plus(ahead); }
        @Override public ZoneId getZone() { return ZoneOffset.UTC; }
        @Override public Clock withZone(ZoneId zone) { return this; }
    }

    static final MovableClock CLOCK = new MovableClock();
    static final long MAX_BYTES = 1L << 20;

    @RegisterExtension
    static final ServerExtension server = new ServerExtension(c -> c.withClock(CLOCK)
            .withDevices(c.devices().withTelemetry(Duration.ofMinutes(1), MAX_BYTES)));

    private static DeviceMessage message(String hub, String device, String module, int i, Map<String, String> app, byte[] body) {
        Map<String, String> system = new LinkedHashMap<>();
        system.put("message-id", "m-" + i);
        system.put("correlation-id", "c-" + i);
        system.put("content-type", "application/json");
        system.put("content-encoding", "utf-8");
        return new DeviceMessage(hub, new DeviceKey(device, module), system, app, body,
                "{\"scope\":\"device\",\"type\":\"sas\",\"issuer\":\"iothub\"}", Instant.now());
    }

    private static DeviceMessage message(String hub, String device, int i) {
        Map<String, String> app = new LinkedHashMap<>();
        app.put("zeta", "1");
        app.put("alpha", "2");
        app.put("n", Integer.toString(i));
        return message(hub, device, null, i, app, ("{\"n\":" + i + "}").getBytes(StandardCharsets.UTF_8));
    }

    private static Thread started(Runnable r) {
        Thread t = new Thread(r);
        t.start();
        return t;
    }

    private static MessageSink sink() { return server.iolite().messageSink(); }

    private static JsonNode read(String sas, String query) throws Exception {
        HttpResponse<String> r = server.send("GET", "/iolite/messages?api-version=2021-04-12" + query, sas, null);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return ServerExtension.JSON.readTree(r.body());
    }

    @Test
    void sequenceNumbersRiseByOnePerPartitionAndPropertiesAreKeptInOrder() throws Exception {
        String hub = "msg-order";
        String sas = server.createHub(hub);
        List<CompletableFuture<Void>> sent = new ArrayList<>();
        // GIVEN 8 devices sending 25 messages each from threads of their own
        List<Thread> threads = new ArrayList<>();
        for (int d = 0; d < 8; d++) {
            String device = "dev-" + d;
            threads.add(started(() -> {
                for (int i = 0; i < 25; i++) {
                    CompletableFuture<Void> f = sink().append(message(hub, device, i));
                    synchronized (sent) {
                        sent.add(f);
                    }
                }
            }));
        }
        for (Thread t : threads) t.join();
        CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
        // WHEN all are read from the start
        JsonNode page = read(sas, "&from=start&maxItems=1000");
        // THEN each partition numbers its messages 0, 1, 2, ... and a device keeps to its partition, in its order
        assertThat(page.get("messages")).hasSize(200);
        Map<Integer, Long> next = new HashMap<>();
        Map<String, Integer> lastOfDevice = new HashMap<>();
        for (JsonNode m : page.get("messages")) {
            int p = m.get("partition").asInt();
            String device = m.get("deviceId").asText();
            assertThat(p).isEqualTo(Partitions.of(device, 4));
            assertThat(m.get("sequenceNumber").asLong()).isEqualTo(next.getOrDefault(p, 0L));
            next.put(p, m.get("sequenceNumber").asLong() + 1);
            int n = m.get("properties").get("n").asInt();
            assertThat(n).isEqualTo(lastOfDevice.getOrDefault(device, -1) + 1);
            lastOfDevice.put(device, n);
            assertThat(m.get("properties").fieldNames()).toIterable().containsExactly("zeta", "alpha", "n");
            assertThat(m.get("body").asText()).isEqualTo("{\"n\":" + n + "}");
            JsonNode sys = m.get("systemProperties");
            assertThat(sys.get("message-id").asText()).isEqualTo("m-" + n);
            assertThat(sys.get("correlation-id").asText()).isEqualTo("c-" + n);
            assertThat(sys.get("content-type").asText()).isEqualTo("application/json");
            assertThat(sys.get("content-encoding").asText()).isEqualTo("utf-8");
            assertThat(sys.get("iothub-connection-device-id").asText()).isEqualTo(device);
            assertThat(sys.get("iothub-connection-auth-method").asText()).contains("sas");
            assertThat(sys.get("iothub-message-source").asText()).isEqualTo("Telemetry");
            assertThat(Instant.parse(sys.get("iothub-enqueuedtime").asText())).isEqualTo(Instant.parse(m.get("enqueuedTime").asText()));
        }
        assertThat(lastOfDevice.values()).containsOnly(24);
        // the cursor stands after the last message of each partition
        String[] cursor = page.get("cursor").asText().split(",");
        for (int p = 0; p < 4; p++) assertThat(Long.parseLong(cursor[p])).isEqualTo(next.getOrDefault(p, 0L));
    }

    @Test
    void aModulesMessageNamesItsModule() throws Exception {
        String hub = "msg-module";
        String sas = server.createHub(hub);
        sink().append(message(hub, "dev-m", "mod-1", 0, Map.of(), new byte[] {(byte) 0xff, 0, 1})).get(10, TimeUnit.SECONDS);
        JsonNode m = read(sas, "").get("messages").get(0);
        assertThat(m.get("moduleId").asText()).isEqualTo("mod-1");
        assertThat(m.get("systemProperties").get("iothub-connection-module-id").asText()).isEqualTo("mod-1");
        assertThat(m.get("bodyBase64").asText()).isEqualTo("/wAB");
    }

    @Test
    void messagesOutliveARestartAndNumberingGoesOn() throws Exception {
        String hub = "msg-restart";
        server.createHub(hub);
        for (int i = 0; i < 3; i++) sink().append(message(hub, "dev-r", i)).get(10, TimeUnit.SECONDS);
        // a read waiting for new messages does not hold up the stop: it answers at once, empty
        String sas = server.ownerSasOf(hub);
        CompletableFuture<HttpResponse<String>> waiting = CompletableFuture.supplyAsync(() -> {
            try {
                return server.send("GET", "/iolite/messages?api-version=2021-04-12&from=now&wait=25", sas, null);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        Thread.sleep(500);
        long stopping = System.nanoTime();
        server.restart();
        assertThat((System.nanoTime() - stopping) / 1_000_000).as("restart time").isLessThan(20_000);
        HttpResponse<String> answered = waiting.get(5, TimeUnit.SECONDS);
        assertThat(answered.statusCode()).isEqualTo(200);
        assertThat(ServerExtension.JSON.readTree(answered.body()).get("messages")).isEmpty();
        sink().append(message(hub, "dev-r", 3)).get(10, TimeUnit.SECONDS);
        JsonNode messages = read(server.ownerSasOf(hub), "&deviceId=dev-r").get("messages");
        assertThat(messages).hasSize(4);
        for (int i = 0; i < 4; i++) {
            assertThat(messages.get(i).get("sequenceNumber").asLong()).isEqualTo(i);
            assertThat(messages.get(i).get("properties").get("n").asInt()).isEqualTo(i);
        }
    }

    @Test
    void theTrimDeletesTheOldestPastTheByteBoundAndEverythingPastTheRetention() throws Exception {
        String hub = "msg-trim";
        String sas = server.createHub(hub);
        // GIVEN 40 messages of 40,000 bytes (1.6 MB) from one device, past the hub's bound of 1 MiB
        byte[] body = new byte[40_000];
        java.util.Arrays.fill(body, (byte) 'x');
        for (int i = 0; i < 40; i++) sink().append(message(hub, "dev-t", null, i, Map.of("n", Integer.toString(i)), body));
        sink().append(message(hub, "dev-t", null, 40, Map.of("n", "40"), body)).get(30, TimeUnit.SECONDS);
        // WHEN the trim runs
        server.iolite().messageRetention().trim();
        // THEN the oldest went, just enough of them for the rest to fit, and the newest stayed
        List<JsonNode> kept = new ArrayList<>();
        String cursor = "0,0,0,0";
        while (true) {
            JsonNode page = read(sas, "&cursor=" + cursor);
            if (page.get("messages").isEmpty()) break;
            page.get("messages").forEach(kept::add);
            cursor = page.get("cursor").asText();
        }
        long size = size(kept.get(0));
        assertThat(kept.get(kept.size() - 1).get("sequenceNumber").asLong()).isEqualTo(40);
        assertThat(kept.get(0).get("sequenceNumber").asLong()).isEqualTo(41 - kept.size());
        assertThat(kept.size() * size).isLessThanOrEqualTo(MAX_BYTES);
        assertThat((kept.size() + 1) * size).isGreaterThan(MAX_BYTES);

        // WHEN the retention (1 minute) has passed
        CLOCK.advance(Duration.ofMinutes(2));
        server.iolite().messageRetention().trim();
        // THEN nothing is left, and new messages are numbered on
        assertThat(read(sas, "&from=start").get("messages")).isEmpty();
        sink().append(message(hub, "dev-t", 41)).get(10, TimeUnit.SECONDS);
        JsonNode after = read(sas, "&from=start").get("messages");
        assertThat(after).hasSize(1);
        assertThat(after.get(0).get("sequenceNumber").asLong()).isEqualTo(41);
    }

    @Test
    void aHubPastTheRetentionIsTrimmedWhateverTheHubsBeforeItHold() throws Exception {
        // GIVEN a hub with a message past the retention, and 60 hubs, listed before it, whose 240 partitions hold recent ones
        String old = "zz-msg-aged";
        String sas = server.createHub(old);
        sink().append(message(old, "dev-aged", 0)).get(10, TimeUnit.SECONDS);
        CLOCK.advance(Duration.ofMinutes(2));
        List<String> onePerPartition = new ArrayList<>();
        for (int i = 0; onePerPartition.size() < 4; i++) {
            if (Partitions.of("d-" + i, 4) == onePerPartition.size()) onePerPartition.add("d-" + i);
        }
        List<CompletableFuture<Void>> sent = new ArrayList<>();
        for (int h = 0; h < 60; h++) {
            String hub = String.format("msg-recent-%02d", h);
            server.createHub(hub);
            for (String device : onePerPartition) sent.add(sink().append(message(hub, device, 0)));
        }
        CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
        // WHEN one round of the trim runs
        server.iolite().messageRetention().trim();
        // THEN the aged message is gone: the recent partitions cost the round's budget nothing
        assertThat(read(sas, "&from=start").get("messages")).isEmpty();
    }

    /** A stored message's size as the byte bound counts it: body, and names and values of both property sets. */
    private static long size(JsonNode m) {
        long n = m.get("body").asText().getBytes(StandardCharsets.UTF_8).length;
        for (String set : List.of("systemProperties", "properties")) {
            for (var e : (Iterable<Map.Entry<String, JsonNode>>) () -> m.get(set).fields()) {
                n += e.getKey().length() + e.getValue().asText().length();
            }
        }
        return n;
    }

    @Test
    void aFullQueueRefusesAtOnceWith429AndTheQueuedMessagesAreWrittenLater() throws Exception {
        String hub = "msg-full";
        server.createHub(hub);
        sink().append(message(hub, "dev-f", 0)).get(10, TimeUnit.SECONDS);
        // GIVEN the store's writes blocked by a transaction of another connection
        CountDownLatch locked = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        try (Database other = Postgres.SELECTED ? Database.openPostgres(server.config().store())
                : Database.openSqlite(server.dataDir().resolve("iolite.db"))) {
            Thread holder = started(() -> other.inTransaction(c -> {
                try (var st = c.createStatement()) {
                    st.execute(Postgres.SELECTED ? "LOCK TABLE message_partitions IN EXCLUSIVE MODE"
                            : "UPDATE message_partitions SET next_sequence = next_sequence WHERE 0 = 1");
                }
                locked.countDown();
                try {
                    release.await(60, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return null;
            }));
            assertThat(locked.await(10, TimeUnit.SECONDS)).isTrue();
            // WHEN far more messages are appended than the queue holds
            List<CompletableFuture<Void>> accepted = new ArrayList<>();
            CompletableFuture<Void> refused = null;
            long started = System.nanoTime();
            for (int i = 1; i <= 25_000 && refused == null; i++) {
                CompletableFuture<Void> f = sink().append(message(hub, "dev-f", i));
                if (f.isCompletedExceptionally()) refused = f;
                else accepted.add(f);
            }
            long millis = (System.nanoTime() - started) / 1_000_000;
            // THEN an append is refused at once with IoT Hub's throttling error, and no caller waited for the store
            assertThat(refused).isNotNull();
            try {
                refused.get();
            } catch (ExecutionException e) {
                assertThat(e.getCause()).isInstanceOf(IoliteException.class);
                assertThat(((IoliteException) e.getCause()).errorCode()).isEqualTo(ErrorCode.THROTTLED);
            }
            assertThat(millis).as("appends while the store is blocked take no time").isLessThan(10_000);
            assertThat(accepted).allMatch(f -> !f.isDone());
            release.countDown();
            holder.join(30_000);
            // and once the store is free, everything accepted is committed
            CompletableFuture.allOf(accepted.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
        }
    }

    @Test
    void aWaitingReadAnswersWhenAMessageArrives() throws Exception {
        String hub = "msg-wait";
        String sas = server.createHub(hub);
        sink().append(message(hub, "dev-old", 0)).get(10, TimeUnit.SECONDS);
        JsonNode empty = read(sas, "&from=now");
        assertThat(empty.get("messages")).isEmpty();
        String cursor = empty.get("cursor").asText();
        // GIVEN a read from the end that waits up to 20 s
        long started = System.nanoTime();
        CompletableFuture<JsonNode> waiting = CompletableFuture.supplyAsync(() -> {
            try {
                return read(sas, "&wait=20&cursor=" + cursor);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        Thread.sleep(500);
        assertThat(waiting).isNotDone();
        // WHEN a message arrives
        sink().append(message(hub, "dev-new", 1)).get(10, TimeUnit.SECONDS);
        // THEN the read answers with it, long before its wait is over
        JsonNode page = waiting.get(15, TimeUnit.SECONDS);
        assertThat((System.nanoTime() - started) / 1_000_000).isLessThan(15_000);
        assertThat(page.get("messages")).hasSize(1);
        assertThat(page.get("messages").get(0).get("deviceId").asText()).isEqualTo("dev-new");
        // and a read with nothing new waits its time and answers empty, with the cursor unchanged
        long t0 = System.nanoTime();
        JsonNode none = read(sas, "&wait=1&cursor=" + page.get("cursor").asText());
        assertThat((System.nanoTime() - t0) / 1_000_000).isGreaterThanOrEqualTo(900);
        assertThat(none.get("messages")).isEmpty();
        assertThat(none.get("cursor").asText()).isEqualTo(page.get("cursor").asText());
        // a device's filter shows only its messages
        JsonNode old = read(sas, "&deviceId=dev-old");
        assertThat(old.get("messages")).hasSize(1);
        assertThat(old.get("messages").get(0).get("deviceId").asText()).isEqualTo("dev-old");
    }

    @Test
    void aCallerOfOneHubNeverReadsAnotherHubsMessages() throws Exception {
        String a = server.createHub("msg-iso-a");
        server.createHub("msg-iso-b");
        sink().append(message("msg-iso-b", "secret-dev", 0)).get(10, TimeUnit.SECONDS);
        sink().append(message("msg-iso-a", "own-dev", 0)).get(10, TimeUnit.SECONDS);
        JsonNode page = read(a, "&from=start&maxItems=1000");
        assertThat(page.get("messages")).extracting(m -> m.get("deviceId").asText()).containsExactly("own-dev");
        assertThat(read(a, "&deviceId=secret-dev").get("messages")).isEmpty();
    }

    @Test
    void badReadsAre400sInIotHubsFormatAndNeedServiceConnect() throws Exception {
        String sas = server.ownerSas();
        for (String query : List.of("&cursor=1,2", "&cursor=a,b,c,d", "&cursor=-1,0,0,0", "&from=yesterday", "&wait=26",
                "&wait=x", "&maxItems=0", "&maxItems=1001", "&from=now&cursor=0,0,0,0", "&deviceId=")) {
            HttpResponse<String> r = server.send("GET", "/iolite/messages?api-version=2021-04-12" + query, sas, null);
            assertThat(r.statusCode()).as(query).isEqualTo(400);
            assertThat(r.headers().firstValue("iothub-errorcode")).as(query).contains("ArgumentInvalid");
            assertThat(ServerExtension.hubError(r).get("errorCode").asInt()).isEqualTo(400004);
        }
        assertThat(server.send("GET", "/iolite/messages", null, null).statusCode()).isEqualTo(401);
    }
}

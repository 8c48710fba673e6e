package dev.iolite.server.it;

import com.fasterxml.jackson.databind.JsonNode;
import dev.iolite.server.jdbc.Database;
import dev.iolite.server.jdbc.messages.JdbcMessageStore;
import dev.iolite.server.messages.DeviceMessage;
import dev.iolite.server.messages.MessageLog;
import dev.iolite.server.messages.MessageMetrics;
import dev.iolite.server.messages.MessageSink;
import dev.iolite.server.registry.DeviceKey;
import dev.iolite.server.testkit.PostgresqlOnly;
import dev.iolite.server.testkit.ServerExtension;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Two nodes' writers on one PostgreSQL store number a partition's messages together, never giving a number twice. */
@PostgresqlOnly("several nodes share one store only on PostgreSQL")
class MessageNumberingIT {
    @RegisterExtension
    static final ServerExtension server = new ServerExtension();

    @Test
    void twoNodesAppendingAtOnceGiveEachPartitionOneGaplessSequence() throws Exception {
        String hub = "msg-nodes";
        String sas = server.createHub(hub);
        // GIVEN a second node's writer on the same store
        try (Database other = Database.openPostgres(server.config().store());
             MessageLog second = new MessageLog(new JdbcMessageStore(other), 4, Clock.systemUTC(), MessageLog.Tuning.DEFAULTS,
                     new MessageMetrics(new SimpleMeterRegistry()))) {
            // WHEN both append 1,000 messages of the same 10 devices at once
            List<CompletableFuture<Void>> sent = new ArrayList<>();
            for (int i = 0; i < 1000; i++) {
                MessageSink node = i % 2 == 0 ? server.iolite().messageSink() : second;
                sent.add(node.append(new DeviceMessage(hub, DeviceKey.device("d-" + (i % 10)), Map.of(), Map.of("i", Integer.toString(i)),
                        "x".getBytes(StandardCharsets.UTF_8), null, Instant.now())));
            }
            CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
        }
        // THEN each partition holds 0, 1, 2, ... once each, and every message is there
        Map<Integer, Set<Long>> seen = new HashMap<>();
        Set<String> bodies = new HashSet<>();
        String cursor = "0,0,0,0";
        while (true) {
            HttpResponse<String> r = server.send("GET", "/iolite/messages?api-version=2021-04-12&maxItems=1000&cursor=" + cursor, sas, null);
            JsonNode page = ServerExtension.JSON.readTree(r.body());
            if (page.get("messages").isEmpty()) break;
            for (JsonNode m : page.get("messages")) {
                assertThat(seen.computeIfAbsent(m.get("partition").asInt(), p -> new HashSet<>()).add(m.get("sequenceNumber").asLong())).isTrue();
                bodies.add(m.get("properties").get("i").asText());
            }
            cursor = page.get("cursor").asText();
        }
        assertThat(bodies).hasSize(1000);
        for (Set<Long> numbers : seen.values()) {
            assertThat(numbers).allMatch(n -> n >= 0 && n < numbers.size());
        }
    }
}

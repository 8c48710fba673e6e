package dev.iolite.server.amqp;

import dev.iolite.server.messages.StoredMessage;
import org.apache.qpid.proton.Proton;
import org.apache.qpid.proton.amqp.Symbol;
import org.apache.qpid.proton.amqp.messaging.Data;
import org.apache.qpid.proton.message.Message;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class EventCodecTest {
    @Test
    void anEventCarriesEventHubsAnnotationsWithTheTypesTheClientsCastTo() {
        Map<String, String> system = new LinkedHashMap<>();
        system.put("message-id", "m-1");
        system.put("correlation-id", "c-1");
        system.put("content-type", "application/json");
        system.put("content-encoding", "utf-8");
        system.put("iothub-connection-device-id", "dev-1");
        system.put("iothub-enqueuedtime", "2026-12-06T10:00:00Z");
        system.put("iothub-message-source", "Telemetry");
        Instant enqueued = Instant.parse("2026-12-06T10:00:00.123Z");
        byte[] body = "{\"t\":21}".getBytes(StandardCharsets.UTF_8);
        StoredMessage m = new StoredMessage("hub", 2, 41, 9000, enqueued, "dev-1", null, system, Map.of("site", "north"), body);

        byte[] encoded = EventCodec.encode(m);
        Message back = Proton.message();
        back.decode(encoded, 0, encoded.length);

        Map<Symbol, Object> a = back.getMessageAnnotations().getValue();
        assertThat(a.get(Symbol.valueOf("x-opt-sequence-number"))).isEqualTo(41L);
        assertThat(a.get(Symbol.valueOf("x-opt-offset"))).isEqualTo("9000");
        assertThat(a.get(Symbol.valueOf("x-opt-enqueued-time"))).isEqualTo(Date.from(enqueued));
        assertThat(a.get(Symbol.valueOf("iothub-enqueuedtime"))).isEqualTo(Date.from(enqueued));
        assertThat(a.get(Symbol.valueOf("iothub-connection-device-id"))).isEqualTo("dev-1");
        assertThat(a.get(Symbol.valueOf("iothub-message-source"))).isEqualTo("Telemetry");
        assertThat(back.getProperties().getMessageId()).isEqualTo("m-1");
        assertThat(back.getProperties().getCorrelationId()).isEqualTo("c-1");
        assertThat(back.getProperties().getContentType().toString()).isEqualTo("application/json");
        assertThat(back.getApplicationProperties().getValue()).containsEntry("site", "north");
        assertThat(((Data) back.getBody()).getValue().getArray()).isEqualTo(body);
    }

    @Test
    void aMessageWithLargePropertiesStillFitsItsBuffer() {
        Map<String, String> system = Map.of("message-id", "é".repeat(2000));
        StoredMessage m = new StoredMessage("hub", 0, 0, 0, Instant.now(), "d", null, system, Map.of("k", "ü".repeat(80_000)), new byte[0]);
        Message back = Proton.message();
        byte[] encoded = EventCodec.encode(m);
        back.decode(encoded, 0, encoded.length);
        assertThat((String) back.getApplicationProperties().getValue().get("k")).isEqualTo("ü".repeat(80_000));
    }
}

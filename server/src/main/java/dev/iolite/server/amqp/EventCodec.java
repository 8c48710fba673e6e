package dev.iolite.server.amqp;

import dev.iolite.server.messages.StoredMessage;
import org.apache.qpid.proton.Proton;
import org.apache.qpid.proton.amqp.Binary;
import org.apache.qpid.proton.amqp.Symbol;
import org.apache.qpid.proton.amqp.messaging.ApplicationProperties;
import org.apache.qpid.proton.amqp.messaging.Data;
import org.apache.qpid.proton.amqp.messaging.MessageAnnotations;
import org.apache.qpid.proton.amqp.messaging.Properties;
import org.apache.qpid.proton.codec.WritableBuffer;
import org.apache.qpid.proton.message.Message;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A kept device message as an Event Hubs event, the way IoT Hub's built-in endpoint writes it
 * (https://learn.microsoft.com/azure/iot-hub/iot-hub-devguide-messages-construct): the properties section carries
 * the message and correlation ids, user id, content type and encoding; the message annotations carry Event Hubs'
 * {@code x-opt-sequence-number} (long), {@code x-opt-offset} (string) and {@code x-opt-enqueued-time} (timestamp),
 * and IoT Hub's {@code iothub-*} system properties ({@code iothub-enqueuedtime} as a timestamp); the device's
 * application properties are the application properties; the body is one data section.
 */
final class EventCodec {
    private EventCodec() {}

    private static final Symbol SEQUENCE = Symbol.valueOf("x-opt-sequence-number");
    private static final Symbol OFFSET = Symbol.valueOf("x-opt-offset");
    private static final Symbol ENQUEUED = Symbol.valueOf("x-opt-enqueued-time");

    /** The event's AMQP encoding. */
    static byte[] encode(StoredMessage m) {
        Message msg = Proton.message();
        Properties props = new Properties();
        Map<Symbol, Object> annotations = new LinkedHashMap<>();
        annotations.put(SEQUENCE, m.sequence());
        annotations.put(OFFSET, Long.toString(m.offset()));
        annotations.put(ENQUEUED, Date.from(m.enqueued()));
        for (Map.Entry<String, String> e : m.system().entrySet()) {
            String v = e.getValue();
            switch (e.getKey()) {
                case "message-id" -> props.setMessageId(v);
                case "correlation-id" -> props.setCorrelationId(v);
                case "user-id" -> props.setUserId(new Binary(v.getBytes(StandardCharsets.UTF_8)));
                case "to" -> props.setTo(v);
                case "content-type" -> props.setContentType(Symbol.valueOf(v));
                case "content-encoding" -> props.setContentEncoding(Symbol.valueOf(v));
                case "absolute-expiry-time" -> {
                    Date d = date(v);
                    if (d != null) props.setAbsoluteExpiryTime(d);
                }
                case "iothub-enqueuedtime" -> annotations.put(Symbol.valueOf(e.getKey()), Date.from(m.enqueued()));
                default -> annotations.put(Symbol.valueOf(e.getKey()), v);
            }
        }
        msg.setProperties(props);
        msg.setMessageAnnotations(new MessageAnnotations(annotations));
        if (!m.application().isEmpty()) msg.setApplicationProperties(new ApplicationProperties(new LinkedHashMap<>(m.application())));
        msg.setBody(new Data(new Binary(m.body())));
        // properties are counted in chars; UTF-8 takes up to 3 bytes for one, and each has a few bytes of framing
        int capacity = m.body().length + 4 * (int) (m.size() - m.body().length) + 16 * (m.system().size() + m.application().size()) + 512;
        WritableBuffer.ByteBufferWrapper out = WritableBuffer.ByteBufferWrapper.allocate(capacity);
        msg.encode(out);
        java.nio.ByteBuffer b = out.byteBuffer();
        b.flip();
        byte[] bytes = new byte[b.remaining()];
        b.get(bytes);
        return bytes;
    }

    private static Date date(String v) {
        try {
            return Date.from(Instant.parse(v));
        } catch (DateTimeParseException e) {
            return null;
        }
    }
}

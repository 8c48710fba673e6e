package dev.iolite.server.amqp;

import dev.iolite.server.messages.CloudMessages;
import dev.iolite.server.messages.FeedbackRecord;
import org.apache.qpid.proton.Proton;
import org.apache.qpid.proton.amqp.Binary;
import org.apache.qpid.proton.amqp.Symbol;
import org.apache.qpid.proton.amqp.messaging.Accepted;
import org.apache.qpid.proton.amqp.messaging.Data;
import org.apache.qpid.proton.amqp.messaging.MessageAnnotations;
import org.apache.qpid.proton.amqp.messaging.Properties;
import org.apache.qpid.proton.amqp.messaging.Rejected;
import org.apache.qpid.proton.amqp.transport.DeliveryState;
import org.apache.qpid.proton.engine.Delivery;
import org.apache.qpid.proton.engine.Sender;
import org.apache.qpid.proton.message.Message;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * The service clients' feedback receiver ({@code /messages/serviceBound/feedback}): the hub's feedback records, up to
 * {@link #BATCH} to a message, as IoT Hub sends them (body: a JSON array of records; content type
 * {@code application/vnd.microsoft.iothub.feedback.json}; user id: the hub's name; annotation
 * {@code iothub-enqueuedtime}; a 16-byte delivery tag). {@code accepted} or {@code rejected} completes a message's
 * records; {@code released}, {@code modified} or a link that ends first sends them again. One message is out at a
 * time; without records the reader waits for the hub's next ones, and looks again every {@link #RECHECK_MS} (another
 * node's deliveries).
 */
final class FeedbackReader implements AmqpConnection.LinkEndpoint {
    private static final Logger LOG = LoggerFactory.getLogger(FeedbackReader.class);
    static final int BATCH = 64;
    static final long RECHECK_MS = 1000;
    static final String CONTENT_TYPE = "application/vnd.microsoft.iothub.feedback.json";
    /** IoT Hub's form of {@code enqueuedTimeUtc}: seven digits of fraction, always (the Java service client needs one). */
    static final java.time.format.DateTimeFormatter TIME = java.time.format.DateTimeFormatter
            .ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSSS'Z'").withZone(java.time.ZoneOffset.UTC);

    private final AmqpConnection connection;
    private final Sender sender;
    private final String hub;
    private final CloudMessages cloud;
    private final FeedbackReaders readers;
    private long after;
    private boolean reading;
    private boolean waiting;
    private boolean closed;
    private final Map<Delivery, List<Long>> out = new HashMap<>();

    FeedbackReader(AmqpConnection connection, Sender sender, String hub, CloudMessages cloud, FeedbackReaders readers) {
        this.connection = connection;
        this.sender = sender;
        this.hub = hub;
        this.cloud = cloud;
        this.readers = readers;
    }

    void wake() {
        connection.run(() -> {
            if (!waiting) return;
            waiting = false;
            readers.unpark(hub, this);
            flow();
        });
    }

    @Override
    public void flow() {
        if (closed || reading || waiting || !out.isEmpty() || sender.getCredit() <= 0) return;
        reading = true;
        long from = after;
        try {
            connection.cx.reads().execute(() -> {
                List<FeedbackRecord> got;
                try {
                    got = cloud.feedback(hub, from, BATCH);
                } catch (RuntimeException e) {
                    LOG.warn("reading the feedback of hub {} failed", hub, e);
                    got = List.of();
                }
                List<FeedbackRecord> read = got;
                connection.run(() -> deliver(read));
            });
        } catch (RejectedExecutionException busy) {
            reading = false;
            park();
        }
    }

    private void deliver(List<FeedbackRecord> records) {
        reading = false;
        if (closed) return;
        if (records.isEmpty()) {
            park();
            return;
        }
        StringBuilder body = new StringBuilder("[");
        List<Long> ids = new ArrayList<>(records.size());
        for (FeedbackRecord f : records) {
            if (ids.size() > 0) body.append(',');
            body.append(json(f));
            ids.add(f.id());
        }
        body.append(']');
        after = records.get(records.size() - 1).id();
        Message m = Proton.message();
        Properties p = new Properties();
        p.setMessageId(UUID.randomUUID().toString());
        p.setContentType(Symbol.valueOf(CONTENT_TYPE));
        p.setContentEncoding(Symbol.valueOf("utf-8"));
        p.setUserId(new Binary(hub.getBytes(StandardCharsets.UTF_8)));
        m.setProperties(p);
        Map<Symbol, Object> annotations = new HashMap<>();
        annotations.put(Symbol.valueOf("iothub-enqueuedtime"), new Date(connection.cx.clock().millis()));
        m.setMessageAnnotations(new MessageAnnotations(annotations));
        m.setBody(new Data(new Binary(body.toString().getBytes(StandardCharsets.UTF_8))));
        byte[] buf = new byte[body.length() * 3 + 1024];
        int n = m.encode(buf, 0, buf.length);
        UUID tag = UUID.randomUUID();
        Delivery d = sender.delivery(ByteBuffer.allocate(16).putLong(tag.getMostSignificantBits()).putLong(tag.getLeastSignificantBits()).array());
        sender.send(buf, 0, n);
        sender.advance();
        out.put(d, ids);
    }

    private void park() {
        waiting = true;
        readers.park(hub, this);
        connection.channel().executor().schedule(() -> connection.run(() -> {
            if (!waiting) return;
            waiting = false;
            readers.unpark(hub, this);
            flow();
        }), RECHECK_MS, TimeUnit.MILLISECONDS);
    }

    @Override
    public void delivery(Delivery d) {
        DeliveryState state = d.getRemoteState();
        if (state == null && !d.remotelySettled()) return;
        List<Long> ids = out.remove(d);
        d.settle();
        if (ids == null) return;
        if (state instanceof Accepted || state instanceof Rejected) {
            try {
                connection.cx.reads().execute(() -> {
                    try {
                        cloud.feedbackCompleted(hub, ids);
                    } catch (RuntimeException e) {
                        LOG.warn("completing feedback of hub {} failed; it is sent again", hub, e);
                    }
                });
            } catch (RejectedExecutionException busy) {
                after = Math.min(after, ids.get(0) - 1);
            }
        } else {
            after = Math.min(after, ids.get(0) - 1);  // released or modified: these records go out again
        }
        flow();
    }

    @Override
    public void closed() {
        closed = true;
        readers.unpark(hub, this);
    }

    private static String json(FeedbackRecord f) {
        return "{\"originalMessageId\":" + quote(f.originalMessageId()) + ",\"enqueuedTimeUtc\":" + quote(TIME.format(f.enqueued()))
                + ",\"statusCode\":" + quote(f.status().wire()) + ",\"description\":" + quote(f.description())
                + ",\"deviceId\":" + quote(f.deviceId()) + ",\"deviceGenerationId\":" + quote(f.deviceGenerationId()) + "}";
    }

    private static String quote(String s) {
        if (s == null) return "null";
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            if (c == '"' || c == '\\') b.append('\\').append(c);
            else if (c < 0x20) b.append(String.format("\\u%04x", (int) c));
            else b.append(c);
        }
        return b.append('"').toString();
    }
}

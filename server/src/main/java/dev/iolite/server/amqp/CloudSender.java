package dev.iolite.server.amqp;

import dev.iolite.server.errors.ErrorCode;
import dev.iolite.server.errors.IoliteException;
import dev.iolite.server.messages.CloudMessages;
import org.apache.qpid.proton.Proton;
import org.apache.qpid.proton.amqp.Binary;
import org.apache.qpid.proton.amqp.Symbol;
import org.apache.qpid.proton.amqp.messaging.Accepted;
import org.apache.qpid.proton.amqp.messaging.AmqpValue;
import org.apache.qpid.proton.amqp.messaging.Data;
import org.apache.qpid.proton.amqp.messaging.Properties;
import org.apache.qpid.proton.amqp.messaging.Rejected;
import org.apache.qpid.proton.amqp.transport.ErrorCondition;
import org.apache.qpid.proton.engine.Delivery;
import org.apache.qpid.proton.engine.Receiver;
import org.apache.qpid.proton.message.Message;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.RejectedExecutionException;

/**
 * The service clients' cloud-to-device sender link ({@code /messages/devicebound}): each message names its identity
 * in {@code to} ({@code /devices/{id}/messages/devicebound}, or a module's), and is queued with IoT Hub's rules; the
 * delivery's outcome is {@code accepted} once it is stored, or {@code rejected} with the AMQP error IoT Hub gives
 * ({@code amqp:not-found}, {@code amqp:resource-limit-exceeded}, {@code amqp:link:message-size-exceeded},
 * {@code com.microsoft:argument-error}). At most {@link #CREDIT} messages are taken at once, and credit is given back
 * half of it at a time: a flow frame per message costs both ends, and the Java service client starts a timer of its
 * own for each flow it receives.
 */
final class CloudSender implements AmqpConnection.LinkEndpoint {
    private static final Logger LOG = LoggerFactory.getLogger(CloudSender.class);
    static final int CREDIT = 64;

    private final AmqpConnection connection;
    private final Receiver receiver;
    private final String hub;
    private final CloudMessages cloud;
    /** Messages settled since credit was last given back. */
    private int settled;

    CloudSender(AmqpConnection connection, Receiver receiver, String hub, CloudMessages cloud) {
        this.connection = connection;
        this.receiver = receiver;
        this.hub = hub;
        this.cloud = cloud;
    }

    void start() { receiver.flow(CREDIT); }

    @Override
    public void delivery(Delivery d) {
        if (!d.isReadable() || d.isPartial()) {
            if (d.pending() > AmqpConnection.MAX_MESSAGE) {
                connection.detach(receiver, "amqp:link:message-size-exceeded", "a message may hold " + CloudMessages.MAX_BYTES + " bytes");
            }
            return;
        }
        byte[] bytes = new byte[d.pending()];
        int n = receiver.recv(bytes, 0, bytes.length);
        receiver.advance();
        Message m = Proton.message();
        try {
            m.decode(bytes, 0, Math.max(0, n));
        } catch (RuntimeException bad) {
            settle(d, "com.microsoft:argument-error", "the message could not be decoded");
            return;
        }
        try {
            connection.cx.reads().execute(() -> send(m).whenComplete((error, never) ->
                    connection.run(() -> settle(d, error == null ? null : error[0], error == null ? null : error[1]))));
        } catch (RejectedExecutionException busy) {
            settle(d, "com.microsoft:server-busy", "the server is busy; try again");
        }
    }

    /**
     * Off the loop: checks the message and hands it to the queue's writer; completes with null once it is stored, or
     * with the AMQP error condition and description.
     */
    private java.util.concurrent.CompletableFuture<String[]> send(Message m) {
        try {
            Properties p = m.getProperties() == null ? new Properties() : m.getProperties();
            String to = p.getTo();
            String[] target = target(to);
            if (target == null) {
                return java.util.concurrent.CompletableFuture.completedFuture(new String[] {"com.microsoft:argument-error",
                        "the message's 'to' must be /devices/{deviceId}/messages/devicebound "
                        + "or /devices/{deviceId}/modules/{moduleId}/messages/devicebound"});
            }
            Map<String, String> system = new LinkedHashMap<>();
            put(system, "message-id", p.getMessageId());
            put(system, "correlation-id", p.getCorrelationId());
            if (p.getUserId() != null) system.put("user-id", new String(p.getUserId().getArray(), p.getUserId().getArrayOffset(), p.getUserId().getLength(), StandardCharsets.UTF_8));
            if (p.getContentType() != null) system.put("content-type", p.getContentType().toString());
            if (p.getContentEncoding() != null) system.put("content-encoding", p.getContentEncoding().toString());
            system.put("to", to);
            Map<String, String> application = new LinkedHashMap<>();
            String ack = null;
            if (m.getApplicationProperties() != null && m.getApplicationProperties().getValue() != null) {
                for (Map.Entry<?, ?> e : ((Map<?, ?>) m.getApplicationProperties().getValue()).entrySet()) {
                    String k = String.valueOf(e.getKey());
                    String v = e.getValue() == null ? "" : String.valueOf(e.getValue());
                    if (k.equalsIgnoreCase("iothub-ack")) ack = v;
                    else application.put(k, v);
                }
            }
            Instant expiry = p.getAbsoluteExpiryTime() == null || p.getAbsoluteExpiryTime().getTime() <= 0 ? null
                    : p.getAbsoluteExpiryTime().toInstant();
            return cloud.sendAsync(hub, target[0], target[1], system, application, body(m), expiry, ack)
                    .handle((sent, e) -> e == null ? null : error(e instanceof java.util.concurrent.CompletionException c ? c.getCause() : e));
        } catch (RuntimeException e) {
            return java.util.concurrent.CompletableFuture.completedFuture(error(e));
        }
    }

    private String[] error(Throwable e) {
        if (e instanceof IoliteException i) return new String[] {condition(i.errorCode()), i.getMessage()};
        LOG.warn("a cloud-to-device message for hub {} could not be queued", hub, e);
        return new String[] {"amqp:internal-error", "the message could not be queued; try again"};
    }

    private static void put(Map<String, String> system, String name, Object id) {
        if (id == null) return;
        system.put(name, id instanceof Binary b ? new String(b.getArray(), b.getArrayOffset(), b.getLength(), StandardCharsets.UTF_8) : id.toString());
    }

    private static byte[] body(Message m) {
        Object b = m.getBody();
        if (b instanceof Data d) return d.getValue() == null ? new byte[0] : d.getValue().getArray().length == d.getValue().getLength()
                ? d.getValue().getArray() : java.util.Arrays.copyOfRange(d.getValue().getArray(), d.getValue().getArrayOffset(),
                d.getValue().getArrayOffset() + d.getValue().getLength());
        if (b instanceof AmqpValue v && v.getValue() instanceof String s) return s.getBytes(StandardCharsets.UTF_8);
        if (b instanceof AmqpValue v && v.getValue() instanceof Binary bin) return bin.getArray();
        return new byte[0];
    }

    /** {@code [deviceId, moduleId or null]} from a message's {@code to}, or null when it names no identity. */
    static String[] target(String to) {
        if (to == null) return null;
        List<String> s = Claims.segments(to);
        if (s.size() == 4 && s.get(0).equals("devices") && s.get(2).equalsIgnoreCase("messages") && s.get(3).equalsIgnoreCase("devicebound")) {
            return new String[] {s.get(1), null};
        }
        if (s.size() == 6 && s.get(0).equals("devices") && s.get(2).equals("modules") && s.get(4).equalsIgnoreCase("messages")
                && s.get(5).equalsIgnoreCase("devicebound")) {
            return new String[] {s.get(1), s.get(3)};
        }
        return null;
    }

    static String condition(ErrorCode code) {
        return switch (code) {
            case DEVICE_NOT_FOUND, MODULE_NOT_FOUND, HUB_NOT_FOUND -> "amqp:not-found";
            case QUEUE_DEPTH_EXCEEDED -> "amqp:resource-limit-exceeded";
            case MESSAGE_TOO_LARGE -> "amqp:link:message-size-exceeded";
            case THROTTLED -> "com.microsoft:device-container-throttled";
            case SERVICE_UNAVAILABLE, SERVER_BUSY -> "com.microsoft:server-busy";
            default -> "com.microsoft:argument-error";
        };
    }

    private void settle(Delivery d, String condition, String description) {
        if (condition == null) {
            d.disposition(Accepted.getInstance());
        } else {
            Rejected r = new Rejected();
            r.setError(new ErrorCondition(Symbol.valueOf(condition), description));
            d.disposition(r);
        }
        d.settle();
        if (++settled >= CREDIT / 2 && receiver.getLocalState() == org.apache.qpid.proton.engine.EndpointState.ACTIVE) {
            receiver.flow(settled);
            settled = 0;
        }
    }
}

package dev.iolite.server.devices;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iolite.server.errors.ErrorCode;
import dev.iolite.server.errors.IoliteException;
import dev.iolite.server.registry.DeviceKey;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Base64;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Direct method calls to a device connected to another node, over the {@link NodeBus}: a small request and
 * response.
 *
 * <ol>
 * <li>{@link #invoke} publishes the call to every other node.</li>
 * <li>A node where the identity is connected with methods subscribed (or becomes so within the call's connect
 * timeout) claims the call on the bus and sends the request to the device with a request id of its own.</li>
 * <li>The device's answer reaches that node's {@link MethodAnswers}; the decorator of {@link #answers} recognises
 * the request id and relays the answer to the calling node, which completes the call's future.</li>
 * </ol>
 *
 * <p>The method-call service asks its own node's {@link DeviceSessions} first and this class for the rest: a call
 * that no node claims within {@link #CLAIM_WAIT} (or the call's connect timeout, when longer) completes with
 * {@link NotOnline}; a claimed call without an answer within its response timeout completes with
 * {@link TimedOut}. On a single node (a bus that reaches no other) every call is {@link NotOnline} at once.
 * Should a device be connected to two nodes for a moment (it moved, and the old connection is not closed yet),
 * both may claim; the first claim wins and the device may see the request twice.
 */
public final class RemoteMethods {
    private static final Logger LOG = LoggerFactory.getLogger(RemoteMethods.class);
    static final String CALL = "method-call";
    static final String CLAIM = "method-claim";
    static final String ANSWER = "method-answer";
    /** How long a call waits for a node to say it holds the device, when the call's connect timeout is shorter. */
    public static final Duration CLAIM_WAIT = Duration.ofSeconds(1);
    /** Calls under way from this node, and requests relayed by it, each at most; past it a call is refused (429). */
    public static final int MAX_PENDING = 10_000;
    /** How long a relayed request is remembered past its response timeout, for an answer that comes late. */
    static final Duration RELAY_GRACE = Duration.ofSeconds(5);

    /** How a call ended. */
    public sealed interface Outcome permits Answered, NotOnline, TimedOut {}

    /** The device answered with {@code status} and {@code payload} (its body as sent, UTF-8; empty for none). */
    public record Answered(int status, byte[] payload) implements Outcome {}

    /** No node held the identity, with methods subscribed, in time: IoT Hub's 404103 DeviceNotOnline. */
    public record NotOnline() implements Outcome {}

    /** A node sent the request, and the device did not answer in time: IoT Hub's 504101 GatewayTimeout. */
    public record TimedOut() implements Outcome {}

    private static final class Call {
        final CompletableFuture<Outcome> future = new CompletableFuture<>();
        final Duration responseTimeout;
        volatile boolean claimed;

        Call(Duration responseTimeout) { this.responseTimeout = responseTimeout; }
    }

    /** A request this node sent to its device for another node's call. */
    private record Relay(String origin, String callId, String hub, DeviceKey key, long linkId) {}

    private final NodeBus bus;
    private final DeviceSessions sessions;
    private final ObjectMapper json;
    private final ConcurrentHashMap<String, Call> calls = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Relay> relays = new ConcurrentHashMap<>();
    private final AtomicLong counter = new AtomicLong();
    /** Tells this node's request ids from those of the method-call service. */
    private final String ridPrefix = "x" + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x1000, 0x10000)) + "-";

    public RemoteMethods(NodeBus bus, DeviceSessions sessions, ObjectMapper json) {
        this.bus = bus;
        this.sessions = sessions;
        this.json = json;
        bus.subscribe(CALL, this::onCall);
        bus.subscribe(CLAIM, this::onClaim);
        bus.subscribe(ANSWER, this::onAnswer);
    }

    /**
     * Calls {@code methodName} on the identity, wherever another node holds it.
     *
     * @param payloadJson     the request's payload as JSON text ({@code null} for JSON null)
     * @param connectTimeout  how long the identity may take to connect (IoT Hub's {@code connectTimeoutInSeconds})
     * @param responseTimeout how long the device may take to answer once it has the request
     *                        ({@code responseTimeoutInSeconds})
     * @return the outcome; the future fails only with {@link IoliteException} (429) when too many calls are under way
     */
    /** Whether another node may hold an identity (false on a single node, where every call is local). */
    public boolean reachesOthers() { return bus.reachesOthers(); }

    public CompletableFuture<Outcome> invoke(String hub, DeviceKey key, String methodName, String payloadJson,
                                             Duration connectTimeout, Duration responseTimeout) {
        if (!bus.reachesOthers()) return CompletableFuture.completedFuture(new NotOnline());
        if (calls.size() >= MAX_PENDING) {
            return CompletableFuture.failedFuture(new IoliteException(ErrorCode.THROTTLED,
                    MAX_PENDING + " method calls to devices of other nodes are under way; try again"));
        }
        String id = bus.nodeId() + "/" + counter.incrementAndGet();
        Call call = new Call(responseTimeout);
        calls.put(id, call);
        call.future.whenComplete((o, e) -> calls.remove(id));
        ObjectNode body = json.createObjectNode().put("id", id).put("hub", hub).put("d", key.deviceId())
                .put("method", methodName).put("connectMs", connectTimeout.toMillis()).put("responseMs", responseTimeout.toMillis());
        if (key.moduleId() != null) body.put("m", key.moduleId());
        if (payloadJson != null) body.put("payload", payloadJson);
        long claimMs = Math.max(CLAIM_WAIT.toMillis(), connectTimeout.toMillis());
        CompletableFuture.delayedExecutor(claimMs, TimeUnit.MILLISECONDS).execute(() -> {
            if (!call.claimed) call.future.complete(new NotOnline());
        });
        bus.publish(CALL, body.toString());
        return call.future;
    }

    /**
     * A {@link MethodAnswers} that takes the answers to requests this node relayed for other nodes' calls and
     * passes every other answer to {@code next} (the method-call service's own).
     */
    public MethodAnswers answers(MethodAnswers next) {
        return (from, requestId, status, payload) -> {
            Relay r = relays.get(requestId);
            if (r == null || r.linkId() != from.id() || !r.key().equals(from.key()) || !r.hub().equalsIgnoreCase(from.hub())) {
                next.answer(from, requestId, status, payload);
                return;
            }
            if (!relays.remove(requestId, r)) return;  // answered twice
            bus.publish(ANSWER, json.createObjectNode().put("to", r.origin()).put("id", r.callId()).put("status", status)
                    .put("payload", Base64.getEncoder().encodeToString(payload == null ? new byte[0] : payload)).toString());
        };
    }

    /** Another node's call: claim it if the identity is (or soon gets) connected here. */
    private void onCall(NodeBus.Envelope e) {
        JsonNode c = read(e);
        if (c == null) return;
        String hub = c.path("hub").asText();
        DeviceKey key = new DeviceKey(c.path("d").asText(), c.hasNonNull("m") ? c.get("m").asText() : null);
        Duration connect = Duration.ofMillis(Math.max(0, c.path("connectMs").asLong()));
        Duration response = Duration.ofMillis(Math.max(0, c.path("responseMs").asLong()));
        String callId = c.path("id").asText();
        String method = c.path("method").asText();
        String payload = c.hasNonNull("payload") ? c.get("payload").asText() : null;
        sessions.await(hub, key, DeviceLink::acceptsMethods, connect).thenAccept(link -> {
            if (link == null) return;
            if (relays.size() >= MAX_PENDING) {
                LOG.warn("{} method requests relayed for other nodes are waiting for answers; the call to {} of hub {} is left to time out",
                        MAX_PENDING, key, hub);
                return;
            }
            String rid = ridPrefix + Long.toHexString(counter.incrementAndGet());
            Relay relay = new Relay(e.from(), callId, hub.toLowerCase(Locale.ROOT), key, link.id());
            relays.put(rid, relay);
            CompletableFuture.delayedExecutor(response.plus(RELAY_GRACE).toMillis(), TimeUnit.MILLISECONDS)
                    .execute(() -> relays.remove(rid, relay));
            bus.publish(CLAIM, json.createObjectNode().put("to", e.from()).put("id", callId).toString());
            link.sendMethodRequest(rid, method, payload);
        });
    }

    private void onClaim(NodeBus.Envelope e) {
        JsonNode c = read(e);
        if (c == null || !bus.nodeId().equals(c.path("to").asText())) return;
        Call call = calls.get(c.path("id").asText());
        if (call == null || call.claimed) return;
        call.claimed = true;
        CompletableFuture.delayedExecutor(call.responseTimeout.toMillis(), TimeUnit.MILLISECONDS)
                .execute(() -> call.future.complete(new TimedOut()));
    }

    private void onAnswer(NodeBus.Envelope e) {
        JsonNode a = read(e);
        if (a == null || !bus.nodeId().equals(a.path("to").asText())) return;
        Call call = calls.get(a.path("id").asText());
        if (call == null) return;  // timed out already
        call.claimed = true;
        call.future.complete(new Answered(a.path("status").asInt(), Base64.getDecoder().decode(a.path("payload").asText(""))));
    }

    private JsonNode read(NodeBus.Envelope e) {
        try {
            return json.readTree(e.body());
        } catch (JsonProcessingException ex) {
            LOG.warn("node {} sent a {} that is not JSON; ignored: {}", e.from(), e.topic(), ex.getOriginalMessage());
            return null;
        }
    }
}

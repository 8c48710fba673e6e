package dev.iolite.server.devices;

import dev.iolite.server.errors.ErrorCode;
import dev.iolite.server.errors.IoliteException;
import dev.iolite.server.registry.DeviceKey;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@link MethodCalls} against a real {@link DeviceSessions}, with links that record what they are sent. */
class MethodCallsTest {
    private static final String HUB = "hub-a";
    private static final DeviceKey DEVICE = DeviceKey.device("dev-1");
    private static final Duration LONG = Duration.ofSeconds(300);
    private static final AtomicLong LINK_IDS = new AtomicLong();

    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final DeviceSessions sessions = new DeviceSessions(ConnectionEvents.NONE, Clock.systemUTC());
    private MethodCalls calls = new MethodCalls(sessions, new MethodMetrics(meters), MethodCalls.Limits.DEFAULT);

    /** A connected identity as a surface would offer it: the requests it was sent, and whether it subscribed. */
    static final class RecordingLink implements DeviceLink {
        record Sent(String requestId, String methodName, String payload) {}

        final DeviceKey key;
        final long id = LINK_IDS.incrementAndGet();
        final List<Sent> sent = new CopyOnWriteArrayList<>();
        volatile boolean subscribed;
        volatile CloseReason closed;

        RecordingLink(DeviceKey key, boolean subscribed) {
            this.key = key;
            this.subscribed = subscribed;
        }

        @Override public String hub() { return HUB; }
        @Override public DeviceKey key() { return key; }
        @Override public long id() { return id; }
        @Override public boolean acceptsMethods() { return subscribed; }
        @Override public boolean acceptsDesired() { return false; }
        @Override public void sendMethodRequest(String requestId, String methodName, String payload) {
            sent.add(new Sent(requestId, methodName, payload));
        }
        @Override public void sendDesiredPatch(long version, String patch) {}
        @Override public void close(CloseReason reason) { closed = reason; }

        Sent last() { return sent.get(sent.size() - 1); }
    }

    @AfterEach
    void close() {
        calls.close();
    }

    private static MethodCalls.Call call(String payload, Duration response, Duration connect) {
        return new MethodCalls.Call("reboot", payload, response, connect);
    }

    private static ErrorCode failure(CompletableFuture<?> f) throws InterruptedException {
        try {
            f.get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            assertThat(e.getCause()).isInstanceOf(IoliteException.class);
            return ((IoliteException) e.getCause()).errorCode();
        } catch (java.util.concurrent.TimeoutException e) {
            throw new AssertionError("the call did not end", e);
        }
        throw new AssertionError("the call succeeded");
    }

    private double count(String outcome) {
        var c = meters.find("iolite.methods").tags("hub", HUB, "outcome", outcome).counter();
        return c == null ? 0 : c.count();
    }

    @Test
    void aSubscribedDeviceGetsTheRequestAndItsAnswerCompletesTheCall() throws Exception {
        RecordingLink link = new RecordingLink(DEVICE, true);
        sessions.register(link);

        CompletableFuture<MethodCalls.Answer> f = calls.invoke(HUB, DEVICE, call("{\"a\":1}", LONG, Duration.ZERO));

        assertThat(link.sent).hasSize(1);
        assertThat(link.last().methodName()).isEqualTo("reboot");
        assertThat(link.last().payload()).isEqualTo("{\"a\":1}");
        assertThat(f).isNotDone();
        calls.answer(link, link.last().requestId(), 201, "{\"done\":true}".getBytes(StandardCharsets.UTF_8));
        MethodCalls.Answer a = f.get(5, TimeUnit.SECONDS);
        assertThat(a.status()).isEqualTo(201);
        assertThat(new String(a.payload(), StandardCharsets.UTF_8)).isEqualTo("{\"done\":true}");
        assertThat(calls.inFlight()).isZero();
        assertThat(count("answered")).isEqualTo(1);
        assertThat(meters.find("iolite.method.round.trip").timer().count()).isEqualTo(1);
    }

    @Test
    void eachRequestHasItsOwnIdAndAnswersFindTheirCall() throws Exception {
        RecordingLink link = new RecordingLink(DEVICE, true);
        sessions.register(link);
        CompletableFuture<MethodCalls.Answer> first = calls.invoke(HUB, DEVICE, call(null, LONG, Duration.ZERO));
        CompletableFuture<MethodCalls.Answer> second = calls.invoke(HUB, DEVICE, call(null, LONG, Duration.ZERO));
        assertThat(link.sent.get(0).requestId()).isNotEqualTo(link.sent.get(1).requestId());

        calls.answer(link, link.sent.get(1).requestId(), 2, new byte[0]);
        calls.answer(link, link.sent.get(0).requestId(), 1, null);

        assertThat(first.get(5, TimeUnit.SECONDS).status()).isEqualTo(1);
        assertThat(first.get().payload()).isEmpty();
        assertThat(second.get(5, TimeUnit.SECONDS).status()).isEqualTo(2);
    }

    @Test
    void anIdentityNotConnectedWithNoConnectTimeoutIsNotOnline() throws Exception {
        assertThat(failure(calls.invoke(HUB, DEVICE, call(null, LONG, Duration.ZERO)))).isEqualTo(ErrorCode.DEVICE_NOT_ONLINE);
        assertThat(count("not_online")).isEqualTo(1);
    }

    @Test
    void aConnectedDeviceWithoutAMethodSubscriptionIsNotOnline() throws Exception {
        sessions.register(new RecordingLink(DEVICE, false));
        assertThat(failure(calls.invoke(HUB, DEVICE, call(null, LONG, Duration.ZERO)))).isEqualTo(ErrorCode.DEVICE_NOT_ONLINE);
    }

    @Test
    void aCallWaitsWithinItsConnectTimeoutForTheDeviceToConnectAndSubscribe() throws Exception {
        CompletableFuture<MethodCalls.Answer> f = calls.invoke(HUB, DEVICE, call(null, LONG, LONG));
        assertThat(f).isNotDone();

        // GIVEN the device connects without subscribing: the call still waits
        RecordingLink link = new RecordingLink(DEVICE, false);
        sessions.register(link);
        assertThat(link.sent).isEmpty();

        // WHEN it subscribes, THEN the request goes out, and the answer ends the call
        link.subscribed = true;
        sessions.changed(link);
        assertThat(link.sent).hasSize(1);
        calls.answer(link, link.last().requestId(), 200, "7".getBytes(StandardCharsets.UTF_8));
        assertThat(f.get(5, TimeUnit.SECONDS).status()).isEqualTo(200);
    }

    @Test
    void aDeviceThatDoesNotConnectWithinTheConnectTimeoutIsNotOnline() throws Exception {
        assertThat(failure(calls.invoke(HUB, DEVICE, call(null, LONG, Duration.ofMillis(50)))))
                .isEqualTo(ErrorCode.DEVICE_NOT_ONLINE);
        assertThat(calls.inFlight()).isZero();
    }

    @Test
    void noAnswerWithinTheResponseTimeoutIsAGatewayTimeoutAndALateAnswerIsDropped() throws Exception {
        RecordingLink link = new RecordingLink(DEVICE, true);
        sessions.register(link);
        CompletableFuture<MethodCalls.Answer> f = calls.invoke(HUB, DEVICE, call(null, Duration.ofMillis(50), Duration.ZERO));

        assertThat(failure(f)).isEqualTo(ErrorCode.GATEWAY_TIMEOUT);
        calls.answer(link, link.last().requestId(), 200, new byte[0]);  // too late: nothing happens
        assertThat(count("timeout")).isEqualTo(1);
        assertThat(count("answered")).isZero();
        assertThat(calls.inFlight()).isZero();
    }

    @Test
    void aLinkThatEndsFailsItsCallsAtOnceAsNotOnline() throws Exception {
        RecordingLink link = new RecordingLink(DEVICE, true);
        sessions.register(link);
        CompletableFuture<MethodCalls.Answer> f = calls.invoke(HUB, DEVICE, call(null, LONG, Duration.ZERO));

        sessions.unregister(link);

        assertThat(failure(f)).isEqualTo(ErrorCode.DEVICE_NOT_ONLINE);  // at once: its response timeout is 300 s
        assertThat(count("disconnected")).isEqualTo(1);
    }

    @Test
    void aReplacedLinkFailsItsCallsAndItsSuccessorsAnswerToThemIsDropped() throws Exception {
        RecordingLink old = new RecordingLink(DEVICE, true);
        sessions.register(old);
        CompletableFuture<MethodCalls.Answer> f = calls.invoke(HUB, DEVICE, call(null, LONG, Duration.ZERO));
        String rid = old.last().requestId();

        RecordingLink successor = new RecordingLink(DEVICE, true);
        sessions.register(successor);

        assertThat(old.closed).isEqualTo(DeviceLink.CloseReason.REPLACED);
        assertThat(failure(f)).isEqualTo(ErrorCode.DEVICE_NOT_ONLINE);
        calls.answer(successor, rid, 200, new byte[0]);  // another link's request id: ignored
        CompletableFuture<MethodCalls.Answer> next = calls.invoke(HUB, DEVICE, call(null, LONG, Duration.ZERO));
        assertThat(successor.sent).hasSize(1);
        calls.answer(old, successor.last().requestId(), 500, new byte[0]);  // not from the link it went to: ignored
        assertThat(next).isNotDone();
        calls.answer(successor, successor.last().requestId(), 200, new byte[0]);
        assertThat(next.get(5, TimeUnit.SECONDS).status()).isEqualTo(200);
    }

    @Test
    void moreCallsThanTheIdentitysLimitAreRefusedWith403800UntilOneEnds() throws Exception {
        calls.close();
        calls = new MethodCalls(sessions, new MethodMetrics(meters), new MethodCalls.Limits(2, 100, 1 << 20));
        RecordingLink link = new RecordingLink(DEVICE, true);
        sessions.register(link);
        calls.invoke(HUB, DEVICE, call(null, LONG, Duration.ZERO));
        calls.invoke(HUB, DEVICE, call(null, LONG, Duration.ZERO));

        assertThat(failure(calls.invoke(HUB, DEVICE, call(null, LONG, Duration.ZERO))))
                .isEqualTo(ErrorCode.METHOD_INFLIGHT_EXCEEDED);
        // another identity has its own allowance
        DeviceKey module = new DeviceKey("dev-1", "mod-1");
        sessions.register(new RecordingLink(module, true));
        assertThat(calls.invoke(HUB, module, call(null, LONG, Duration.ZERO))).isNotDone();

        calls.answer(link, link.sent.get(0).requestId(), 200, new byte[0]);
        assertThat(calls.invoke(HUB, DEVICE, call(null, LONG, Duration.ZERO))).isNotDone();
        assertThat(count("refused")).isEqualTo(1);
    }

    @Test
    void moreCallsOrPayloadBytesThanTheServersLimitsAreRefusedWith503005() throws Exception {
        calls.close();
        calls = new MethodCalls(sessions, new MethodMetrics(meters), new MethodCalls.Limits(10, 2, 100));
        calls.invoke(HUB, DeviceKey.device("a"), call(null, LONG, LONG));
        assertThat(failure(calls.invoke(HUB, DeviceKey.device("b"), call("x".repeat(101), LONG, LONG))))
                .isEqualTo(ErrorCode.SERVER_BUSY);
        calls.invoke(HUB, DeviceKey.device("b"), call("x".repeat(100), LONG, LONG));
        assertThat(failure(calls.invoke(HUB, DeviceKey.device("c"), call(null, LONG, LONG)))).isEqualTo(ErrorCode.SERVER_BUSY);
        assertThat(calls.inFlight()).isEqualTo(2);
    }

    @Test
    void closingFailsEveryCallInFlightWith503AndRefusesNewOnes() throws Exception {
        RecordingLink link = new RecordingLink(DEVICE, true);
        sessions.register(link);
        CompletableFuture<MethodCalls.Answer> sent = calls.invoke(HUB, DEVICE, call(null, LONG, Duration.ZERO));
        CompletableFuture<MethodCalls.Answer> waiting = calls.invoke(HUB, DeviceKey.device("later"), call(null, LONG, LONG));

        calls.close();

        assertThat(failure(sent)).isEqualTo(ErrorCode.SERVICE_UNAVAILABLE);
        assertThat(failure(waiting)).isEqualTo(ErrorCode.SERVICE_UNAVAILABLE);
        assertThat(failure(calls.invoke(HUB, DEVICE, call(null, LONG, Duration.ZERO)))).isEqualTo(ErrorCode.SERVICE_UNAVAILABLE);
        assertThat(calls.inFlight()).isZero();
        assertThatThrownBy(() -> sent.join()).hasCauseInstanceOf(IoliteException.class);
    }

    @Test
    void hubNamesCompareWithoutCase() throws Exception {
        RecordingLink link = new RecordingLink(DEVICE, true);
        sessions.register(link);
        CompletableFuture<MethodCalls.Answer> f = calls.invoke("HUB-A", DEVICE, call(null, LONG, Duration.ZERO));
        calls.answer(link, link.last().requestId(), 200, new byte[0]);
        assertThat(f.get(5, TimeUnit.SECONDS).status()).isEqualTo(200);
    }
}

package dev.iolite.server.devices;

import dev.iolite.server.errors.ErrorCode;
import dev.iolite.server.errors.IoliteException;
import dev.iolite.server.registry.DeviceKey;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Direct method calls to the devices and modules connected to this node
 * (https://learn.microsoft.com/azure/iot-hub/iot-hub-devguide-direct-methods). A call waits up to its connect
 * timeout for the identity's link to subscribe to method requests ({@link DeviceSessions#await}), sends the request
 * with a request id of its own, and completes with the answer that the same link gives for that id. It fails with
 * 404103 DeviceNotOnline when no link subscribed in time, or when the link ends before it answers (IoT Hub says
 * "Device unavailable" then), and with 504101 GatewayTimeout when no answer comes within the response timeout.
 *
 * <p>Bounded: at most {@link Limits#perIdentity()} calls per identity (IoT Hub's 403800
 * DeviceMaximumInflightMethodExceeded) and {@link Limits#total()} calls and {@link Limits#payloadBytes()} bytes
 * of request payloads in all (503005 ServerBusy). No thread waits for a call: the timeouts run on one scheduler
 * thread, and the calls' futures are completed on two threads, all owned by this object and stopped in
 * {@link #close}.
 */
public final class MethodCalls implements MethodAnswers, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(MethodCalls.class);
    /** Threads that complete calls (and so write the HTTP answers); each write is short. */
    private static final int COMPLETION_THREADS = 2;

    /**
     * How many calls may wait at once.
     *
     * @param perIdentity  calls per device or module (IoT Hub documents a limit, 403800, but not its value)
     * @param total        calls on this node
     * @param payloadBytes bytes of request payloads those calls hold
     */
    public record Limits(int perIdentity, int total, long payloadBytes) {
        /** 100 calls per identity, 10,000 in all, 64 MiB of payloads (500 calls of IoT Hub's largest, 128 KB). */
        public static final Limits DEFAULT = new Limits(100, 10_000, 64L << 20);
    }

    /**
     * One call as the service API states it.
     *
     * @param methodName      the method's name, already checked against IoT Hub's rules
     * @param payload         the request's JSON text ({@code null} for JSON null)
     * @param responseTimeout how long the device has to answer once it has the request
     * @param connectTimeout  how long to wait for the device to connect and subscribe; zero: it must already be
     */
    public record Call(String methodName, String payload, Duration responseTimeout, Duration connectTimeout) {}

    /** The device's answer: its status and its body as sent (empty for none). */
    public record Answer(int status, byte[] payload) {}

    private record Id(String hub, DeviceKey key) {
        static Id of(String hub, DeviceKey key) { return new Id(hub.toLowerCase(Locale.ROOT), key); }
    }

    /** A request sent on a link and not answered yet. */
    private record Pending(String hub, long linkId, CompletableFuture<Answer> result, long sentNanos) {}

    private final DeviceSessions sessions;
    private final MethodMetrics metrics;
    private final Limits limits;
    private final ScheduledThreadPoolExecutor timer;
    /**
     * Completes the calls' futures. The hub API writes its HTTP answer in the thread that completes the future; this
     * keeps that write (to a caller that may read slowly) off a device connection's thread and off {@link #timer}.
     */
    private final ThreadPoolExecutor completions;
    private final Map<String, Pending> pending = new ConcurrentHashMap<>();
    private final Map<Id, Integer> perIdentity = new ConcurrentHashMap<>();
    /** A call in flight, with what it reserved. */
    private record Flight(String hub, Id id, long bytes) {}

    /**
     * Every call in flight, waiting for its device or for its answer. Whoever removes a call from here ends it:
     * releases its reservation and counts its outcome, then completes its future, so that a caller who sees the
     * future done also sees the counts.
     */
    private final Map<CompletableFuture<Answer>, Flight> active = new ConcurrentHashMap<>();
    private final AtomicInteger calls = new AtomicInteger();
    private final AtomicLong payloadBytes = new AtomicLong();
    private final AtomicLong requestIds = new AtomicLong();
    private volatile boolean closed;

    public MethodCalls(DeviceSessions sessions, MethodMetrics metrics, Limits limits) {
        this.sessions = sessions;
        this.metrics = metrics;
        this.limits = limits;
        this.timer = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "iolite-method-timeouts");
            t.setDaemon(true);
            return t;
        });
        timer.setRemoveOnCancelPolicy(true);
        // each call completes once, so the queue never holds more than the calls in flight
        completions = new ThreadPoolExecutor(COMPLETION_THREADS, COMPLETION_THREADS, 30, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(limits.total()), r -> {
                    Thread t = new Thread(r, "iolite-method-answers");
                    t.setDaemon(true);
                    return t;
                });
        completions.allowCoreThreadTimeOut(true);
        metrics.inFlight(calls::get);
        sessions.whenEnded(this::linkEnded);
    }

    /**
     * Calls {@code call.methodName()} on the identity {@code key} of {@code hub} ({@code POST /twins/{id}/methods}
     * and its module form). The future completes with the device's answer, or exceptionally with an
     * {@link IoliteException}: 404103, 504101, 403800, 503005, or 503001 when the server stops first. The caller has
     * checked that the identity exists and is enabled.
     */
    public CompletableFuture<Answer> invoke(String hub, DeviceKey key, Call call) {
        long bytes = call.payload() == null ? 0 : call.payload().length();
        CompletableFuture<Answer> result = new CompletableFuture<>();
        IoliteException refused = reserve(Id.of(hub, key), bytes);
        if (refused != null) {
            metrics.finished(hub, MethodMetrics.Outcome.REFUSED);
            return CompletableFuture.failedFuture(refused);
        }
        active.put(result, new Flight(hub, Id.of(hub, key), bytes));
        if (closed) {  // close() may have run before the call was added to those it fails
            fail(hub, result, MethodMetrics.Outcome.STOPPED, stopping());
            return result;
        }
        sessions.await(hub, key, DeviceLink::acceptsMethods, call.connectTimeout()).whenComplete((link, e) -> {
            if (e != null) {
                fail(hub, result, MethodMetrics.Outcome.STOPPED, e);
            } else if (link == null) {
                fail(hub, result, MethodMetrics.Outcome.NOT_ONLINE, new IoliteException(ErrorCode.DEVICE_NOT_ONLINE,
                        "Timed out waiting for device to connect: '" + key + "' is not connected with a subscription to"
                                + " direct methods (waited " + call.connectTimeout().toSeconds() + " s, the call's"
                                + " connectTimeoutInSeconds)"));
            } else {
                send(hub, key, link, call, result);
            }
        });
        return result;
    }

    private void send(String hub, DeviceKey key, DeviceLink link, Call call, CompletableFuture<Answer> result) {
        if (!active.containsKey(result)) return;  // the server stopped while the call waited for its device
        String requestId = Long.toHexString(requestIds.incrementAndGet());
        Pending p = new Pending(hub, link.id(), result, System.nanoTime());
        pending.put(requestId, p);
        result.whenComplete((a, e) -> pending.remove(requestId, p));
        try {
            ScheduledFuture<?> timeout = timer.schedule(() -> fail(hub, result, MethodMetrics.Outcome.TIMEOUT,
                    new IoliteException(ErrorCode.GATEWAY_TIMEOUT, "Timed out waiting for the response from device: '"
                            + key + "' did not answer '" + call.methodName() + "' within "
                            + call.responseTimeout().toSeconds() + " s (the call's responseTimeoutInSeconds)")),
                    call.responseTimeout().toMillis(), TimeUnit.MILLISECONDS);
            result.whenComplete((a, e) -> timeout.cancel(false));
        } catch (RejectedExecutionException e) {
            fail(hub, result, MethodMetrics.Outcome.STOPPED, stopping());
            return;
        }
        // The link may have ended between the wait and the registration above, unseen by linkEnded.
        if (sessions.find(hub, key).map(l -> l.id() != link.id()).orElse(true)) {
            fail(hub, result, MethodMetrics.Outcome.DISCONNECTED, unavailable(key));
            return;
        }
        try {
            link.sendMethodRequest(requestId, call.methodName(), call.payload());
        } catch (RuntimeException e) {
            LOG.warn("the method request {} to {} could not be sent: {}", requestId, key, e.toString());
            fail(hub, result, MethodMetrics.Outcome.DISCONNECTED, unavailable(key));
        }
    }

    @Override
    public void answer(DeviceLink from, String requestId, int status, byte[] payload) {
        Pending p = pending.get(requestId);
        if (p == null || p.linkId() != from.id()) {
            // late (timed out), or an id this link was never sent: IoT Hub drops such answers too
            LOG.debug("an answer from {} to request {} that no call waits for was dropped", from.key(), requestId);
            return;
        }
        if (claim(p.result())) {
            metrics.answered(p.hub(), System.nanoTime() - p.sentNanos());
            Answer a = new Answer(status, payload == null ? new byte[0] : payload);
            deliver(() -> p.result().complete(a));
        }
    }

    /** Fails at once the calls whose request went out on {@code link}: the device went offline. */
    private void linkEnded(DeviceLink link) {
        if (pending.isEmpty()) return;
        for (Pending p : pending.values()) {
            if (p.linkId() == link.id()) fail(p.hub(), p.result(), MethodMetrics.Outcome.DISCONNECTED, unavailable(link.key()));
        }
    }

    /** Calls waiting now, for their device or its answer. */
    public int inFlight() { return calls.get(); }

    /** Fails every call in flight (503001: the server stops) and stops the timeout thread. Idempotent. */
    @Override
    public void close() {
        closed = true;
        active.forEach((f, flight) -> fail(flight.hub(), f, MethodMetrics.Outcome.STOPPED, stopping()));
        timer.shutdownNow();
        completions.shutdown();  // the failures above are delivered first
        try {
            if (!completions.awaitTermination(5, TimeUnit.SECONDS)) LOG.warn("direct method answers were still being written at stop");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private IoliteException reserve(Id id, long bytes) {
        if (bytes > 0 && payloadBytes.addAndGet(bytes) > limits.payloadBytes()) {
            payloadBytes.addAndGet(-bytes);
            return busy("their payloads would pass " + (limits.payloadBytes() >> 20) + " MiB");
        }
        if (calls.incrementAndGet() > limits.total()) {
            calls.decrementAndGet();
            payloadBytes.addAndGet(-bytes);
            return busy("there would be more than " + limits.total());
        }
        boolean[] over = new boolean[1];
        perIdentity.compute(id, (k, n) -> {
            int now = n == null ? 0 : n;
            if (now >= limits.perIdentity()) {
                over[0] = true;
                return n;
            }
            return now + 1;
        });
        if (over[0]) {
            calls.decrementAndGet();
            payloadBytes.addAndGet(-bytes);
            return new IoliteException(ErrorCode.METHOD_INFLIGHT_EXCEEDED, "'" + id.key() + "' already has "
                    + limits.perIdentity() + " direct method calls in flight, the most it may have; retry when one ends");
        }
        return null;
    }

    /** Takes the call out of those in flight and releases what it reserved; false when it had ended already. */
    private boolean claim(CompletableFuture<Answer> result) {
        Flight f = active.remove(result);
        if (f == null) return false;
        calls.decrementAndGet();
        payloadBytes.addAndGet(-f.bytes());
        perIdentity.computeIfPresent(f.id(), (k, n) -> n <= 1 ? null : n - 1);
        return true;
    }

    private void fail(String hub, CompletableFuture<Answer> result, MethodMetrics.Outcome outcome, Throwable e) {
        if (claim(result)) {
            metrics.finished(hub, outcome);
            deliver(() -> result.completeExceptionally(e));
        }
    }

    /** Runs {@code completion} on {@link #completions}, or here once they have stopped. */
    private void deliver(Runnable completion) {
        try {
            completions.execute(completion);
        } catch (RejectedExecutionException e) {
            completion.run();
        }
    }

    private static IoliteException busy(String why) {
        return new IoliteException(ErrorCode.SERVER_BUSY, "too many direct method calls are in flight on this server ("
                + why + "); retry shortly");
    }

    private static IoliteException unavailable(DeviceKey key) {
        return new IoliteException(ErrorCode.DEVICE_NOT_ONLINE, "Device unavailable: '" + key
                + "' disconnected before it answered");
    }

    private static IoliteException stopping() {
        return new IoliteException(ErrorCode.SERVICE_UNAVAILABLE, "the server is stopping; the call was not completed");
    }
}

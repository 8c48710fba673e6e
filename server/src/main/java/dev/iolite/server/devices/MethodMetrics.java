package dev.iolite.server.devices;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;

/**
 * The direct methods' meters: {@code iolite_methods_total} by hub and outcome, the round trip of answered calls
 * from request sent to answer received ({@code iolite_method_round_trip_seconds}, by hub), and the calls in flight
 * ({@code iolite_methods_in_flight}).
 */
public final class MethodMetrics {
    /** How a call ended, as its {@code outcome} tag says. */
    public enum Outcome {
        /** The device answered (whatever its status). */
        ANSWERED,
        /** 404103: not connected and subscribed within the connect timeout. */
        NOT_ONLINE,
        /** 404103: the device's link ended after the request went out. */
        DISCONNECTED,
        /** 504101: no answer within the response timeout. */
        TIMEOUT,
        /** 403800 or 503005: over a limit of calls in flight. */
        REFUSED,
        /** 503001: the server stopped first. */
        STOPPED;

        String tag() { return name().toLowerCase(Locale.ROOT); }
    }

    /** Buckets from a local round trip (about a millisecond) to IoT Hub's longest response timeout. */
    private static final Duration[] ROUND_TRIP_BUCKETS = {Duration.ofMillis(1), Duration.ofMillis(2), Duration.ofMillis(5),
            Duration.ofMillis(10), Duration.ofMillis(20), Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250),
            Duration.ofSeconds(1), Duration.ofSeconds(5), Duration.ofSeconds(30), Duration.ofSeconds(300)};

    private final MeterRegistry meters;

    public MethodMetrics(MeterRegistry meters) {
        this.meters = meters;
    }

    void inFlight(IntSupplier calls) {
        Gauge.builder("iolite.methods.in.flight", calls, IntSupplier::getAsInt)
                .description("Direct method calls waiting for their device or its answer").register(meters);
    }

    void answered(String hub, long roundTripNanos) {
        finished(hub, Outcome.ANSWERED);
        Timer.builder("iolite.method.round.trip").description("Direct method calls from request sent to answer received")
                .tags("hub", hub).serviceLevelObjectives(ROUND_TRIP_BUCKETS).register(meters)
                .record(roundTripNanos, TimeUnit.NANOSECONDS);
    }

    void finished(String hub, Outcome outcome) {
        Counter.builder("iolite.methods").description("Direct method calls by hub and outcome")
                .tags("hub", hub, "outcome", outcome.tag()).register(meters).increment();
    }
}

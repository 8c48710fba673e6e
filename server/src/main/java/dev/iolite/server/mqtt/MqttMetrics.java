package dev.iolite.server.mqtt;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * What the MQTT surface counts (docs/operations.md lists them), and the bound on connections that have not
 * authenticated yet: past {@link #MAX_UNAUTHENTICATED} a new connection is closed at once, so a flood of
 * sockets that never send CONNECT cannot hold the server's memory.
 */
public final class MqttMetrics {
    /** Connections open but not yet through CONNECT. */
    static final int MAX_UNAUTHENTICATED = 10_000;

    private final AtomicInteger unauthenticated = new AtomicInteger();
    private final Counter accepted;
    private final Counter refused;
    private final Counter dropped;

    public MqttMetrics(MeterRegistry meters, Supplier<Number> connected) {
        accepted = Counter.builder("iolite.mqtt.connects").tag("outcome", "accepted")
                .description("MQTT CONNECTs accepted").register(meters);
        refused = Counter.builder("iolite.mqtt.connects").tag("outcome", "refused")
                .description("MQTT CONNECTs refused (CONNACK 5 or 3)").register(meters);
        dropped = Counter.builder("iolite.mqtt.dropped")
                .description("MQTT connections closed for something the device did (a refused topic, QoS 2, a malformed packet, silence)")
                .register(meters);
        Gauge.builder("iolite.mqtt.connections", connected).description("Devices and modules connected to this node over MQTT")
                .register(meters);
        Gauge.builder("iolite.mqtt.unauthenticated", unauthenticated, AtomicInteger::get)
                .description("MQTT connections open but not yet through CONNECT").register(meters);
    }

    /** A connection opened; false when too many are waiting for their CONNECT already. */
    boolean opened() {
        if (unauthenticated.incrementAndGet() > MAX_UNAUTHENTICATED) {
            unauthenticated.decrementAndGet();
            return false;
        }
        return true;
    }

    /** A connection that {@link #opened} left the unauthenticated state (through CONNECT, or closed). */
    void authenticatedOrGone() { unauthenticated.decrementAndGet(); }

    void accepted() { accepted.increment(); }

    void refused() { refused.increment(); }

    void dropped() { dropped.increment(); }
}

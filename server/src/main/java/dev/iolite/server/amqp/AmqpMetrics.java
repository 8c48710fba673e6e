package dev.iolite.server.amqp;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The AMQP surface's meters: open connections ({@code iolite_amqp_connections}), events handed to Event Hubs
 * readers per hub ({@code iolite_amqp_events_out_total}), links refused by AMQP error
 * ({@code iolite_amqp_links_refused_total}), tokens refused ({@code iolite_amqp_tokens_refused_total}), and readers'
 * lag behind their partition's end ({@code iolite_amqp_reader_lag}).
 */
public final class AmqpMetrics {
    private final MeterRegistry meters;
    private final AtomicInteger connections = new AtomicInteger();
    private final ConcurrentHashMap<String, Counter> eventsOut = new ConcurrentHashMap<>();

    public AmqpMetrics(MeterRegistry meters) {
        this.meters = meters;
        Gauge.builder("iolite.amqp.connections", connections, AtomicInteger::get)
                .description("Open AMQP connections of this node").register(meters);
    }

    void opened() { connections.incrementAndGet(); }

    void closed() { connections.decrementAndGet(); }

    int connections() { return connections.get(); }

    void eventsOut(String hub, int n) {
        eventsOut.computeIfAbsent(hub, h -> Counter.builder("iolite.amqp.events.out")
                .description("Events the built-in endpoint handed to Event Hubs readers, by hub").tag("hub", h)
                .register(meters)).increment(n);
    }

    /** How many events a reader's partition held beyond what the reader had read, after a full page (consumer lag). */
    void readerLag(String hub, long events) {
        io.micrometer.core.instrument.DistributionSummary.builder("iolite.amqp.reader.lag")
                .description("Events an Event Hubs reader had yet to read after a full page, by hub").tag("hub", hub)
                .register(meters).record(events);
    }

    void linkRefused(String condition) {
        Counter.builder("iolite.amqp.links.refused").description("AMQP links refused, by AMQP error condition")
                .tag("condition", condition).register(meters).increment();
    }

    void tokenRefused() {
        Counter.builder("iolite.amqp.tokens.refused").description("SAS tokens refused on $cbs or in SASL")
                .register(meters).increment();
    }
}

package dev.iolite.server.messages;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Cloud-to-device meters: messages queued per hub ({@code iolite_c2d_sent_total}), how queued messages ended by
 * outcome ({@code iolite_c2d_ended_total}: completed, expired, purged), feedback records written
 * ({@code iolite_c2d_feedback_total}), and the messages waiting in all queues of the store
 * ({@code iolite_c2d_queued}, counted at each sweep).
 */
public final class CloudMetrics {
    private final MeterRegistry meters;
    private final ConcurrentHashMap<String, Counter> sent = new ConcurrentHashMap<>();
    private final AtomicLong queued = new AtomicLong();

    public CloudMetrics(MeterRegistry meters) {
        this.meters = meters;
        Gauge.builder("iolite.c2d.queued", queued, AtomicLong::get)
                .description("Cloud-to-device messages waiting in every queue of the store, as of the last sweep").register(meters);
    }

    void sent(String hub) {
        sent.computeIfAbsent(hub, h -> Counter.builder("iolite.c2d.sent").description("Cloud-to-device messages queued, by hub")
                .tag("hub", h).register(meters)).increment();
    }

    void ended(String outcome, int n) {
        if (n == 0) return;
        Counter.builder("iolite.c2d.ended").description("Queued cloud-to-device messages that left their queue, by outcome")
                .tag("outcome", outcome).register(meters).increment(n);
    }

    void queued(long n) { queued.set(n); }
}

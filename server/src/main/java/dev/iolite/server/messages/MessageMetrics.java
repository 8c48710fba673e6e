package dev.iolite.server.messages;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The built-in endpoint's meters: messages appended per hub ({@code iolite_messages_appended_total}), messages
 * refused by reason ({@code iolite_messages_refused_total}), the writer's batch sizes
 * ({@code iolite_messages_batch_size}) and commit times ({@code iolite_messages_commit_seconds}), its queue's depth
 * ({@code iolite_messages_queue_depth}), and messages deleted by the trim by reason
 * ({@code iolite_messages_trimmed_total}). Counted per batch, never per message.
 */
public final class MessageMetrics {
    private final MeterRegistry meters;
    private final ConcurrentHashMap<String, Counter> appended = new ConcurrentHashMap<>();
    private final DistributionSummary batches;
    private final Timer commits;

    public MessageMetrics(MeterRegistry meters) {
        this.meters = meters;
        batches = DistributionSummary.builder("iolite.messages.batch.size")
                .description("Messages the built-in endpoint's writer committed per transaction").register(meters);
        commits = Timer.builder("iolite.messages.commit").description("The writer's transactions, with their time")
                .register(meters);
    }

    void queue(Supplier<Number> depth) {
        Gauge.builder("iolite.messages.queue.depth", depth, d -> d.get().doubleValue())
                .description("Messages waiting for the built-in endpoint's writer").register(meters);
    }

    void committed(int size, long nanos) {
        batches.record(size);
        commits.record(nanos, TimeUnit.NANOSECONDS);
    }

    void appended(String hub, int n) {
        appended.computeIfAbsent(hub, h -> Counter.builder("iolite.messages.appended")
                .description("Device-to-cloud messages the built-in endpoint committed, by hub").tag("hub", h)
                .register(meters)).increment(n);
    }

    void refused(String reason) {
        Counter.builder("iolite.messages.refused").description("Messages the built-in endpoint refused, by reason")
                .tag("reason", reason).register(meters).increment();
    }

    void trimmed(String reason, int n) {
        if (n == 0) return;
        Counter.builder("iolite.messages.trimmed").description("Messages the trim deleted, by reason (age or bytes)")
                .tag("reason", reason).register(meters).increment(n);
    }
}

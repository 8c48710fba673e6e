package dev.iolite.server.jobs;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The jobs' meters: {@code iolite_jobs_total} by hub, type and status (each job counted as it enters a
 * status), the lines this node processed, succeeded and failed ({@code iolite_job_lines_*_total}), and the
 * running jobs' rate together ({@code iolite_job_lines_per_second}) and count ({@code iolite_jobs_running}). Lines are
 * counted from the job's stored counts at each heartbeat and at its end, never per line.
 */
public final class JobMetrics {
    private final MeterRegistry meters;
    private final AtomicLong running = new AtomicLong();
    /** The rate of each job this node runs, by its tracker. */
    private final java.util.Map<Tracker, Double> rates = new java.util.concurrent.ConcurrentHashMap<>();

    public JobMetrics(MeterRegistry meters) {
        this.meters = meters;
        Gauge.builder("iolite.jobs.running", running, AtomicLong::get)
                .description("Import and export jobs this node is running").register(meters);
        Gauge.builder("iolite.job.lines.per.second", this,
                        m -> m.rates.values().stream().mapToDouble(Double::doubleValue).sum())
                .description("Lines per second of the jobs this node is running, together (0 when none)").register(meters);
    }

    /** Counts a job of {@code hub} entering {@code status}. */
    public void entered(String hub, JobKind type, JobPhase status) {
        Counter.builder("iolite.jobs").description("Jobs that entered a status, by hub, type and status")
                .tags("hub", hub, "type", type.wireName(), "status", status.name().toLowerCase(java.util.Locale.ROOT))
                .register(meters).increment();
    }

    /** Follows one run of {@code job}, from the counts it had when this node claimed it. */
    Tracker track(Job job) {
        return new Tracker(job);
    }

    /** The lines of one run of a job, counted as its stored counts advance. */
    final class Tracker {
        private final Counter processed;
        private final Counter succeeded;
        private final Counter failed;
        private JobCounts last;
        private boolean ended;

        private Tracker(Job job) {
            String[] tags = {"hub", job.hub(), "type", job.type().wireName()};
            processed = Counter.builder("iolite.job.lines.processed").description("Lines (devices) jobs processed")
                    .tags(tags).register(meters);
            succeeded = Counter.builder("iolite.job.lines.succeeded").description("Lines jobs applied or exported")
                    .tags(tags).register(meters);
            failed = Counter.builder("iolite.job.lines.failed").description("Lines jobs reported as failed")
                    .tags(tags).register(meters);
            last = job.counts();
            running.incrementAndGet();
        }

        synchronized void observe(Job now) {
            if (ended) return; // a heartbeat that ran past the job's end
            JobCounts c = now.counts();
            processed.increment(Math.max(0, c.processed() - last.processed()));
            succeeded.increment(Math.max(0, c.succeeded() - last.succeeded()));
            failed.increment(Math.max(0, c.failed() - last.failed()));
            last = c;
            rates.put(this, now.devicesPerSecond());
        }

        synchronized void end() {
            ended = true;
            running.decrementAndGet();
            rates.remove(this);
        }
    }
}

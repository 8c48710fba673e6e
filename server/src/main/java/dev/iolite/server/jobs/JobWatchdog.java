package dev.iolite.server.jobs;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * Notices a running job whose progress stands still while its lease is held: after {@code stallAfter}
 * ({@link JobTuning#stallAfter}) without a new line processed, it logs the job once and says so in the job's
 * statusMessage; when the job moves again, the message is cleared. The runner's heartbeat calls {@link #check}
 * after each renewal, and the job's meters follow its stored counts from here.
 */
final class JobWatchdog {
    /** The runner's logger: the watchdog's lines are the runner's, as an operator greps them. */
    private static final Logger LOG = LoggerFactory.getLogger(JobRunner.class);

    private final JobStore jobs;
    private final Clock clock;
    private final Duration stallAfter;
    private final Job job;
    private final String leaseOwner;
    private final JobMetrics.Tracker tracker;
    private long lastProcessed = -1;
    private Instant lastMoved;
    private boolean reported;

    JobWatchdog(JobStore jobs, Clock clock, Duration stallAfter, Job job, String leaseOwner, JobMetrics.Tracker tracker) {
        this.jobs = jobs;
        this.clock = clock;
        this.stallAfter = stallAfter;
        this.job = job;
        this.leaseOwner = leaseOwner;
        this.tracker = tracker;
        this.lastMoved = clock.instant();
    }

    void check() {
        Optional<Job> now = jobs.find(job.id());
        if (now.isEmpty()) return;
        tracker.observe(now.get());
        long processed = now.get().counts().processed();
        Instant t = clock.instant();
        if (processed != lastProcessed) {
            lastProcessed = processed;
            lastMoved = t;
            if (reported) {
                reported = false;
                jobs.setStatusMessage(job.id(), leaseOwner, null);
                LOG.info("job {} is moving again", job.id());
            }
            return;
        }
        Duration still = Duration.between(lastMoved, t);
        if (!reported && still.compareTo(stallAfter) >= 0) {
            reported = true;
            String message = "no progress for " + still.toSeconds() + " s (since " + lastMoved
                    + ", at " + processed + " lines); the job still holds its lease";
            LOG.warn("job {} of hub {}: {}", job.id(), job.hub(), message);
            jobs.setStatusMessage(job.id(), leaseOwner, message);
        }
    }
}

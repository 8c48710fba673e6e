package dev.iolite.server.jobs;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.iolite.server.blob.BlobContainers;
import dev.iolite.server.errors.IoliteException;
import dev.iolite.server.errors.LogKeys;
import dev.iolite.server.errors.LogText;
import dev.iolite.server.registry.RegistryService;
import dev.iolite.server.registry.RegistryStore;
import dev.iolite.server.store.StoreUnavailableException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * A node's job runner: claims runnable jobs with a lease, renews the lease while it works, runs one
 * job at a time, and gives its lease back when the node stops so another node (or this one, after
 * a restart) resumes the job from its checkpoint (DESIGN principle 6).
 */
public final class JobRunner implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(JobRunner.class);

    private final String owner;
    private final JobStore jobs;
    private final RegistryStore registryStore;
    private final RegistryService registry;
    private final BlobContainers containers;
    private final Clock clock;
    private final JobTuning tuning;
    private final ObjectMapper json;
    private final JobMetrics metrics;
    private final Semaphore wake = new Semaphore(0);
    private final ScheduledExecutorService heartbeat = Executors.newSingleThreadScheduledExecutor(
            r -> daemon(r, "iolite-job-lease"));
    private final Thread worker;
    private volatile boolean stopping;
    /** How long a stop waits for the running job to reach a checkpoint before interrupting it. */
    static final java.time.Duration STOP_GRACE = java.time.Duration.ofSeconds(15);
    /** How often finished jobs past their retention are removed. */
    static final java.time.Duration HOUSEKEEPING_EVERY = java.time.Duration.ofHours(1);
    /** How long a stop waits at most for the runner. */
    static final java.time.Duration STOP_BOUND = java.time.Duration.ofSeconds(20);

    public JobRunner(String owner, JobStore jobs, RegistryStore registryStore, RegistryService registry,
                     BlobContainers containers, Clock clock, JobTuning tuning, ObjectMapper json, JobMetrics metrics) {
        this.owner = owner;
        this.jobs = jobs;
        this.registryStore = registryStore;
        this.registry = registry;
        this.containers = containers;
        this.clock = clock;
        this.tuning = tuning;
        this.json = json;
        this.metrics = metrics;
        this.worker = daemon(this::loop, "iolite-jobs");
    }

    /** Takes back the jobs this node held before a crash, then starts claiming. */
    public void start() {
        int resumed = reclaimOwnLeases();
        if (resumed > 0) LOG.info("resuming {} job(s) this node was running before it stopped", resumed);
        worker.start();
    }

    // The steps of the loop, each run once; tests call them directly with a clock they set.

    /**
     * Claims the next job at the clock's time and runs it until it ends or stops: a job of no node, or one
     * whose node's lease lapsed (lease takeover). Returns whether there was one.
     */
    public boolean runNext() {
        Instant now = clock.instant();
        Optional<Job> claimed = jobs.claimNext(owner, now, now.plus(tuning.lease()));
        claimed.ifPresent(this::runOne);
        return claimed.isPresent();
    }

    /** Lets the jobs this node held (before a crash, under the same node id) be claimed at once. */
    public int reclaimOwnLeases() {
        return jobs.expireLeasesOf(owner);
    }

    /** Removes the jobs that ended longer ago than the retention; returns how many. */
    public int housekeep() {
        int removed = jobs.deleteFinishedBefore(clock.instant().minus(tuning.retention()));
        if (removed > 0) LOG.info("removed {} job(s) older than {}", removed, tuning.retention());
        return removed;
    }

    /** Looks for work now instead of at the next poll (a job was just created). */
    public void wake() { wake.release(); }

    private void loop() {
        Instant lastHousekeeping = Instant.EPOCH;
        while (!stopping) {
            try {
                Instant now = clock.instant();
                if (now.isAfter(lastHousekeeping.plus(HOUSEKEEPING_EVERY))) {
                    housekeep();
                    lastHousekeeping = now;
                }
                if (!runNext()) {
                    wake.tryAcquire(tuning.poll().toMillis(), TimeUnit.MILLISECONDS);
                    wake.drainPermits();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (StoreUnavailableException e) {
                LOG.warn("job runner: the store is unavailable ({}); retrying", e.getMessage());
                sleepQuietly(1000);
            } catch (RuntimeException | Error e) {
                // nothing ends the runner but a stop: an Error here (out of memory while claiming) is
                // logged and the loop goes on, so the node keeps serving its hubs' jobs
                LOG.error("job runner: unexpected failure; retrying", e);
                sleepQuietly(1000);
            }
        }
    }

    private void runOne(Job job) {
        // every line this job's threads log names the job, its hub and the request that created it
        org.slf4j.MDC.put(LogKeys.JOB_ID, job.id());
        org.slf4j.MDC.put(LogKeys.HUB, job.hub());
        if (job.request().requestId() != null) org.slf4j.MDC.put(LogKeys.REQUEST_ID, job.request().requestId());
        JobMetrics.Tracker tracker = metrics.track(job);
        metrics.entered(job.hub(), job.type(), JobPhase.RUNNING);
        try {
            runOne(job, tracker);
        } finally {
            jobs.find(job.id()).ifPresent(now -> {
                tracker.observe(now);
                if (now.status().isFinal()) metrics.entered(job.hub(), job.type(), now.status());
            });
            tracker.end();
            org.slf4j.MDC.clear();
        }
    }

    private void runOne(Job job, JobMetrics.Tracker tracker) {
        LOG.info("job {} ({} of hub {}) started", job.id(), job.type().wireName(), job.hub());
        Watchdog watchdog = new Watchdog(job, tracker);
        ScheduledFuture<?> renew = heartbeat.scheduleAtFixedRate(() -> {
            try {
                if (!jobs.renewLease(job.id(), owner, clock.instant().plus(tuning.lease()))) {
                    LOG.warn("job {}: lease lost to another node", job.id());
                    return;
                }
                watchdog.check();
            } catch (RuntimeException e) {
                LOG.warn("job {}: renewing the lease failed: {}", job.id(), e.getMessage());
            }
        }, tuning.heartbeat().toMillis(), tuning.heartbeat().toMillis(), TimeUnit.MILLISECONDS);
        try {
            JobRun run = new JobRun(job, owner, registry, registryStore, jobs, containers, clock, () -> stopping, tuning);
            JobRun.Stop stop = job.type() == JobKind.IMPORT ? new ImportJob(run, json).execute()
                    : new ExportJob(run, json).execute();
            switch (stop) {
                case NONE -> LOG.info("job {} completed", job.id());
                case CANCELLED -> {
                    Job now = jobs.find(job.id()).orElse(job);
                    jobs.finish(job.id(), owner, JobPhase.CANCELLED, null, clock.instant(), null);
                    LOG.info("job {} cancelled after {} lines", job.id(), now.counts().processed());
                }
                case NODE_STOPPING -> LOG.info("job {} paused at its checkpoint; it resumes when a node claims it", job.id());
            }
        } catch (LeaseLostException e) {
            LOG.warn("job {}: its lease is gone (another node took it over, or its hub was deleted); stopping here",
                    job.id());
        } catch (StageQueue.StageFailedException e) {
            // a stage died of the server's trouble (an Error, a bug): retried from the checkpoint, within the bound
            LOG.warn("job {}: a stage failed", job.id(), e.getCause());
            retry(job, e.getMessage());
        } catch (JobFailure | IoliteException e) {
            fail(job, e.getMessage());
        } catch (java.io.IOException | java.io.UncheckedIOException e) {
            fail(job, "blob storage failed: " + e.getMessage());
        } catch (StoreUnavailableException e) {
            LOG.warn("job {}: the store is unavailable; it resumes from its checkpoint when the store is back", job.id());
        } catch (RuntimeException e) {
            LOG.error("job {} failed unexpectedly", job.id(), e);
            retry(job, "internal error: " + e);
        } catch (OutOfMemoryError e) {
            LOG.error("job {} ran out of memory", job.id(), e);
            retry(job, StageQueue.StageFailedException.reason("job", e));
        } catch (Error e) {
            // An Error ends this attempt, not the runner: the runner goes on with the next job.
            LOG.error("job {} failed with an error", job.id(), e);
            retry(job, "internal error: " + e);
        } finally {
            renew.cancel(false);
        }
    }

    /**
     * Notices a running job whose progress stands still while its lease is held: after
     * {@link JobTuning#stallAfter} without a new line processed, it logs the job once and says so in the
     * job's statusMessage; when the job moves again, the message is cleared.
     */
    private final class Watchdog {
        private final Job job;
        private final JobMetrics.Tracker tracker;
        private long lastProcessed = -1;
        private java.time.Instant lastMoved = clock.instant();
        private boolean reported;

        Watchdog(Job job, JobMetrics.Tracker tracker) {
            this.job = job;
            this.tracker = tracker;
        }

        void check() {
            Optional<Job> now = jobs.find(job.id());
            if (now.isEmpty()) return;
            tracker.observe(now.get());
            long processed = now.get().counts().processed();
            java.time.Instant t = clock.instant();
            if (processed != lastProcessed) {
                lastProcessed = processed;
                lastMoved = t;
                if (reported) {
                    reported = false;
                    jobs.setStatusMessage(job.id(), owner, null);
                    LOG.info("job {} is moving again", job.id());
                }
                return;
            }
            java.time.Duration still = java.time.Duration.between(lastMoved, t);
            if (!reported && still.compareTo(tuning.stallAfter()) >= 0) {
                reported = true;
                String message = "no progress for " + still.toSeconds() + " s (since " + lastMoved
                        + ", at " + processed + " lines); the job still holds its lease";
                LOG.warn("job {} of hub {}: {}", job.id(), job.hub(), message);
                jobs.setStatusMessage(job.id(), owner, message);
            }
        }
    }

    /** Hands the job back to be resumed from its checkpoint; the claim that resumes it counts the retry. */
    private void retry(Job job, String rawReason) {
        String reason = LogText.escape(rawReason);
        LOG.warn("job {} (retried {} of {} times so far) will be resumed from its checkpoint: {}", job.id(),
                job.retries(), Job.MAX_RETRIES, reason);
        try {
            jobs.releaseForRetry(job.id(), owner, reason);
        } catch (RuntimeException e) {
            LOG.warn("job {}: releasing it failed: {}", job.id(), e.getMessage());
        }
    }

    private void fail(Job job, String rawReason) {
        String reason = LogText.escape(rawReason);
        LOG.warn("job {} failed: {}", job.id(), reason);
        try {
            jobs.finish(job.id(), owner, JobPhase.FAILED, reason, clock.instant(), null);
        } catch (RuntimeException e) {
            LOG.warn("job {}: recording the failure failed: {}", job.id(), e.getMessage());
        }
    }

    /**
     * Stops at the next batch boundary and hands the lease back, within a bound whatever the job's threads
     * are doing: a job waiting on its stages notices the stop within a fraction of a second; a worker still
     * busy after {@link #STOP_GRACE} is interrupted, and after {@link #STOP_BOUND} left behind (the job
     * resumes from its last checkpoint on the next claim).
     */
    @Override
    public void close() {
        stopping = true;
        wake.release();
        try {
            worker.join(STOP_GRACE.toMillis());
            if (worker.isAlive()) {
                LOG.warn("the job runner did not stop within {}; interrupting it", STOP_GRACE);
                worker.interrupt();
                worker.join(STOP_BOUND.minus(STOP_GRACE).toMillis());
            }
            if (worker.isAlive()) LOG.warn("the job runner is still busy; stopping without it");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        heartbeat.shutdownNow();
        try {
            jobs.handBackLeases(owner);
        } catch (RuntimeException e) {
            LOG.warn("handing back job leases failed: {}", e.getMessage());
        }
    }

    private static void sleepQuietly(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }
}

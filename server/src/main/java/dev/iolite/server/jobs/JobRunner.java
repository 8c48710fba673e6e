package dev.iolite.server.jobs;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.iolite.server.blob.BlobContainers;
import dev.iolite.server.errors.IoliteException;
import dev.iolite.server.errors.LogKeys;
import dev.iolite.server.errors.LogText;
import dev.iolite.server.registry.RegistryService;
import dev.iolite.server.registry.RegistryStore;
import dev.iolite.server.store.StatementTimeoutException;
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
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A node's job runner: {@link JobTuning#workers} worker threads each claim a runnable job with a lease, renew
 * the lease while they work and run it, so jobs of different hubs run side by side (a hub still runs one job
 * at a time, across nodes: the claim says so). Hubs take turns: a claim takes the hub whose last job started
 * longest ago. When the node stops, the runner gives its leases back so another node (or this one, after a
 * restart) resumes each job from its checkpoint.
 *
 * <p>Each worker claims under its own lease owner ({@code node/slot}): one of a node's workers never runs a job
 * that another of its workers still holds, and a worker whose lease was taken over notices it on its next write.
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
    /** How method jobs call devices; until the device side is wired in, every device is offline. */
    private volatile MethodInvoker methods = (hub, deviceId, method) -> java.util.concurrent.CompletableFuture.failedFuture(
            new dev.iolite.server.errors.IoliteException(dev.iolite.server.errors.ErrorCode.DEVICE_NOT_ONLINE,
                    "device '" + deviceId + "' is not connected"));
    private final ObjectMapper json;
    private final JobMetrics metrics;
    private final Semaphore wake = new Semaphore(0);
    private final ScheduledExecutorService heartbeat;
    /** The worker threads by slot; a worker that dies while the runner is not stopping is replaced. */
    private final Thread[] workers;
    private volatile boolean stopping;
    /** How long a stop waits for the running job to reach a checkpoint before interrupting it. */
    static final java.time.Duration STOP_GRACE = java.time.Duration.ofSeconds(15);
    /** How often finished jobs past their retention are removed. */
    static final java.time.Duration HOUSEKEEPING_EVERY = java.time.Duration.ofHours(1);
    /** How long a stop waits at most for the runner. */
    static final java.time.Duration STOP_BOUND = java.time.Duration.ofSeconds(20);

    /** The hub's configurations for import and export jobs that include them; set when the server has them. */
    private volatile ConfigurationTransfer configurations = ConfigurationTransfer.UNAVAILABLE;

    /** Sets how scheduled method jobs call devices (the device side's direct method calls). */
    public void methods(MethodInvoker invoker) {
        this.methods = invoker;
    }

    /** Sets how import and export jobs with {@code includeConfigurations} read and write the hubs' configurations. */
    public void configurations(ConfigurationTransfer transfer) {
        this.configurations = transfer;
    }

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
        int n = Math.max(1, tuning.workers());
        this.workers = new Thread[n];
        this.heartbeat = Executors.newScheduledThreadPool(n, r -> daemon(r, "iolite-job-lease"));
    }

    /** Takes back the jobs this node held before a crash, then starts the workers. */
    public void start() {
        int resumed = reclaimOwnLeases();
        if (resumed > 0) LOG.info("resuming {} job(s) this node was running before it stopped", resumed);
        for (int slot = 0; slot < workers.length; slot++) startWorker(slot);
    }

    private synchronized void startWorker(int slot) {
        if (stopping) return;
        workers[slot] = daemon(() -> work(slot), "iolite-jobs-" + slot);
        workers[slot].start();
    }

    /** The lease owner of a worker: the node's id and the worker's slot. */
    private String ownerOf(int slot) {
        return owner + "/" + slot;
    }

    // The steps of the loop, each run once; tests call them directly with a clock they set.

    /**
     * Claims the next job at the clock's time and runs it until it ends or stops: a job of no node, or one
     * whose node's lease lapsed (lease takeover). Returns whether there was one.
     */
    public boolean runNext() {
        return runNext(0);
    }

    private boolean runNext(int slot) {
        Instant now = clock.instant();
        String me = ownerOf(slot);
        Optional<Job> claimed = jobs.claimNext(me, now, now.plus(tuning.lease()));
        if (claimed.isEmpty()) return false;
        wake(); // there may be more: an idle worker looks at once
        runOne(claimed.get(), me);
        return true;
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

    /**
     * Looks for work now instead of at the next poll (a job was just created): wakes one idle worker. Wakes that
     * no worker took yet are kept up to one per worker, so a burst of creates costs no burst of claims.
     */
    public void wake() {
        if (wake.availablePermits() < workers.length) wake.release();
    }

    /**
     * One worker's loop. Idle workers look for work in turn: each waits {@code poll} times the number of workers
     * (a node's idle claims cost the store what one worker's did), and a create on this node or a claim by a
     * sibling wakes one at once. The first worker also removes old jobs.
     */
    private void work(int slot) {
        try {
            loop(slot);
        } catch (RuntimeException | Error e) {
            LOG.error("job worker {} failed", slot, e);
        } finally {
            if (!stopping) {
                // the owner learns of a worker's death: it is logged, and another takes its slot
                LOG.error("job worker {} ended while the runner runs; starting another in its place", slot);
                sleepQuietly(1000);
                startWorker(slot);
            }
        }
    }

    private void loop(int slot) {
        Instant lastHousekeeping = Instant.EPOCH;
        long idleMs = tuning.poll().toMillis() * workers.length;
        while (!stopping) {
            try {
                Instant now = clock.instant();
                if (slot == 0 && now.isAfter(lastHousekeeping.plus(HOUSEKEEPING_EVERY))) {
                    housekeep();
                    lastHousekeeping = now;
                }
                if (!runNext(slot)) wake.tryAcquire(idleMs, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                if (!stopping) continue; // only a stop ends a worker
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

    private void runOne(Job job, String me) {
        // every line this job's threads log names the job, its hub and the request that created it
        org.slf4j.MDC.put(LogKeys.JOB_ID, job.id());
        org.slf4j.MDC.put(LogKeys.HUB, job.hub());
        if (job.request().requestId() != null) org.slf4j.MDC.put(LogKeys.REQUEST_ID, job.request().requestId());
        JobMetrics.Tracker tracker = metrics.track(job);
        metrics.entered(job.hub(), job.type(), JobPhase.RUNNING);
        try {
            runOne(job, me, tracker);
        } finally {
            jobs.find(job.id()).ifPresent(now -> {
                tracker.observe(now);
                if (now.status().isFinal()) metrics.entered(job.hub(), job.type(), now.status());
            });
            tracker.end();
            org.slf4j.MDC.clear();
        }
    }

    private void runOne(Job job, String me, JobMetrics.Tracker tracker) {
        LOG.info("job {} ({} of hub {}) started", job.id(), job.type().wireName(), job.hub());
        JobWatchdog watchdog = new JobWatchdog(jobs, clock, tuning.stallAfter(), job, me, tracker);
        // Set by the heartbeat when another runner holds the lease now (it lapsed, and the taker counted a retry):
        // the job stops waiting on its stages, even on a scan that is still running, and writes nothing more.
        AtomicBoolean leaseLost = new AtomicBoolean();
        ScheduledFuture<?> renew = heartbeat.scheduleAtFixedRate(() -> {
            try {
                if (!jobs.renewLease(job.id(), me, clock.instant().plus(tuning.lease()))) {
                    if (!leaseLost.getAndSet(true)) LOG.warn("job {}: lease lost to another runner", job.id());
                    return;
                }
                watchdog.check();
            } catch (RuntimeException | Error e) {
                LOG.warn("job {}: renewing the lease failed: {}", job.id(), e.toString());
            }
        }, tuning.heartbeat().toMillis(), tuning.heartbeat().toMillis(), TimeUnit.MILLISECONDS);
        try {
            JobRun run = new JobRun(job, me, registry, registryStore, jobs, containers, clock,
                    () -> stopping || leaseLost.get(), tuning, methods);
            JobRun.Stop stop = switch (job.type()) {
                case IMPORT -> new ImportJob(run, json, configurations).execute();
                case EXPORT -> new ExportJob(run, json, configurations).execute();
                case SCHEDULE_UPDATE_TWIN, SCHEDULE_DEVICE_METHOD -> new ScheduledJob(run, json, methods).execute();
            };
            switch (stop) {
                case NONE -> LOG.info("job {} completed", job.id());
                case CANCELLED -> {
                    Job now = jobs.find(job.id()).orElse(job);
                    jobs.finish(job.id(), me, JobPhase.CANCELLED, null, clock.instant(), null);
                    LOG.info("job {} cancelled after {} lines", job.id(), now.counts().processed());
                }
                case NODE_STOPPING -> {
                    if (leaseLost.get()) {
                        LOG.warn("job {}: its lease is gone (it lapsed and another runner took the job over); stopping"
                                + " here", job.id());
                    } else {
                        LOG.info("job {} paused at its checkpoint; it resumes when a node claims it", job.id());
                    }
                }
            }
        } catch (LeaseLostException e) {
            LOG.warn("job {}: its lease is gone (another runner took it over, or its hub was deleted); stopping here",
                    job.id());
        } catch (StatementTimeoutException e) {
            // the store stopped a statement at its deadline (a scan over too many rows, a filter too costly): a
            // failed attempt, retried from the checkpoint; past the retries the job fails with this reason
            retry(job, me, (job.type() == JobKind.EXPORT ? "the export's scan of the registry"
                    : job.type() == JobKind.IMPORT ? "a statement of the import" : "the job's query of its devices")
                    + " ran past the store's deadline of " + e.deadline().toSeconds() + " s and was stopped"
                    + (job.request().filter() != null ? "; a narrower " + JobService.FILTER_FIELD + " scans less" : ""));
        } catch (StageQueue.StageFailedException e) {
            // a stage died of the server's trouble (an Error, a bug): retried from the checkpoint, within the bound
            LOG.warn("job {}: a stage failed", job.id(), e.getCause());
            retry(job, me, e.getMessage());
        } catch (JobFailure | IoliteException e) {
            fail(job, me, e.getMessage());
        } catch (java.io.IOException | java.io.UncheckedIOException e) {
            fail(job, me, "blob storage failed: " + e.getMessage());
        } catch (StoreUnavailableException e) {
            // A failed attempt too, with the store's words: when the store is down the release fails as well and
            // the lease lapses instead; either way the next claim, once the store answers, counts the retry.
            LOG.warn("job {}: the store failed; it resumes from its checkpoint when the store answers", job.id());
            retry(job, me, e.getMessage());
        } catch (RuntimeException e) {
            LOG.error("job {} failed unexpectedly", job.id(), e);
            retry(job, me, "internal error: " + e);
        } catch (OutOfMemoryError e) {
            LOG.error("job {} ran out of memory", job.id(), e);
            retry(job, me, StageQueue.StageFailedException.reason("job", e));
        } catch (Error e) {
            // An Error ends this attempt, not the runner: the runner goes on with the next job.
            LOG.error("job {} failed with an error", job.id(), e);
            retry(job, me, "internal error: " + e);
        } finally {
            renew.cancel(false);
        }
    }

    /** Hands the job back to be resumed from its checkpoint; the claim that resumes it counts the retry. */
    private void retry(Job job, String me, String rawReason) {
        String reason = LogText.escape(rawReason);
        LOG.warn("job {} (retried {} of {} times so far) will be resumed from its checkpoint: {}", job.id(),
                job.retries(), Job.MAX_RETRIES, reason);
        try {
            jobs.releaseForRetry(job.id(), me, reason);
        } catch (RuntimeException e) {
            LOG.warn("job {}: releasing it failed: {}", job.id(), e.getMessage());
        }
    }

    private void fail(Job job, String me, String rawReason) {
        String reason = LogText.escape(rawReason);
        LOG.warn("job {} failed: {}", job.id(), reason);
        try {
            jobs.finish(job.id(), me, JobPhase.FAILED, reason, clock.instant(), null);
        } catch (RuntimeException e) {
            LOG.warn("job {}: recording the failure failed: {}", job.id(), e.getMessage());
        }
    }

    /**
     * Stops every worker at its job's next batch boundary and hands the leases back, within a bound whatever the
     * jobs' threads are doing: a job waiting on its stages notices the stop within a fraction of a second; workers
     * still busy after {@link #STOP_GRACE} (counted for all of them together) are interrupted, and after
     * {@link #STOP_BOUND} left behind (their jobs resume from their last checkpoints on the next claim).
     */
    @Override
    public void close() {
        Thread[] running;
        synchronized (this) {
            stopping = true;
            running = workers.clone();
        }
        wake.release(running.length);
        long start = System.nanoTime();
        try {
            joinAll(running, start + STOP_GRACE.toNanos());
            if (anyAlive(running)) {
                LOG.warn("the job runner did not stop within {}; interrupting its workers", STOP_GRACE);
                for (Thread t : running) if (t != null) t.interrupt();
                joinAll(running, start + STOP_BOUND.toNanos());
            }
            if (anyAlive(running)) LOG.warn("the job runner is still busy; stopping without it");
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

    private static void joinAll(Thread[] threads, long deadlineNanos) throws InterruptedException {
        for (Thread t : threads) {
            if (t == null) continue;
            long left = deadlineNanos - System.nanoTime();
            if (left <= 0) return;
            t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
        }
    }

    private static boolean anyAlive(Thread[] threads) {
        for (Thread t : threads) if (t != null && t.isAlive()) return true;
        return false;
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

package dev.iolite.server.jobs;

import dev.iolite.server.query.QueryCompiler;
import dev.iolite.server.query.TwinQuery;
import dev.iolite.server.registry.RegistryStore;

import dev.iolite.server.blob.BlobContainer;
import dev.iolite.server.blob.BlobContainers;
import dev.iolite.server.blob.BlobField;
import dev.iolite.server.blob.BlobFieldException;
import dev.iolite.server.errors.ErrorCode;
import dev.iolite.server.errors.IoliteException;

import dev.iolite.server.blob.LocalNames;
import dev.iolite.server.errors.LogText;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * Creating, reading, listing and cancelling import/export jobs for both surfaces. A create checks
 * the request and probes the containers first (a clear 400 now beats a failed job later), then
 * enqueues; by default one active job per hub, as IoT Hub
 * (https://learn.microsoft.com/azure/iot-hub/iot-hub-devguide-quotas-throttling), unless queueing is on.
 */
public final class JobService {
    private static final Logger LOG = LoggerFactory.getLogger(JobService.class);
    private final JobMetrics metrics;
    /** Jobs a hub may have waiting with --job-queue; beyond it a create gets 403 JobQuotaExceeded. */
    public static final int MAX_QUEUED_PER_HUB = 20;
    /** Creates probing containers at once, across all hubs. */
    public static final int MAX_CONCURRENT_PROBES = 8;
    /** How long a create waits for a probe slot before it is told to retry (429). */
    public static final Duration PROBE_WAIT = Duration.ofSeconds(2);
    /** How long the store may take to plan an export's filtered statements at create; past it the create is a 400. */
    public static final Duration FILTER_CHECK_TIME = Duration.ofSeconds(5);
    static final String UNREACHABLE = "the blob container could not be reached, or it refused access: check the URI,"
            + " that its SAS grants what the job needs and has not expired, and that the server may contact its host";

    private final Semaphore probes = new Semaphore(MAX_CONCURRENT_PROBES);
    private final JobStore jobs;
    private final RegistryStore registryStore;
    private final BlobContainers containers;
    private final Clock clock;
    private final boolean queue;
    private final Runnable wakeRunner;

    public JobService(JobStore jobs, RegistryStore registryStore, BlobContainers containers, Clock clock, boolean queue,
                      Runnable wakeRunner, JobMetrics metrics) {
        this.metrics = metrics;
        this.jobs = jobs;
        this.registryStore = registryStore;
        this.containers = containers;
        this.clock = clock;
        this.queue = queue;
        this.wakeRunner = wakeRunner;
    }

    /**
     * The request field of Iolite's extension that filters an export (on both surfaces): a condition of the
     * query language, such as {@code tags.site = 'north'}. The official SDKs never send it.
     */
    public static final String FILTER_FIELD = "ioliteFilter";

    /** Validates and enqueues a job of {@code hub}; {@code requestId} is the HTTP request's, for the job's logs. */
    public Job create(String hub, JobRequest request, String requestId) {
        JobRequest req = request.withDefaults().withRequestId(requestId);
        if (req.filter() != null) {
            if (req.type() != JobKind.EXPORT) {
                throw new IoliteException(ErrorCode.ARGUMENT_INVALID, "'" + FILTER_FIELD + "' selects what an export "
                        + "writes; an import takes none");
            }
            TwinQuery filter;
            try {
                filter = QueryCompiler.compileFilter(req.filter());
            } catch (IoliteException e) {
                throw new IoliteException(e.errorCode(), "'" + FILTER_FIELD + "': " + e.getMessage());
            }
            // What the compiler accepts a store may still refuse (too deep, too long, a character it cannot hold):
            // the store plans the export's own statements now, so that is a 400 here and never a failing job.
            Optional<String> refused = registryStore.checkScan(hub, filter, ExportJob.PAGE, FILTER_CHECK_TIME);
            if (refused.isPresent()) {
                throw new IoliteException(ErrorCode.ARGUMENT_INVALID, "'" + FILTER_FIELD + "': the store cannot run "
                        + "this filter: " + refused.get());
            }
        }
        checkBlobName(req.inputBlobName(), BlobField.INPUT_BLOB);
        checkBlobName(req.outputBlobName(), BlobField.OUTPUT_BLOB);
        if (req.configurationsBlobName() != null) {
            checkBlobName(req.configurationsBlobName(), BlobField.CONFIGURATIONS_BLOB);
            // the devices' blob and the configurations' blob are in one container: one name would be both
            String devices = req.type() == JobKind.IMPORT ? req.inputBlobName() : req.outputBlobName();
            if (req.configurationsBlobName().equals(devices)) {
                throw new BlobFieldException(ErrorCode.ARGUMENT_INVALID, BlobField.CONFIGURATIONS_BLOB,
                        "names the devices' blob, '" + devices + "'; the configurations need a blob of their own");
            }
        }
        if (req.type() == JobKind.IMPORT) {
            BlobContainer in = containers.open(hub, req.inputContainerUri(), req.storageAuth(), BlobField.INPUT_CONTAINER,
                    false, BlobContainers.Use.PROBE);
            BlobContainer out = containers.open(hub, req.outputContainerUri(), req.storageAuth(),
                    BlobField.OUTPUT_CONTAINER, true, BlobContainers.Use.PROBE);
            probe(() -> {
                if (!in.exists()) throw unreachable();
                if (in.size(req.inputBlobName()).isEmpty()) {
                    throw blob("the input blob '" + req.inputBlobName() + "' does not exist (or is not committed) in "
                            + in.describe());
                }
                if (req.configurationsBlobName() != null && in.size(req.configurationsBlobName()).isEmpty()) {
                    throw blob("the configurations blob '" + req.configurationsBlobName() + "' does not exist (or is not"
                            + " committed) in " + in.describe() + "; an import with includeConfigurations reads it there");
                }
                out.probeWrite(req.outputBlobName());
            });
        } else {
            BlobContainer out = containers.open(hub, req.outputContainerUri(), req.storageAuth(),
                    BlobField.OUTPUT_CONTAINER, true, BlobContainers.Use.PROBE);
            probe(() -> {
                if (!out.exists()) throw unreachable();
                out.probeWrite(req.outputBlobName());
                if (req.configurationsBlobName() != null) out.probeWrite(req.configurationsBlobName());
            });
        }
        Job job = Job.enqueued(UUID.randomUUID().toString(), hub, req, clock.instant());
        if (!jobs.insert(job, !queue, MAX_QUEUED_PER_HUB)) {
            throw new IoliteException(ErrorCode.JOB_QUOTA_EXCEEDED, queue
                    ? "hub '" + hub + "' already has " + MAX_QUEUED_PER_HUB + " import or export jobs waiting, the most"
                            + " a hub may queue; wait for some to end"
                    : "hub '" + hub + "' already has an active import or export job; wait for it to end, or start the"
                            + " server with --job-queue to queue jobs");
        }
        LOG.info("job {} ({} of hub {}) created by request {}", job.id(), req.type().wireName(), hub, requestId);
        metrics.entered(hub, req.type(), JobPhase.ENQUEUED);
        wakeRunner.run();
        return job;
    }

    /** Scheduled jobs a hub may have waiting or running at once. */
    public static final int MAX_SCHEDULED_PER_HUB = 100;
    /** IoT Hub's limit of a job id: ASCII letters, digits and '-'. */
    private static final java.util.regex.Pattern SCHEDULED_ID = java.util.regex.Pattern.compile("[A-Za-z0-9-]{1,64}");

    /**
     * The stored id of a hub's scheduled job: its hub's name in lower case, ':', the client's id (job ids of jobs v2
     * are the client's, and only unique within a hub; import and export jobs have UUIDs, which hold no ':').
     */
    public static String scheduledId(String hub, String jobId) {
        return hub.toLowerCase(java.util.Locale.ROOT) + ":" + jobId;
    }

    /** The id a client knows a job by: a scheduled job's own, an import's or export's UUID. */
    public static String scheduledJobId(Job job) {
        return job.type().isScheduled() ? job.id().substring(job.id().indexOf(':') + 1) : job.id();
    }

    /**
     * Schedules a twin update or a method call (jobs v2) over the devices {@code request}'s condition selects, from
     * its start. Refuses an id in use in the hub (409104), a condition that does not compile or that the store cannot
     * run (400), and a hub with {@link #MAX_SCHEDULED_PER_HUB} scheduled jobs waiting (429004).
     */
    public Job schedule(String hub, String jobId, JobRequest request, String requestId) {
        if (jobId == null || !SCHEDULED_ID.matcher(jobId).matches()) {
            throw bad("a job id is 1 to 64 ASCII letters, digits and '-', not '" + jobId + "'");
        }
        JobRequest req = request.withRequestId(requestId);
        TwinQuery condition;
        try {
            condition = QueryCompiler.compileFilter(req.filter());
        } catch (IoliteException e) {
            throw new IoliteException(e.errorCode(), "'queryCondition': " + e.getMessage());
        }
        Optional<String> refused = registryStore.checkScan(hub, condition, ScheduledJob.batchOf(req.type()),
                FILTER_CHECK_TIME);
        if (refused.isPresent()) {
            throw bad("'queryCondition': the store cannot run this condition: " + refused.get());
        }
        String id = scheduledId(hub, jobId);
        if (jobs.find(id).isPresent()) {
            throw new IoliteException(ErrorCode.JOB_ALREADY_EXISTS, "hub '" + hub + "' already has a job '" + jobId + "'");
        }
        Job job = Job.enqueued(id, hub, req, clock.instant());
        boolean inserted;
        try {
            inserted = jobs.insert(job, false, MAX_SCHEDULED_PER_HUB);
        } catch (dev.iolite.server.store.StaleWriteException e) {
            throw new IoliteException(ErrorCode.JOB_ALREADY_EXISTS, "hub '" + hub + "' already has a job '" + jobId + "'");
        }
        if (!inserted) {
            throw new IoliteException(ErrorCode.MAX_ACTIVE_JOBS, "hub '" + hub + "' already has " + MAX_SCHEDULED_PER_HUB
                    + " jobs waiting, the most it may; wait for some to end");
        }
        if (req.schedule().start().isAfter(job.createdAt())) jobs.holdUntil(id, req.schedule().start());
        LOG.info("job {} ({} of hub {}) scheduled by request {}", jobId, req.type().wireName(), hub, requestId);
        metrics.entered(hub, req.type(), JobPhase.ENQUEUED);
        wakeRunner.run();
        return jobs.find(id).orElse(job);
    }

    /** The hub's scheduled job of that id (404 when it has none). */
    public Job getScheduled(String hub, String jobId) {
        return jobs.find(scheduledId(hub, jobId)).filter(j -> j.hub().equalsIgnoreCase(hub) && j.type().isScheduled())
                .orElseThrow(() -> notFound(jobId));
    }

    /** Cancels a scheduled job: one that waits ends at once, a running one after its batch. */
    public Job cancelScheduled(String hub, String jobId) {
        getScheduled(hub, jobId);
        return cancel(hub, scheduledId(hub, jobId));
    }

    public Job get(String hub, String id) {
        return find(hub, id).orElseThrow(() -> notFound(id));
    }

    /** A job of the hub by the id its client knows: an import's or export's UUID, or a scheduled job's own id. */
    private Optional<Job> find(String hub, String id) {
        Optional<Job> bulk = jobs.find(id).filter(j -> j.hub().equalsIgnoreCase(hub));
        if (bulk.isPresent() || id.indexOf(':') >= 0) return bulk;
        return jobs.find(scheduledId(hub, id)).filter(j -> j.hub().equalsIgnoreCase(hub));
    }

    /** The hub's jobs, newest first. */
    public List<Job> list(String hub, int skip, int limit) {
        return jobs.list(hub, skip, limit);
    }

    /** Cancels: an enqueued job ends at once, a running one at its next batch boundary. */
    public Job cancel(String hub, String id) {
        Job before = find(hub, id).orElseThrow(() -> notFound(id));
        Job after = jobs.requestCancel(before.id(), clock.instant()).orElseThrow(() -> notFound(id));
        // a job that never ran is cancelled here; a running one by its runner, which counts it
        if (before.status() == JobPhase.ENQUEUED && after.status() == JobPhase.CANCELLED) {
            metrics.entered(hub, after.type(), JobPhase.CANCELLED);
        }
        return after;
    }

    private interface Probe {
        void run() throws IOException;
    }

    /**
     * Runs the container probes of one create: at most {@link #MAX_CONCURRENT_PROBES} creates probe at
     * once (each probe times out within seconds), and a create that finds no free slot within
     * {@link #PROBE_WAIT} is told to retry, so bad containers cannot tie up the request threads that
     * every other call needs. Whatever went wrong on the other side is reported with one message.
     */
    private void probe(Probe p) {
        boolean acquired;
        try {
            acquired = probes.tryAcquire(PROBE_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IoliteException(ErrorCode.SERVICE_UNAVAILABLE, "the server is stopping");
        }
        if (!acquired) {
            throw new IoliteException(ErrorCode.THROTTLED, "too many jobs are being created at once; try again shortly");
        }
        try {
            p.run();
        } catch (IoliteException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            LOG.info("container probe failed: {}", LogText.escape(String.valueOf(e)));
            throw unreachable();
        } finally {
            probes.release();
        }
    }

    /** The one message for every failure to use a container: it says nothing of what answered, if anything did. */
    static IoliteException unreachable() {
        return blob(UNREACHABLE);
    }

    private static IoliteException blob(String message) {
        return new IoliteException(ErrorCode.BLOB_CONTAINER_VALIDATION_ERROR, message);
    }

    private static void checkBlobName(String name, BlobField field) {
        if (name == null) return;
        String problem = LocalNames.blobNameProblem(name);
        if (problem != null) throw new BlobFieldException(ErrorCode.ARGUMENT_INVALID, field, problem);
    }

    private static IoliteException notFound(String id) {
        return new IoliteException(ErrorCode.JOB_NOT_FOUND, "job '" + id + "' does not exist");
    }

    private static IoliteException bad(String message) {
        return new IoliteException(ErrorCode.ARGUMENT_INVALID, message);
    }
}

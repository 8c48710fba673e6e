package dev.iolite.server.jobs;

import dev.iolite.server.blob.BlobContainer;
import dev.iolite.server.blob.BlobContainers;
import dev.iolite.server.registry.ErrorCode;
import dev.iolite.server.registry.IoliteException;
import dev.iolite.server.store.JobStore;

import java.io.IOException;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * Creating, reading, listing and cancelling import/export jobs for both surfaces. A create checks
 * the request and probes the containers first (a clear 400 now beats a failed job later), then
 * enqueues; by default one active job per hub, as IoT Hub (SPEC §3.8), unless queueing is on.
 */
public final class JobService {
    private final JobStore jobs;
    private final BlobContainers containers;
    private final Clock clock;
    private final boolean queue;
    private final Runnable wakeRunner;

    public JobService(JobStore jobs, BlobContainers containers, Clock clock, boolean queue, Runnable wakeRunner) {
        this.jobs = jobs;
        this.containers = containers;
        this.clock = clock;
        this.queue = queue;
        this.wakeRunner = wakeRunner;
    }

    public Job create(String hub, JobRequest request) {
        JobRequest req = request.withDefaults();
        if (req.type() == JobType.IMPORT) {
            BlobContainer in = containers.open(req.inputContainerUri(), req.storageAuth(), "inputBlobContainerUri", false);
            BlobContainer out = containers.open(req.outputContainerUri(), req.storageAuth(), "outputBlobContainerUri", true);
            probe(() -> {
                if (!in.exists()) throw bad("the input container " + in.describe() + " does not exist or cannot be listed");
                if (in.size(req.inputBlobName()).isEmpty()) {
                    throw bad("the input blob '" + req.inputBlobName() + "' does not exist (or is not committed) in "
                            + in.describe());
                }
                out.probeWrite(req.outputBlobName());
            }, "the containers");
        } else {
            BlobContainer out = containers.open(req.outputContainerUri(), req.storageAuth(), "outputBlobContainerUri", true);
            probe(() -> {
                if (!out.exists()) throw bad("the output container " + out.describe() + " does not exist or cannot be listed");
                out.probeWrite(req.outputBlobName());
            }, "the output container");
        }
        Job job = new Job(UUID.randomUUID().toString(), hub, req.type(), JobStatus.ENQUEUED, req, clock.instant(), null,
                null, 0, JobCounts.ZERO, 0, null, null, false, null, null, null);
        if (!jobs.insert(job, !queue)) {
            throw new IoliteException(ErrorCode.JOB_QUOTA_EXCEEDED, "hub '" + hub + "' already has an active import"
                    + " or export job; wait for it to end, or start the server with --job-queue to queue jobs");
        }
        wakeRunner.run();
        return job;
    }

    public Job get(String hub, String id) {
        return find(hub, id).orElseThrow(() -> notFound(id));
    }

    private Optional<Job> find(String hub, String id) {
        return jobs.find(id).filter(j -> j.hub().equalsIgnoreCase(hub));
    }

    /** The hub's jobs, newest first. */
    public List<Job> list(String hub, int skip, int limit) {
        return jobs.list(hub, skip, limit);
    }

    /** Cancels: an enqueued job ends at once, a running one at its next batch boundary. */
    public Job cancel(String hub, String id) {
        find(hub, id).orElseThrow(() -> notFound(id));
        return jobs.requestCancel(id, clock.instant()).orElseThrow(() -> notFound(id));
    }

    private interface Probe {
        void run() throws IOException;
    }

    private static void probe(Probe p, String what) {
        try {
            p.run();
        } catch (IOException e) {
            throw bad("probing " + what + " failed: " + e.getMessage()
                    + "; check the URI and that its SAS allows what the job needs");
        }
    }

    private static IoliteException notFound(String id) {
        return new IoliteException(ErrorCode.JOB_NOT_FOUND, "job '" + id + "' does not exist");
    }

    private static IoliteException bad(String message) {
        return new IoliteException(ErrorCode.ARGUMENT_INVALID, message);
    }
}

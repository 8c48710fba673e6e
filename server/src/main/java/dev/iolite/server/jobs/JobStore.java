package dev.iolite.server.jobs;

import dev.iolite.server.store.Transaction;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** Import/export jobs: the queue every node shares (docs/architecture.md, "Several nodes, one job queue"). */
public interface JobStore {

    /**
     * Inserts an enqueued job. With {@code onlyIfNoneActive}, refuses (returns false) when the hub
     * already has an enqueued or running job; otherwise refuses when the hub already has
     * {@code maxQueued} enqueued jobs. The check and the insert are one transaction.
     */
    boolean insert(Job job, boolean onlyIfNoneActive, int maxQueued);

    /** The job, or empty. */
    Optional<Job> find(String id);

    /** The hub's jobs, newest first, skipping {@code skip}, at most {@code limit}. */
    List<Job> list(String hub, int skip, int limit);

    /**
     * Claims the oldest runnable job: enqueued with no running job on its hub, or running with an
     * expired lease (its runner died). Sets it running under {@code owner} until {@code leaseUntil}.
     */
    Optional<Job> claimNext(String owner, Instant now, Instant leaseUntil);

    /** Extends the lease if {@code owner} still holds it; false when it was lost. */
    boolean renewLease(String jobId, String owner, Instant leaseUntil);

    /** Sets (or, with null, clears) the running job's status message if {@code owner} holds its lease. */
    void setStatusMessage(String jobId, String owner, String message);

    /**
     * Ends every lease {@code owner} (a node) or one of its workers ({@code owner/slot}) still holds from before
     * it restarted, so its jobs can be claimed at once; each counts as a retry (the node stopped without handing
     * the job back).
     */
    int expireLeasesOf(String owner);

    /**
     * Hands the jobs of {@code owner} (a node) and its workers ({@code owner/slot}) back at a clean stop: claimed
     * again at once, and not counted as a retry.
     */
    int handBackLeases(String owner);

    /**
     * Releases a job the server failed (out of memory, a bug) to be claimed again from its checkpoint, with
     * {@code reason} as its status message; the next claim counts a retry, and a claim past
     * {@link dev.iolite.server.jobs.Job#MAX_RETRIES} fails the job with that reason instead.
     */
    void releaseForRetry(String jobId, String owner, String reason);

    /** Commits progress and checkpoint alone (export, and batches without device writes). @throws dev.iolite.server.jobs.LeaseLostException */
    void saveProgress(JobProgress progress);

    /** As {@link #saveProgress(JobProgress)}, inside a transaction another port opened (a registry batch). */
    void saveProgress(Transaction tx, JobProgress progress);

    /** Cancels an enqueued job at once, or asks the runner of a running job to stop; returns the job after. */
    Optional<Job> requestCancel(String jobId, Instant now);

    /** True when a cancel was requested for the job. */
    boolean cancelRequested(String jobId);

    /** Ends the job (completed, failed or cancelled) if {@code owner} still holds it. */
    boolean finish(String jobId, String owner, dev.iolite.server.jobs.JobPhase status, String failureReason,
                   Instant end, JobProgress last);

    /** Removes finished jobs that ended before {@code cutoff}; returns how many. */
    int deleteFinishedBefore(Instant cutoff);

    /**
     * What every row of a scheduled job in {@code devices.jobs} shows of the job: its type and times (as the rows
     * show them, ISO-8601 in UTC), beside its id.
     */
    record DeviceJobHead(String jobType, String startTimeUtc, String createdDateTimeUtc) {}

    /**
     * A scheduled job's row of one device in {@code devices.jobs}, beside its job's part ({@link DeviceJobHead}): the
     * device, its status, when it ended (also its last update; as the rows show times), and the row's other members
     * as a JSON object (such as {@code {"outcome":{}}}).
     */
    record DeviceJobRow(String deviceId, String status, String endTimeUtc, String details) {}

    /** Writes (or replaces) a scheduled job's part of its rows; before any of its rows. */
    void saveDeviceJobHead(String hub, String jobId, DeviceJobHead head);

    /** Writes (or replaces) a scheduled job's rows of a batch inside the batch's transaction. */
    void saveDeviceJobs(Transaction tx, String hub, String jobId, List<DeviceJobRow> rows);

    /** Writes a scheduled job's rows of a batch and its progress in one transaction (a batch that wrote no twin). */
    void saveBatch(String hub, String jobId, List<DeviceJobRow> rows, JobProgress progress);

    /** Makes an enqueued job wait until {@code notBefore} before a runner claims it (a scheduled job's start). */
    void holdUntil(String jobId, Instant notBefore);
}

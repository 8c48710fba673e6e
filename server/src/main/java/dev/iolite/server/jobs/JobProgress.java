package dev.iolite.server.jobs;

/**
 * A job's progress to commit together with a batch (docs/architecture.md, "An import"). The write is conditional on
 * {@code leaseOwner} still holding the lease; otherwise the whole transaction fails with
 * {@link LeaseLostException}.
 */
public record JobProgress(String jobId, String leaseOwner, JobCounts counts, int progress, double devicesPerSecond,
                          Checkpoint checkpoint) {}

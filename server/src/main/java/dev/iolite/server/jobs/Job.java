package dev.iolite.server.jobs;

import java.time.Instant;

/** An import or export job as stored; both surfaces render it their own way. */
public record Job(String id, String hub, JobType type, JobStatus status, JobRequest request, Instant createdAt,
                  Instant startTime, Instant endTime, int progress, JobCounts counts, double devicesPerSecond,
                  String failureReason, String statusMessage, boolean cancelRequested, JobLease lease,
                  Checkpoint checkpoint) {
    /** The most times a job is resumed after the server failed it (a crash, running out of memory, a bug). */
    public static final int MAX_RETRIES = 3;

    public String leaseOwner() { return lease.owner(); }

    public Instant leaseExpires() { return lease.expires(); }

    /** How many times the job was resumed after the server failed it. */
    public int retries() { return lease.retries(); }

    /** Seconds left at the current rate, or null when unknown or finished. */
    public Long etaSeconds() {
        if (status != JobStatus.RUNNING || devicesPerSecond <= 0 || progress <= 0 || progress >= 100) return null;
        double done = counts.processed();
        double remaining = done * (100.0 - progress) / progress;
        return Math.round(remaining / devicesPerSecond);
    }
}

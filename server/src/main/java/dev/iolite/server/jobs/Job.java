package dev.iolite.server.jobs;

import java.time.Instant;

/** An import or export job as stored; both surfaces render it their own way. */
public record Job(String id, String hub, JobType type, JobStatus status, JobRequest request, Instant createdAt,
                  Instant startTime, Instant endTime, int progress, JobCounts counts, double devicesPerSecond,
                  String failureReason, String statusMessage, boolean cancelRequested, String leaseOwner,
                  Instant leaseExpires, Checkpoint checkpoint) {

    /** Seconds left at the current rate, or null when unknown or finished. */
    public Long etaSeconds() {
        if (status != JobStatus.RUNNING || devicesPerSecond <= 0 || progress <= 0 || progress >= 100) return null;
        double done = counts.processed();
        double remaining = done * (100.0 - progress) / progress;
        return Math.round(remaining / devicesPerSecond);
    }
}

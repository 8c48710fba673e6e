package dev.iolite.server.jobs;

import java.time.Instant;

/**
 * An import or export job as stored; both surfaces render it their own way. It is composed of what
 * was asked ({@code type}, {@code request}), where it stands ({@link JobState}), when things
 * happened ({@link JobTimes}), how far and how fast it got ({@link JobPace}), who runs it
 * ({@link JobLease}) and where a resumption starts ({@link Checkpoint}).
 */
public record Job(String id, String hub, JobKind type, JobRequest request, JobState state, JobTimes times,
                  JobPace pace, JobLease lease, Checkpoint checkpoint) {
    /** The most times a job is resumed after the server failed it (a crash, running out of memory, a bug). */
    public static final int MAX_RETRIES = 3;

    /** A job just asked for: enqueued, nothing done, no lease. */
    public static Job enqueued(String id, String hub, JobRequest request, Instant now) {
        return new Job(id, hub, request.type(), request, JobState.of(JobPhase.ENQUEUED), JobTimes.created(now),
                JobPace.NONE, JobLease.NONE, null);
    }

    public JobPhase status() { return state.status(); }

    public boolean cancelRequested() { return state.cancelRequested(); }

    public String failureReason() { return state.failureReason(); }

    public String statusMessage() { return state.statusMessage(); }

    public Instant createdAt() { return times.created(); }

    public Instant startTime() { return times.started(); }

    public Instant endTime() { return times.ended(); }

    public int progress() { return pace.progress(); }

    public JobCounts counts() { return pace.counts(); }

    public double devicesPerSecond() { return pace.devicesPerSecond(); }

    public String leaseOwner() { return lease.owner(); }

    public Instant leaseExpires() { return lease.expires(); }

    /** How many times the job was resumed after the server failed it. */
    public int retries() { return lease.retries(); }

    /** Seconds left at the current rate, or null when unknown or finished. */
    public Long etaSeconds() {
        int progress = progress();
        if (status() != JobPhase.RUNNING || devicesPerSecond() <= 0 || progress <= 0 || progress >= 100) return null;
        double done = counts().processed();
        double remaining = done * (100.0 - progress) / progress;
        return Math.round(remaining / devicesPerSecond());
    }
}

package dev.iolite.server.jobs;

/** Lines (import) or identities (export) processed so far, and how they ended. */
public record JobCounts(long processed, long succeeded, long failed) {
    public static final JobCounts ZERO = new JobCounts(0, 0, 0);

    public JobCounts plus(long ok, long bad) {
        return new JobCounts(processed + ok + bad, succeeded + ok, failed + bad);
    }
}

package dev.iolite.server.jobs;

/**
 * How far a job got and how fast.
 *
 * @param progress         percent done, 0 to 100
 * @param counts           lines or identities processed, and how they ended
 * @param devicesPerSecond the current rate, 0 when unknown
 */
public record JobPace(int progress, JobCounts counts, double devicesPerSecond) {
    public static final JobPace NONE = new JobPace(0, JobCounts.ZERO, 0);
}

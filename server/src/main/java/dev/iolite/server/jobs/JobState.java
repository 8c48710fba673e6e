package dev.iolite.server.jobs;

/**
 * Where a job stands.
 *
 * @param status          its status
 * @param cancelRequested a cancel was asked for and the runner has not yet acted on it
 * @param failureReason   why it failed, or null
 * @param statusMessage   what the runner last said about it (a stall, a resumption), or null
 */
public record JobState(JobPhase status, boolean cancelRequested, String failureReason, String statusMessage) {
    public static JobState of(JobPhase status) { return new JobState(status, false, null, null); }
}

package dev.iolite.server.jobs;

/** The runner no longer holds the job's lease: another node took it over. Nothing of the batch was applied. */
public final class LeaseLostException extends RuntimeException {
    public LeaseLostException(String jobId) { super("lost the lease of job " + jobId, null, false, false); }
}

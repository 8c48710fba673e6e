package dev.iolite.server.jobs;

import java.time.Instant;

/**
 * Who runs a job and until when, and how often it was resumed after the server failed it.
 *
 * @param owner   the node holding the job, or null
 * @param expires when the claim lapses without a heartbeat, or null
 * @param retries resumptions after a crash, a lost lease or a server-side failure (not after a clean stop)
 */
public record JobLease(String owner, Instant expires, int retries) {
    public static final JobLease NONE = new JobLease(null, null, 0);
}

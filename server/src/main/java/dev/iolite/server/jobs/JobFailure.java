package dev.iolite.server.jobs;

/** A problem that ends a job as failed; its message becomes the job's failureReason, so a person can act on it. */
final class JobFailure extends RuntimeException {
    JobFailure(String message) { super(message); }
}

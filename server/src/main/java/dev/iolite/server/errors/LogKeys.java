package dev.iolite.server.errors;

/**
 * The keys of the diagnostic context (SLF4J's MDC) that the server sets, so that every log line written
 * while a request or a job is under way names it. The command line's log formats print these keys.
 */
public final class LogKeys {
    /** The request id: the caller's {@code x-ms-request-id} or {@code Request-Id}, or one the server made. */
    public static final String REQUEST_ID = "requestId";
    public static final String JOB_ID = "jobId";
    public static final String HUB = "hub";

    private LogKeys() {}
}

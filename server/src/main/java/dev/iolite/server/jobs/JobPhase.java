package dev.iolite.server.jobs;

/**
 * Job states; only these five are emitted, as the SDKs parse exactly these
 * (https://learn.microsoft.com/rest/api/iothub/service/jobs).
 */
public enum JobPhase {
    ENQUEUED, RUNNING, COMPLETED, FAILED, CANCELLED;

    /** True for the statuses a job never leaves. */
    public boolean isFinal() { return this == COMPLETED || this == FAILED || this == CANCELLED; }

    public String wireName() { return name().toLowerCase(java.util.Locale.ROOT); }

    public static JobPhase fromStore(String s) { return valueOf(s.toUpperCase(java.util.Locale.ROOT)); }
}

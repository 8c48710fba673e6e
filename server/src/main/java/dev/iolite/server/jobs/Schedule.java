package dev.iolite.server.jobs;

import java.time.Instant;

/**
 * What a scheduled job (jobs v2) does and when: from {@code start}, for at most {@code maxExecutionSeconds}, either
 * a twin update ({@code tags} and {@code desired}: JSON merge patches as text, either may be null) or a direct
 * method call ({@code method}).
 */
public record Schedule(Instant start, long maxExecutionSeconds, String tags, String desired, Method method) {

    /** A direct method call: its name, its payload as JSON text (may be {@code null}), and its timeouts in seconds. */
    public record Method(String name, String payload, int responseTimeoutSeconds, int connectTimeoutSeconds) {}

    /** When the job must have ended: its start plus its maximum execution time. */
    public Instant deadline() { return start.plusSeconds(maxExecutionSeconds); }
}

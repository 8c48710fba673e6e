package dev.iolite.server.testkit;

import com.fasterxml.jackson.databind.JsonNode;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.function.Predicate;

/** The one way the integration tests wait for a job: read it until a condition holds, or fail at a deadline. */
public final class JobPolling {
    private JobPolling() {}

    /**
     * Reads {@code read} every {@code every} until {@code done} holds for what it returned, and returns that;
     * fails the test with {@code what} once {@code timeout} passed. A null read (not there yet) is read again.
     */
    public static <T> T until(String what, Duration timeout, Duration every, Callable<T> read, Predicate<T> done)
            throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            T value = read.call();
            if (value != null && done.test(value)) return value;
            if (System.nanoTime() > deadline) {
                throw new AssertionError(what + " within " + timeout.toSeconds() + " s; last seen: " + value);
            }
            Thread.sleep(every.toMillis());
        }
    }

    /** Whether a job in either surface's JSON ({@code status}) has ended. */
    public static boolean ended(JsonNode job) {
        return ended(job.path("status").asText());
    }

    public static boolean ended(String status) {
        return status.equalsIgnoreCase("completed") || status.equalsIgnoreCase("failed")
                || status.equalsIgnoreCase("cancelled");
    }

    /** Whether a job's JSON shows it running with at least {@code processed} lines or identities behind it, or ended. */
    public static Predicate<JsonNode> processedAtLeast(long processed) {
        return j -> j.path("devicesProcessed").asLong(0) >= processed || ended(j);
    }
}

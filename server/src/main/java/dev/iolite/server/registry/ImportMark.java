package dev.iolite.server.registry;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;
import java.util.Map;

/**
 * An import job as the writer of a batch. Each row the job writes carries its {@link #tag} and the
 * blob line that wrote it; identities it names on lines that leave no row of its own (failed lines,
 * deletes) go to the job's list in the store. Together they answer "did an earlier line of this blob
 * name this identity?" from the store, in the batch's transaction, with nothing held in memory.
 *
 * @param keysWithoutRows whether the job's list may hold keys (false skips reading it)
 */
public record ImportMark(String jobId, long tag, boolean keysWithoutRows) {

    public static ImportMark of(String jobId, boolean keysWithoutRows) {
        return new ImportMark(jobId, tagOf(jobId), keysWithoutRows);
    }

    /** 63 bits of the SHA-256 of the job id: two jobs share a tag with odds of 1 in 2^63. */
    static long tagOf(String jobId) {
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(jobId.getBytes(StandardCharsets.UTF_8));
            long t = 0;
            for (int i = 0; i < 8; i++) t = (t << 8) | (h[i] & 0xff);
            return t & Long.MAX_VALUE;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }

    /** What a batch of the job writes besides its rows: which line wrote each row, and the keys that left none. */
    public record Writes(ImportMark mark, Map<DeviceKey, Long> rowLines, List<Named> withoutRow) {}

    /** An identity and the line that named it. */
    public record Named(DeviceKey key, long line) {}

    /** The rows of a batch's keys, and the line where the job named each of those keys before, if it did. */
    public record View(Map<DeviceKey, Device> devices, Map<DeviceKey, Long> namedAt) {}
}

package dev.iolite.server.jobs;

import dev.iolite.server.blob.BlockIds;

import java.util.AbstractList;
import java.util.List;

/**
 * Where a job resumes after a crash: an {@link Import}, an {@link Export} or a {@link Scheduled} checkpoint.
 * {@code total} is the blob size (import) or the number of identities when the export started.
 *
 * <p>Blocks are counted, not listed: their ids follow from their position, so a checkpoint stays
 * the same size however long the job runs.
 */
public sealed interface Checkpoint permits Checkpoint.Import, Checkpoint.Export, Checkpoint.Scheduled {
    String ERROR_LOG_BLOCK = "log";
    String EXPORT_BLOCK = "exp";

    long total();

    static Import startImport(long blobSize) { return new Import(0, 0, List.of(), 0, blobSize, false); }

    static Export startExport(long identities) { return new Export(null, null, 0, identities); }

    /**
     * An import's place: the byte offset and line number of the next unread line, and the blocks of the
     * error log staged so far. {@code legacyErrorBlocks} holds the ids an older version listed (by first
     * line); it never grows. {@code configurationsApplied} is true once the configurations the job includes
     * are applied (they come before the first device line).
     */
    record Import(long offset, long lineNumber, List<String> legacyErrorBlocks, long errorLogBlocks, long total,
                  boolean configurationsApplied) implements Checkpoint {
        public Import {
            legacyErrorBlocks = legacyErrorBlocks == null ? List.of() : List.copyOf(legacyErrorBlocks);
        }

        /** The next checkpoint: the next unread line, with {@code addedErrorBlocks} more blocks in the error log. */
        public Import afterLines(long nextOffset, long lastLine, int addedErrorBlocks) {
            return new Import(nextOffset, lastLine, legacyErrorBlocks, errorLogBlocks + addedErrorBlocks, total,
                    configurationsApplied);
        }

        /** The same place, with the job's configurations applied. */
        public Import withConfigurationsApplied() {
            return new Import(offset, lineNumber, legacyErrorBlocks, errorLogBlocks, total, true);
        }

        /** The id of the error log's next block. */
        String nextErrorLogBlock() { return BlockIds.of(ERROR_LOG_BLOCK, errorLogBlocks); }

        /** The error log's blocks in order: those an older version listed, then the counted ones. */
        public List<String> errorLog() { return concat(legacyErrorBlocks, ids(ERROR_LOG_BLOCK, errorLogBlocks)); }
    }

    /** An export's place: the last identity written into a staged block, and how many blocks are staged. */
    record Export(String afterDeviceId, String afterModuleId, long blocks, long total) implements Checkpoint {
        /** The next checkpoint: one more block, ending with the given identity. */
        public Export afterBlock(String deviceId, String moduleId) {
            return new Export(deviceId, moduleId, blocks + 1, total);
        }

        /** The id of the export's next block. */
        String nextBlock() { return BlockIds.of(EXPORT_BLOCK, blocks); }

        /** The export's blocks in order. */
        public List<String> blockIds() { return ids(EXPORT_BLOCK, blocks); }
    }

    /**
     * A scheduled job's place: the last device of the last batch committed (null before the first), and the number
     * of devices its condition selected when it started.
     */
    record Scheduled(String afterDeviceId, long total) implements Checkpoint {}

    /** The ids {@code kind-0} to {@code kind-(count-1)}, computed as they are read. */
    private static List<String> ids(String kind, long count) {
        int n = Math.toIntExact(count);
        return new AbstractList<>() {
            @Override public String get(int i) { return BlockIds.of(kind, i); }
            @Override public int size() { return n; }
        };
    }

    private static List<String> concat(List<String> a, List<String> b) {
        if (a.isEmpty()) return b;
        return new AbstractList<>() {
            @Override public String get(int i) { return i < a.size() ? a.get(i) : b.get(i - a.size()); }
            @Override public int size() { return a.size() + b.size(); }
        };
    }
}

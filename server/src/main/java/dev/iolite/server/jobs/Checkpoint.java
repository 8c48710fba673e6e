package dev.iolite.server.jobs;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.iolite.server.blob.BlockIds;

import java.util.AbstractList;
import java.util.List;

/**
 * Where a job resumes after a crash. Import: the byte offset and line number of the next unread
 * line, and how many blocks of the error log are staged. Export: the last identity written into a
 * staged block, and how many blocks of the output blob are staged. {@code total} is the blob size
 * (import) or the number of identities when the export started.
 *
 * <p>Blocks are counted, not listed: their ids follow from their position ({@link #errorLog()},
 * {@link #exportBlockIds()}), so a checkpoint stays the same size however long the job runs.
 * {@code errorBlocks} holds the ids an older version listed (by first line) and never grows.
 */
public record Checkpoint(long offset, long lineNumber, List<String> errorBlocks, long errorLogBlocks,
                         String afterDeviceId, String afterModuleId, long exportBlocks, long total) {
    static final String ERROR_LOG_BLOCK = "log";
    static final String EXPORT_BLOCK = "exp";

    public Checkpoint {
        errorBlocks = errorBlocks == null ? List.of() : List.copyOf(errorBlocks);
    }

    /** Reads the stored form, the one of older versions (block ids listed) included. */
    @JsonCreator
    static Checkpoint read(@JsonProperty("offset") long offset, @JsonProperty("lineNumber") long lineNumber,
                           @JsonProperty("errorBlocks") List<String> errorBlocks,
                           @JsonProperty("errorLogBlocks") long errorLogBlocks,
                           @JsonProperty("afterDeviceId") String afterDeviceId,
                           @JsonProperty("afterModuleId") String afterModuleId,
                           @JsonProperty("exportBlocks") Long exportBlocks,
                           @JsonProperty("outputBlocks") List<String> outputBlocks,
                           @JsonProperty("total") long total) {
        // Older exports listed their blocks as exp-0, exp-1, ...: the count names the same ids.
        long exported = exportBlocks != null ? exportBlocks : outputBlocks == null ? 0 : outputBlocks.size();
        return new Checkpoint(offset, lineNumber, errorBlocks, errorLogBlocks, afterDeviceId, afterModuleId, exported,
                total);
    }

    public static Checkpoint start(long total) {
        return new Checkpoint(0, 0, List.of(), 0, null, null, 0, total);
    }

    /** An import's next checkpoint: the next unread line, with {@code addedErrorBlocks} more blocks in the error log. */
    public Checkpoint afterLines(long nextOffset, long lastLine, int addedErrorBlocks) {
        return new Checkpoint(nextOffset, lastLine, errorBlocks, errorLogBlocks + addedErrorBlocks, null, null, 0, total);
    }

    /** An export's next checkpoint: one more block, ending with the given identity. */
    public Checkpoint afterBlock(String deviceId, String moduleId) {
        return new Checkpoint(0, 0, List.of(), 0, deviceId, moduleId, exportBlocks + 1, total);
    }

    /** The id of the error log's next block. */
    String nextErrorLogBlock() {
        return BlockIds.of(ERROR_LOG_BLOCK, errorLogBlocks);
    }

    /** The error log's blocks in order: those an older version listed, then the counted ones. */
    public List<String> errorLog() {
        return concat(errorBlocks, ids(ERROR_LOG_BLOCK, errorLogBlocks));
    }

    /** The id of the export's next block. */
    String nextExportBlock() {
        return BlockIds.of(EXPORT_BLOCK, exportBlocks);
    }

    /** The export's blocks in order. */
    public List<String> exportBlockIds() {
        return ids(EXPORT_BLOCK, exportBlocks);
    }

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

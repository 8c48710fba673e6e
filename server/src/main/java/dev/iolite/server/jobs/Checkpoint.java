package dev.iolite.server.jobs;

import java.util.List;

/**
 * Where a job resumes after a crash. Import: the byte offset and line number of the next unread
 * line, and the staged blocks of the error log. Export: the last identity written into a staged
 * block, and the blocks of the output blob. {@code total} is the blob size (import) or the number
 * of identities when the export started.
 */
public record Checkpoint(long offset, long lineNumber, List<String> errorBlocks, String afterDeviceId,
                         String afterModuleId, List<String> outputBlocks, long total) {
    public Checkpoint {
        errorBlocks = errorBlocks == null ? List.of() : List.copyOf(errorBlocks);
        outputBlocks = outputBlocks == null ? List.of() : List.copyOf(outputBlocks);
    }

    public static Checkpoint start(long total) {
        return new Checkpoint(0, 0, List.of(), null, null, List.of(), total);
    }
}

package dev.iolite.server.blob;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Optional;

/**
 * A blob container: an Azure Blob API container or a local folder. Writes follow the block-blob
 * model: blocks are staged under ids and become visible only when committed, all at once.
 */
public interface BlobContainer {

    /** The container as a person would name it, without secrets (for messages). */
    String describe();

    /** True when the container exists and can be reached with the credentials given. */
    boolean exists() throws IOException;

    /** The committed blob's size in bytes, or empty when there is no such committed blob. */
    Optional<Long> size(String blob) throws IOException;

    /** Reads the committed blob from {@code offset} to its end. */
    InputStream read(String blob, long offset) throws IOException;

    /** Stages (or replaces) a block of {@code blob}; invisible until {@link #commit}. Ids must have equal lengths. */
    void stageBlock(String blob, String blockId, byte[] data, int length) throws IOException;

    /** How many blocks a writer should stage at once: the Blob API gains from a few in flight, a local disk does not. */
    default int stagingParallelism() { return 3; }

    /** Makes {@code blob} exactly the given staged blocks, in order, replacing any previous blob. */
    void commit(String blob, List<String> blockIds) throws IOException;

    /** Checks that blocks of {@code blob} can be written, without making anything visible. */
    void probeWrite(String blob) throws IOException;
}

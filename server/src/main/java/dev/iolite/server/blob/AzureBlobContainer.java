package dev.iolite.server.blob;

import com.azure.core.util.BinaryData;
import com.azure.core.util.Context;
import com.azure.storage.blob.BlobContainerClient;
import com.azure.storage.blob.models.BlobProperties;
import com.azure.storage.blob.models.BlobRange;
import com.azure.storage.blob.models.BlobStorageException;
import com.azure.storage.blob.options.BlobInputStreamOptions;
import com.azure.storage.blob.options.BlockBlobStageBlockOptions;
import com.azure.storage.blob.specialized.BlockBlobClient;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

/**
 * A container of the Azure Blob API (Azure Storage, Azurite). Reads use 16 MiB blocks, four times
 * faster than the SDK's default, measured against Azurite; writes stage blocks and commit the list once.
 *
 * <p>A container opened for a probe has a deadline: each call gets what is left of it as the SDK's own
 * timeout, which bounds the whole call (connection, TLS handshake, request and answer), where the HTTP
 * client's connect and response timeouts leave the handshake to reactor-netty's 10 seconds.
 */
final class AzureBlobContainer implements BlobContainer {
    static final int READ_BLOCK_BYTES = 16 * 1024 * 1024;

    private final BlobContainerClient client;
    private final String description;
    /** {@link System#nanoTime()} at which a probe's calls end, or null for a job's container (no overall bound). */
    private final Long deadline;

    AzureBlobContainer(BlobContainerClient client, String description, Duration bound) {
        this.client = client;
        this.description = description;
        this.deadline = bound == null ? null : System.nanoTime() + bound.toNanos();
    }

    /** The time left for the next call: null without a deadline; an IOException once it has passed. */
    private Duration left(String what) throws IOException {
        if (deadline == null) return null;
        long nanos = deadline - System.nanoTime();
        if (nanos <= 0) throw new IOException(what + " was not tried: the probe's time is up");
        return Duration.ofNanos(nanos);
    }

    @Override
    public String describe() { return description; }

    @Override
    public boolean exists() throws IOException {
        try {
            // Listing needs only the 'l' permission of a container SAS, where reading container properties
            // needs an account key; a missing container answers 404 either way.
            client.listBlobs(new com.azure.storage.blob.models.ListBlobsOptions().setMaxResultsPerPage(1), left("listing"))
                    .iterableByPage().iterator().next();
            return true;
        } catch (BlobStorageException e) {
            if (e.getStatusCode() == 404) return false;
            throw io("listing " + description, e);
        }
    }

    @Override
    public Optional<Long> size(String blob) throws IOException {
        try {
            BlobProperties p = client.getBlobClient(blob).getPropertiesWithResponse(null, left("reading properties"),
                    Context.NONE).getValue();
            return Optional.of(p.getBlobSize());
        } catch (BlobStorageException e) {
            if (e.getStatusCode() == 404) return Optional.empty();
            throw io("reading the properties of " + blob, e);
        }
    }

    @Override
    public InputStream read(String blob, long offset) throws IOException {
        try {
            return new PrefetchInputStream(client.getBlobClient(blob).openInputStream(new BlobInputStreamOptions()
                    .setBlockSize(READ_BLOCK_BYTES).setRange(new BlobRange(offset))));
        } catch (BlobStorageException e) {
            throw io("reading " + blob, e);
        }
    }

    @Override
    public void stageBlock(String blob, String blockId, byte[] data, int length) throws IOException {
        try {
            byte[] exact = length == data.length ? data : java.util.Arrays.copyOf(data, length);
            block(blob).stageBlockWithResponse(new BlockBlobStageBlockOptions(encode(blockId), BinaryData.fromBytes(exact)),
                    left("staging a block"), Context.NONE);
        } catch (BlobStorageException e) {
            throw io("staging a block of " + blob, e);
        }
    }

    @Override
    public void commit(String blob, List<String> blockIds) throws IOException {
        List<String> ids = new ArrayList<>(blockIds.size());
        for (String id : blockIds) ids.add(encode(id));
        try {
            block(blob).commitBlockList(ids, true);
        } catch (BlobStorageException e) {
            throw io("committing " + blob, e);
        }
    }

    @Override
    public void probeWrite(String blob) throws IOException {
        // An uncommitted block is invisible and expires on its own: a write check that changes nothing.
        stageBlock(blob, BlockIds.of("prb", 0), new byte[0], 0);
    }

    private BlockBlobClient block(String blob) {
        return client.getBlobClient(blob).getBlockBlobClient();
    }

    private static String encode(String id) {
        return Base64.getEncoder().encodeToString(id.getBytes(StandardCharsets.UTF_8));
    }

    private static IOException io(String what, BlobStorageException e) {
        String code = e.getErrorCode() == null ? "" : " (" + e.getErrorCode() + ")";
        return new IOException(what + " failed: HTTP " + e.getStatusCode() + code, e);
    }
}

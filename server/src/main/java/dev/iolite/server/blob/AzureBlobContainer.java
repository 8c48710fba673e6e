package dev.iolite.server.blob;

import com.azure.core.util.BinaryData;
import com.azure.storage.blob.BlobContainerClient;
import com.azure.storage.blob.models.BlobProperties;
import com.azure.storage.blob.models.BlobRange;
import com.azure.storage.blob.models.BlobStorageException;
import com.azure.storage.blob.options.BlobInputStreamOptions;
import com.azure.storage.blob.specialized.BlockBlobClient;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

/**
 * A container of the Azure Blob API (Azure Storage, Azurite). Reads use 16 MiB blocks, four times
 * faster than the SDK's default (CLIENTS.md §2); writes stage blocks and commit the list once.
 */
final class AzureBlobContainer implements BlobContainer {
    static final int READ_BLOCK_BYTES = 16 * 1024 * 1024;

    private final BlobContainerClient client;
    private final String description;

    AzureBlobContainer(BlobContainerClient client, String description) {
        this.client = client;
        this.description = description;
    }

    @Override
    public String describe() { return description; }

    @Override
    public boolean exists() throws IOException {
        try {
            // Listing needs only the 'l' permission of a container SAS, where reading container properties
            // needs an account key; a missing container answers 404 either way.
            client.listBlobs(new com.azure.storage.blob.models.ListBlobsOptions().setMaxResultsPerPage(1), null)
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
            BlobProperties p = client.getBlobClient(blob).getProperties();
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
            block(blob).stageBlock(encode(blockId), BinaryData.fromBytes(exact));
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

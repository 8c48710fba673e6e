package dev.iolite.server.blob;

import dev.iolite.server.files.PrivateFiles;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Optional;

/**
 * A {@code file:} container: a folder under the server's local blob root. Staged blocks live in a
 * hidden folder beside the blobs; a commit concatenates them into a temporary file and moves it into
 * place atomically, so readers see the whole blob or none of it.
 */
final class LocalFolderContainer implements BlobContainer {
    static final String STAGING = ".iolite-blocks";

    private final Path folder;
    private final String uri;

    LocalFolderContainer(Path folder, String uri) {
        this.folder = folder;
        this.uri = uri;
    }

    @Override
    public String describe() { return uri; }

    @Override
    public boolean exists() { return Files.isDirectory(folder); }

    @Override
    public Optional<Long> size(String blob) throws IOException {
        Path p = blobPath(blob);
        return Files.isRegularFile(p) ? Optional.of(Files.size(p)) : Optional.empty();
    }

    @Override
    public InputStream read(String blob, long offset) throws IOException {
        SeekableByteChannel ch = Files.newByteChannel(blobPath(blob), StandardOpenOption.READ);
        ch.position(offset);
        return Channels.newInputStream(ch);
    }

    @Override
    public void stageBlock(String blob, String blockId, byte[] data, int length) throws IOException {
        Path dir = stagingDir(blob);
        PrivateFiles.createDirectories(dir);
        Path tmp = dir.resolve(blockId + ".tmp");
        try (OutputStream out = PrivateFiles.newOutputStream(tmp)) {
            out.write(data, 0, length);
        }
        Files.move(tmp, dir.resolve(blockId), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    @Override
    public void commit(String blob, List<String> blockIds) throws IOException {
        Path target = blobPath(blob);
        PrivateFiles.createDirectories(target.getParent());
        Path dir = stagingDir(blob);
        Path tmp = target.resolveSibling(target.getFileName() + ".iolite-commit");
        // Channel to channel, so the kernel copies the blocks (copy_file_range) rather than this thread.
        try (java.nio.channels.FileChannel out = PrivateFiles.openChannel(tmp, StandardOpenOption.CREATE,
                StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
            for (String id : blockIds) {
                Path block = dir.resolve(id);
                if (!Files.exists(block)) throw new IOException("staged block " + id + " of " + blob + " is missing");
                try (java.nio.channels.FileChannel in = java.nio.channels.FileChannel.open(block, StandardOpenOption.READ)) {
                    long size = in.size();
                    for (long done = 0; done < size; ) done += in.transferTo(done, size - done, out);
                }
            }
        }
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        deleteStaging(dir);
    }

    @Override
    public void probeWrite(String blob) throws IOException {
        PrivateFiles.createDirectories(folder);
        if (!Files.isWritable(folder)) throw new IOException("the folder " + uri + " is not writable");
    }

    private Path blobPath(String blob) throws IOException {
        Path p = folder.resolve(blob).normalize();
        if (!p.startsWith(folder)) throw new IOException("blob name '" + blob + "' leaves its container");
        return p;
    }

    private Path stagingDir(String blob) throws IOException {
        Path p = folder.resolve(STAGING).resolve(blob).normalize();
        if (!p.startsWith(folder)) throw new IOException("blob name '" + blob + "' leaves its container");
        return p;
    }

    private static void deleteStaging(Path dir) throws IOException {
        if (!Files.exists(dir)) return;
        try (var files = Files.walk(dir)) {
            for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }
}

package dev.iolite.server.blob;

import dev.iolite.server.files.PrivateFiles;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Optional;

/**
 * A {@code file:} container: a folder under the server's local blob root. Staged blocks live in a
 * hidden folder beside the blobs; a commit moves them into place atomically, so readers see the whole
 * blob or none of it.
 *
 * <p>Blocks staged in increasing id order (as jobs stage them) are appended to one run file, with an
 * index of their ids, offsets and lengths; a commit of those blocks in that order is then a truncate
 * and a rename, so each byte of a blob reaches the disk once (a ten-million-device export is 3.4 GB).
 * Re-staging an id of the run replaces it and drops the blocks after it (a job resumed from its
 * checkpoint stages them again in the same order). A block staged out of order is kept in a file of
 * its own, and a commit that is not the run's prefix copies the blocks into place.
 */
final class LocalFolderContainer implements BlobContainer {
    static final String STAGING = ".iolite-blocks";
    private static final String RUN = "run";
    private static final String INDEX = "run.index";

    private final Path folder;
    private final String uri;
    /** The end of each blob's run (a job stages one or two blobs). */
    private final java.util.Map<String, RunEnd> runs = new java.util.HashMap<>();

    LocalFolderContainer(Path folder, String uri) {
        this.folder = folder;
        this.uri = uri;
    }

    /** One block of a run, and where its index line starts. */
    private record Entry(String id, long offset, long length, long indexAt) {
        long end() { return offset + length; }
    }

    /** The last block of a run (null when empty), and the index's valid length. */
    private record RunEnd(Entry last, long indexBytes) {
        long dataEnd() { return last == null ? 0 : last.end(); }
    }

    @Override
    public String describe() { return uri; }

    @Override
    public boolean exists() { return Files.isDirectory(folder); }

    @Override
    public int stagingParallelism() { return 1; }

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
    public synchronized void stageBlock(String blob, String blockId, byte[] data, int length) throws IOException {
        Path dir = stagingDir(blob);
        PrivateFiles.createDirectories(dir);
        RunEnd end = runEnd(blob, dir);
        if (end.last() != null && blockId.compareTo(end.last().id()) <= 0) {
            Entry same = find(dir, blockId);
            if (same == null) {
                stageAlone(dir, blockId, data, length);
                return;
            }
            // Replacing a block of the run: it and the blocks after it are dropped, then it is appended anew.
            end = new RunEnd(lastBefore(dir, same), same.indexAt());
        }
        Files.deleteIfExists(dir.resolve(blockId));
        long offset = end.dataEnd();
        try (FileChannel run = PrivateFiles.openChannel(dir.resolve(RUN), StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            java.nio.ByteBuffer buf = java.nio.ByteBuffer.wrap(data, 0, length);
            for (long at = offset; buf.hasRemaining(); ) at += run.write(buf, at);
            run.truncate(offset + length);
        }
        byte[] line = (blockId + " " + offset + " " + length + "\n").getBytes(StandardCharsets.US_ASCII);
        try (FileChannel index = PrivateFiles.openChannel(dir.resolve(INDEX), StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            index.truncate(end.indexBytes());
            java.nio.ByteBuffer buf = java.nio.ByteBuffer.wrap(line);
            for (long at = end.indexBytes(); buf.hasRemaining(); ) at += index.write(buf, at);
        }
        runs.put(blob, new RunEnd(new Entry(blockId, offset, length, end.indexBytes()), end.indexBytes() + line.length));
    }

    private static void stageAlone(Path dir, String blockId, byte[] data, int length) throws IOException {
        Path tmp = dir.resolve(blockId + ".tmp");
        try (OutputStream out = PrivateFiles.newOutputStream(tmp)) {
            out.write(data, 0, length);
        }
        Files.move(tmp, dir.resolve(blockId), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    @Override
    public synchronized void commit(String blob, List<String> blockIds) throws IOException {
        Path target = blobPath(blob);
        PrivateFiles.createDirectories(target.getParent());
        Path dir = stagingDir(blob);
        Path tmp = target.resolveSibling(target.getFileName() + ".iolite-commit");
        long prefixEnd = runPrefixEnd(dir, blockIds);
        if (prefixEnd >= 0) {
            // The blocks are the run's first ones, in order: the run, cut after them, is the blob.
            Path run = dir.resolve(RUN);
            if (Files.exists(run)) {
                try (FileChannel ch = FileChannel.open(run, StandardOpenOption.WRITE)) {
                    ch.truncate(prefixEnd);
                }
                Files.move(run, tmp, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } else {
                PrivateFiles.openChannel(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                        StandardOpenOption.WRITE).close();
            }
        } else {
            copyInto(tmp, dir, blob, blockIds);
        }
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        runs.remove(blob);
        deleteStaging(dir);
    }

    /** The end of the given blocks in the run when they are its first blocks in order (and none is staged alone); else -1. */
    private static long runPrefixEnd(Path dir, List<String> blockIds) throws IOException {
        if (blockIds.isEmpty()) return 0;
        long end = -1;
        int i = 0;
        try (IndexReader index = IndexReader.open(dir)) {
            Entry e;
            while (i < blockIds.size() && (e = index.next()) != null) {
                String id = blockIds.get(i);
                if (!e.id().equals(id) || Files.exists(dir.resolve(id))) return -1;
                end = e.end();
                i++;
            }
        }
        return i == blockIds.size() ? end : -1;
    }

    /**
     * Concatenates the blocks by copying, kernel to kernel: the path for blocks not committed as a prefix of
     * the run. Where each block of the run lies is read from its index once (at most 50,000 blocks, the
     * Blob API's limit for one blob).
     */
    private static void copyInto(Path tmp, Path dir, String blob, List<String> blockIds) throws IOException {
        java.util.Map<String, Entry> inRun = new java.util.HashMap<>();
        try (IndexReader index = IndexReader.open(dir)) {
            Entry e;
            while ((e = index.next()) != null) inRun.put(e.id(), e);
        }
        try (FileChannel out = PrivateFiles.openChannel(tmp, StandardOpenOption.CREATE,
                StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE);
             FileChannel run = Files.exists(dir.resolve(RUN)) ? FileChannel.open(dir.resolve(RUN), StandardOpenOption.READ) : null) {
            for (String id : blockIds) {
                Path alone = dir.resolve(id);
                Entry e = inRun.get(id);
                if (Files.exists(alone)) {
                    try (FileChannel in = FileChannel.open(alone, StandardOpenOption.READ)) {
                        transfer(in, 0, in.size(), out);
                    }
                } else if (e != null && run != null) {
                    transfer(run, e.offset(), e.length(), out);
                } else {
                    throw new IOException("staged block " + id + " of " + blob + " is missing");
                }
            }
        }
    }

    private static void transfer(FileChannel in, long from, long count, FileChannel out) throws IOException {
        for (long done = 0; done < count; ) {
            long n = in.transferTo(from + done, count - done, out);
            if (n <= 0) throw new IOException("a staged block is shorter than its index says");
            done += n;
        }
    }

    /** The run's last block and the index's valid length, read once per blob and then kept. */
    private RunEnd runEnd(String blob, Path dir) throws IOException {
        RunEnd end = runs.get(blob);
        if (end != null) return end;
        Entry last = null;
        long valid = 0;
        try (IndexReader index = IndexReader.open(dir)) {
            Entry e;
            while ((e = index.next()) != null) {
                last = e;
                valid = index.position();
            }
        }
        end = new RunEnd(last, valid);
        runs.put(blob, end);
        return end;
    }

    private static Entry find(Path dir, String id) throws IOException {
        try (IndexReader index = IndexReader.open(dir)) {
            Entry e;
            while ((e = index.next()) != null) {
                if (e.id().equals(id)) return e;
            }
        }
        return null;
    }

    /** The block before {@code e} in the run (null when {@code e} is the first). */
    private static Entry lastBefore(Path dir, Entry e) throws IOException {
        Entry before = null;
        try (IndexReader index = IndexReader.open(dir)) {
            Entry x;
            while ((x = index.next()) != null && x.indexAt() < e.indexAt()) before = x;
        }
        return before;
    }

    /**
     * Reads a run's index line by line. A line cut short (a crash while it was written) and what follows it
     * are not part of the run; neither are blocks whose bytes the run file does not hold in full.
     */
    private static final class IndexReader implements AutoCloseable {
        private final java.io.BufferedReader in;
        private final long runSize;
        private long position;
        private long expectedOffset;

        private IndexReader(java.io.BufferedReader in, long runSize) {
            this.in = in;
            this.runSize = runSize;
        }

        static IndexReader open(Path dir) throws IOException {
            Path index = dir.resolve(INDEX);
            if (!Files.exists(index)) return new IndexReader(null, 0);
            long runSize = Files.exists(dir.resolve(RUN)) ? Files.size(dir.resolve(RUN)) : 0;
            return new IndexReader(Files.newBufferedReader(index, StandardCharsets.US_ASCII), runSize);
        }

        /** The next whole, consistent entry, or null at the end. */
        Entry next() throws IOException {
            if (in == null) return null;
            StringBuilder line = new StringBuilder(40);
            int c;
            while ((c = in.read()) != -1 && c != '\n') {
                if (line.length() > 200) return null;
                line.append((char) c);
            }
            if (c != '\n') return null;
            String[] f = line.toString().split(" ");
            if (f.length != 3) return null;
            try {
                long offset = Long.parseLong(f[1]);
                long length = Long.parseLong(f[2]);
                if (offset != expectedOffset || length < 0 || offset + length > runSize) return null;
                Entry e = new Entry(f[0], offset, length, position);
                position += line.length() + 1;
                expectedOffset = offset + length;
                return e;
            } catch (NumberFormatException ex) {
                return null;
            }
        }

        /** The index's length up to the end of the last entry read. */
        long position() { return position; }

        @Override
        public void close() throws IOException {
            if (in != null) in.close();
        }
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

package dev.iolite.server;

import dev.iolite.server.files.PrivateFiles;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * One server per data dir: an exclusive lock on {@code iolite.lock}, held for the server's life and
 * released by the operating system when its process dies, so a crash never leaves a stale lock. The
 * file names the holder (pid, then its URL once it serves) for the refusal message of a second server.
 */
final class DataDirLock implements AutoCloseable {
    static final String FILE = "iolite.lock";

    private final FileChannel channel;
    private final FileLock lock;

    private DataDirLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    /** Takes the lock, or throws {@link StartFailure} naming the running server that holds it. */
    static DataDirLock acquire(Path dir) throws IOException {
        Path file = dir.resolve(FILE);
        if (!Files.exists(file)) PrivateFiles.touch(file);
        FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = channel.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null;  // a server in this JVM holds it
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
        if (lock == null) {
            String holder = holder(channel);
            channel.close();
            throw new StartFailure(StartFailure.Kind.DATA_DIR_IN_USE, "the data dir " + dir + " is in use by a running server ("
                    + holder + "); stop it first, or choose another --data-dir", null);
        }
        DataDirLock held = new DataDirLock(channel, lock);
        held.describe("pid " + ProcessHandle.current().pid());
        return held;
    }

    /** Records who holds the lock, for the message a second server prints. */
    void describe(String holder) throws IOException {
        channel.truncate(0);
        channel.write(ByteBuffer.wrap((holder + "\n").getBytes(StandardCharsets.UTF_8)), 0);
        channel.force(false);
    }

    private static String holder(FileChannel channel) {
        try {
            ByteBuffer buf = ByteBuffer.allocate(512);
            channel.read(buf, 0);
            String text = new String(buf.array(), 0, buf.position(), StandardCharsets.UTF_8).strip();
            return text.isEmpty() ? "pid unknown" : text;
        } catch (IOException e) {
            return "pid unknown";
        }
    }

    @Override
    public void close() {
        try {
            lock.release();
            channel.close();
        } catch (IOException e) {
            // the lock goes with the channel or, at worst, with the process
        }
    }
}

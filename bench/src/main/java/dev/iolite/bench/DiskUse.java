package dev.iolite.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * What a phase of the benchmark cost on disk, from Linux's counters: bytes the server process wrote
 * ({@code /proc/PID/io}), bytes written to the machine's disks by anyone ({@code /sys/block}: with
 * PostgreSQL, its writes are not the server's), and the size of the store.
 */
final class DiskUse {
    private final long pid;
    private final Path data;
    private final String store;

    DiskUse(long pid, Path data, String store) {
        this.pid = pid;
        this.data = data;
        this.store = store;
    }

    /** Counters at one moment; -1 where this machine has none. */
    record Sample(long processWritten, long disksWritten) {}

    Sample sample() {
        return new Sample(processWritten(), disksWritten());
    }

    private long processWritten() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/io"))) {
                if (line.startsWith("write_bytes:")) return Long.parseLong(line.substring(12).trim());
            }
        } catch (IOException | RuntimeException e) {
            // not Linux, or not readable: the figure is left out
        }
        return -1;
    }

    /** Sectors written to whole disks (no loop or RAM devices), in bytes. */
    private static long disksWritten() {
        try (Stream<Path> disks = Files.list(Path.of("/sys/block"))) {
            long total = 0;
            for (Path d : disks.toList()) {
                String name = d.getFileName().toString();
                if (name.startsWith("loop") || name.startsWith("ram") || name.startsWith("zram")) continue;
                String[] f = Files.readString(d.resolve("stat")).trim().split("\\s+");
                total += Long.parseLong(f[6]) * 512;
            }
            return total;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** The store's size on disk: SQLite's files in the data dir, or the PostgreSQL database (through psql). */
    long storeBytes() {
        try {
            if (store == null) {
                long total = 0;
                try (Stream<Path> files = Files.list(data)) {
                    for (Path f : files.toList()) {
                        String name = f.getFileName().toString();
                        if (name.endsWith(".db") || name.endsWith(".db-wal")) total += Files.size(f);
                    }
                }
                return total;
            }
            Process psql = new ProcessBuilder(List.of("psql", "-Atc", "SELECT pg_database_size(current_database())", store))
                    .redirectErrorStream(true).start();
            String out = new String(psql.getInputStream().readAllBytes()).trim();
            return psql.waitFor() == 0 ? Long.parseLong(out) : -1;
        } catch (IOException | RuntimeException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    static long mib(long bytes) {
        return bytes < 0 ? -1 : bytes / (1024 * 1024);
    }
}

package dev.iolite.server.files;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Files only their owner may read: the data dir holds keys, the database and exported device keys, so
 * folders are created 0700 and files 0600 <em>at creation</em> (never written first and restricted
 * later), wherever the file system has POSIX permissions.
 */
public final class PrivateFiles {
    public static final Set<PosixFilePermission> DIR = PosixFilePermissions.fromString("rwx------");
    public static final Set<PosixFilePermission> FILE = PosixFilePermissions.fromString("rw-------");
    private static final boolean POSIX = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");

    private PrivateFiles() {}

    /** Creates the folder and any missing parents, each 0700. */
    public static Path createDirectories(Path dir) throws IOException {
        Path abs = dir.toAbsolutePath();
        if (Files.isDirectory(abs)) return dir;
        if (abs.getParent() != null) createDirectories(abs.getParent());
        try {
            if (POSIX) Files.createDirectory(abs, PosixFilePermissions.asFileAttribute(DIR));
            else Files.createDirectory(abs);
        } catch (FileAlreadyExistsException e) {
            if (!Files.isDirectory(abs)) throw e;
        }
        return dir;
    }

    /** Opens a file for writing, creating it 0600 when missing; options as {@link Files#newOutputStream}. */
    public static OutputStream newOutputStream(Path file, OpenOption... options) throws IOException {
        return java.nio.channels.Channels.newOutputStream(openChannel(file, options.length == 0
                ? new OpenOption[]{StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE}
                : withWrite(options)));
    }

    /** Opens a channel, creating the file 0600 when missing. */
    public static FileChannel openChannel(Path file, OpenOption... options) throws IOException {
        Set<OpenOption> set = new java.util.HashSet<>(java.util.Arrays.asList(options));
        FileAttribute<?>[] attrs = POSIX ? new FileAttribute<?>[]{PosixFilePermissions.asFileAttribute(FILE)}
                : new FileAttribute<?>[0];
        return FileChannel.open(file, set, attrs);
    }

    /** Writes the text to the file, created 0600. */
    public static void writeString(Path file, String text) throws IOException {
        try (OutputStream out = newOutputStream(file)) {
            out.write(text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
    }

    /** Creates an empty 0600 file if it is missing (so that a library writing into it keeps the mode). */
    public static void touch(Path file) throws IOException {
        if (Files.exists(file, LinkOption.NOFOLLOW_LINKS)) return;
        try (FileChannel ignored = openChannel(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            // created
        }
    }

    /**
     * Makes an existing tree private: folders 0700, files 0600 (data dirs made by earlier versions were
     * 0755 and 0644). Links are neither followed nor changed.
     */
    public static void restrictTree(Path root) throws IOException {
        if (!POSIX || !Files.isDirectory(root, LinkOption.NOFOLLOW_LINKS)) return;
        try (Stream<Path> all = Files.walk(root)) {
            for (Path p : (Iterable<Path>) all::iterator) {
                if (Files.isSymbolicLink(p)) continue;
                Set<PosixFilePermission> want = Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS) ? DIR : FILE;
                if (!Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS).equals(want)) {
                    Files.setPosixFilePermissions(p, want);
                }
            }
        }
    }

    private static OpenOption[] withWrite(OpenOption[] options) {
        Set<OpenOption> set = new java.util.LinkedHashSet<>(java.util.Arrays.asList(options));
        set.add(StandardOpenOption.WRITE);
        return set.toArray(new OpenOption[0]);
    }

    /** True where this file system has POSIX permissions. */
    public static boolean posix() { return POSIX; }
}

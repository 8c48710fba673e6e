package dev.iolite.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.UserPrincipal;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

/**
 * The embedded server's jars: this artifact carries them as one zip beside its classes, and the first server of a
 * JVM extracts them into {@code TMPDIR/iolite-testing-USER/HASH/}, a folder named for the zip's SHA-256 and
 * readable by its owner only. Several JVMs (Surefire's forks, parallel builds) may extract at once: each writes a
 * folder of its own and renames it into place atomically, and the one that loses the race uses the winner's.
 * A folder that exists is complete, as only a rename makes it.
 */
final class ServerBundle {
    /** The zip, a resource beside this class, that the build copies from the iolite-testing-bundle module. */
    static final String RESOURCE = "iolite-testing-bundle.zip";
    private static final Pattern JAR_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._+-]*\\.jar");
    /** The names of copies in the cache folder: a hash, or a hash and the suffix of a copy being written. */
    private static final Pattern COPY_NAME = Pattern.compile("[0-9a-f]{32}(\\.part-[0-9]+)?");
    private static final Duration UNUSED_FOR = Duration.ofDays(1);
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rwx------");
    private static List<URL> jars;
    private static ClassLoader loader;

    private ServerBundle() {}

    /**
     * The class loader of the embedded server, whose parent is the platform class loader, so that it sees the JDK
     * and its own jars but never the test suite's class path. One per JVM, made by the first server: it holds
     * classes only (each server's threads and connections end at its close), and a server started in a loader
     * whose classes are loaded and compiled is ready several times sooner than in a new one.
     */
    static synchronized ClassLoader loader() {
        if (loader == null) loader = new URLClassLoader("iolite-server", jars().toArray(URL[]::new), ClassLoader.getPlatformClassLoader());
        return loader;
    }

    /** The jars to load the server from, extracted on the JVM's first call. */
    static synchronized List<URL> jars() {
        if (jars == null) {
            try {
                jars = List.copyOf(extract(cacheRoot()));
            } catch (IOException e) {
                throw new UncheckedIOException("iolite-testing could not unpack its embedded server: " + e.getMessage(), e);
            }
        }
        return jars;
    }

    /** {@code TMPDIR/iolite-testing-USER}, created owner-only, or refused when someone else owns it or may write to it. */
    static Path cacheRoot() throws IOException {
        String user = System.getProperty("user.name", "user").replaceAll("[^A-Za-z0-9._-]", "_");
        Path root = Path.of(System.getProperty("java.io.tmpdir")).resolve("iolite-testing-" + user);
        boolean posix = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
        if (!Files.isDirectory(root, LinkOption.NOFOLLOW_LINKS)) {
            try {
                if (posix) Files.createDirectory(root, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
                else Files.createDirectory(root);
            } catch (java.nio.file.FileAlreadyExistsException e) {
                // another JVM made it first; checked below like any existing folder
            }
        }
        if (posix) {
            if (!Files.isDirectory(root, LinkOption.NOFOLLOW_LINKS)) throw new IOException(root + " is not a folder");
            UserPrincipal owner = Files.getOwner(root, LinkOption.NOFOLLOW_LINKS);
            Path probe = Files.createTempFile("iolite-owner", ".probe");
            UserPrincipal me;
            try {
                me = Files.getOwner(probe);
            } finally {
                Files.delete(probe);
            }
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(root, LinkOption.NOFOLLOW_LINKS);
            if (!owner.equals(me) || perms.contains(PosixFilePermission.GROUP_WRITE) || perms.contains(PosixFilePermission.OTHERS_WRITE)) {
                throw new IOException(root + " belongs to " + owner.getName() + " or others may write into it; remove it");
            }
        }
        return root;
    }

    /** Unpacks the zip into {@code root}/HASH unless it is there, and lists its jars. */
    static List<URL> extract(Path root) throws IOException {
        String hash = hash();
        Path target = root.resolve(hash);
        if (!Files.isDirectory(target)) {
            Path part = Files.createTempDirectory(root, hash + ".part-");
            try {
                unzip(part);
                Files.move(part, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException e) {
                if (!Files.isDirectory(target)) throw e;
                // another JVM renamed its copy into place first: use that one
            } finally {
                deleteTree(part);
            }
        }
        Files.setLastModifiedTime(target, FileTime.from(Instant.now()));
        prune(root, target);
        List<URL> urls = new ArrayList<>();
        try (Stream<Path> files = Files.list(target)) {
            for (Path jar : files.filter(f -> f.getFileName().toString().endsWith(".jar")).sorted().toList()) {
                urls.add(jar.toUri().toURL());
            }
        }
        if (urls.isEmpty()) throw new IOException(target + " holds no jar; remove it");
        return urls;
    }

    /**
     * Deletes the copies of other builds that no JVM started from for a day ({@link #extract} marks a copy's use
     * in its modification time), and copies that a JVM left half-written: each build of the artifact has a copy.
     */
    private static void prune(Path root, Path keep) {
        Instant before = Instant.now().minus(UNUSED_FOR);
        try (Stream<Path> entries = Files.list(root)) {
            for (Path p : entries.toList()) {
                if (p.equals(keep) || !COPY_NAME.matcher(p.getFileName().toString()).matches()) continue;
                if (Files.getLastModifiedTime(p, LinkOption.NOFOLLOW_LINKS).toInstant().isBefore(before)) deleteTree(p);
            }
        } catch (IOException e) {
            // an old copy stays until the next start, or until the temporary directory is cleaned
        }
    }

    /** The zip's SHA-256, the first 32 hex digits: a new build of the artifact extracts into a new folder. */
    private static String hash() throws IOException {
        try (InputStream in = new DigestInputStream(open(), MessageDigest.getInstance("SHA-256"))) {
            in.transferTo(OutputStream.nullOutputStream());
            return HexFormat.of().formatHex(((DigestInputStream) in).getMessageDigest().digest()).substring(0, 32);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JVM has no SHA-256", e);
        }
    }

    private static void unzip(Path into) throws IOException {
        try (ZipInputStream zip = new ZipInputStream(open())) {
            for (ZipEntry e = zip.getNextEntry(); e != null; e = zip.getNextEntry()) {
                if (e.isDirectory()) continue;
                if (!JAR_NAME.matcher(e.getName()).matches()) throw new IOException("unexpected entry " + e.getName() + " in " + RESOURCE);
                Files.copy(zip, into.resolve(e.getName()));
            }
        }
    }

    private static InputStream open() throws IOException {
        InputStream in = ServerBundle.class.getResourceAsStream(RESOURCE);
        if (in == null) throw new IOException("the artifact lacks its embedded server, " + RESOURCE);
        return in;
    }

    private static void deleteTree(Path dir) {
        if (!Files.exists(dir)) return;
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a half-written copy in the cache folder; the next extraction makes its own
        }
    }
}

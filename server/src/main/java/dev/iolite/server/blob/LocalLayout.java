package dev.iolite.server.blob;

import dev.iolite.server.files.PrivateFiles;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * The folder layout of {@code file:} containers, {@code ROOT/HUB/NAME}, and what in it is Iolite's own.
 *
 * <p>Iolite changes, moves and deletes only what it made. A root it made, or found empty, holds its marker
 * ({@value #MARKER}); a root inside the data dir is its own too (earlier versions made {@code DATA_DIR/blobs}).
 * A non-empty folder without the marker elsewhere is someone else's, and the server refuses it rather than mix
 * its files with containers. Each hub folder Iolite makes holds {@value #HUB_MARKER}: only such a folder serves
 * as a hub's containers and is deleted with its hub, so a folder that someone else named like a hub is neither.
 *
 * <p>Data dirs of earlier versions kept every hub's containers side by side in {@code ROOT/NAME}; the first start
 * of a per-hub version moved them into the default hub's folder. Layout 2 had no hub markers: the first start of
 * this version marks the hub folders that layout made, and records layout 3.
 */
public final class LocalLayout {
    static final String MARKER = ".iolite-layout";
    static final String HUB_MARKER = ".iolite-hub";
    static final String VERSION = "per-hub 3";
    private static final String PER_HUB_2 = "per-hub 2";

    private LocalLayout() {}

    /** A root that is not Iolite's: an existing, non-empty folder outside the data dir without the marker. */
    public static final class ForeignRootException extends IOException {
        public ForeignRootException(String message) {
            super(message);
        }
    }

    /**
     * Makes {@code root} ready: creates it (0700) when missing, claims it when empty, and for a data dir of an
     * earlier version ({@code olderDataDir}) moves that layout's containers into {@code defaultHub}'s folder.
     * Modes of what was there before are left as they are.
     *
     * @param ownedAnyway true for a root inside the data dir: Iolite's own with or without its marker
     * @throws ForeignRootException when the root is a non-empty folder that Iolite did not mark as its own
     */
    public static void prepare(Path root, String defaultHub, boolean olderDataDir, boolean ownedAnyway) throws IOException {
        Path marker = root.resolve(MARKER);
        if (Files.isDirectory(root) && !Files.exists(marker, LinkOption.NOFOLLOW_LINKS) && !ownedAnyway && !isEmpty(root)) {
            throw new ForeignRootException("--local-blob-root " + root + " is a folder that Iolite did not make and it is"
                    + " not empty; name a new or empty folder (Iolite marks its own with " + MARKER + ")");
        }
        PrivateFiles.createDirectories(root);
        if (Files.exists(marker, LinkOption.NOFOLLOW_LINKS)) {
            if (Files.readString(marker).strip().equals(PER_HUB_2)) markHubFolders(root);
        } else {
            if (olderDataDir && ownedAnyway) moveIntoHub(root, defaultHub);
            markHubFolders(root);  // Iolite's own root: what is in it was put there for its layout
        }
        if (!Files.exists(marker, LinkOption.NOFOLLOW_LINKS) || !Files.readString(marker).strip().equals(VERSION)) {
            Files.deleteIfExists(marker);
            PrivateFiles.writeString(marker, VERSION + "\n");
        }
    }

    /**
     * The hub's folder of containers: made (0700, with its marker) when missing.
     *
     * @throws ForeignRootException when a folder of that name exists that Iolite did not make
     */
    public static Path hubFolder(Path hubRoot) throws IOException {
        if (!Files.exists(hubRoot, LinkOption.NOFOLLOW_LINKS)) {
            PrivateFiles.createDirectories(hubRoot);
            PrivateFiles.touch(hubRoot.resolve(HUB_MARKER));
        } else if (!isHubFolder(hubRoot)) {
            throw new ForeignRootException(hubRoot + " was not made by Iolite (it holds no " + HUB_MARKER + "); move it"
                    + " away, or add that file to let the hub use it as its containers and delete it with the hub");
        }
        return hubRoot;
    }

    /** True when {@code hubRoot} is a folder that Iolite made for a hub's containers. */
    static boolean isHubFolder(Path hubRoot) {
        return Files.isDirectory(hubRoot, LinkOption.NOFOLLOW_LINKS)
                && Files.exists(hubRoot.resolve(HUB_MARKER), LinkOption.NOFOLLOW_LINKS);
    }

    /**
     * Removes a deleted hub's folder of containers, so a hub created later under its name starts empty. A folder
     * that Iolite did not make is left alone.
     *
     * @return false when the folder was someone else's and is left in place
     */
    public static boolean deleteHubFolder(Path hubRoot) throws IOException {
        if (!Files.exists(hubRoot, LinkOption.NOFOLLOW_LINKS)) return true;
        if (!isHubFolder(hubRoot)) return false;
        try (Stream<Path> all = Files.walk(hubRoot)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
        return true;
    }

    private static void moveIntoHub(Path root, String defaultHub) throws IOException {
        List<Path> old;
        try (Stream<Path> entries = Files.list(root)) {
            old = entries.filter(p -> !p.getFileName().toString().startsWith(".iolite-")).toList();
        }
        if (old.isEmpty()) return;
        // Move into a fresh folder first: an old container may share the hub's name.
        Path staging = root.resolve(".iolite-migrating-" + UUID.randomUUID());
        PrivateFiles.createDirectories(staging);
        for (Path p : old) Files.move(p, staging.resolve(p.getFileName()), StandardCopyOption.ATOMIC_MOVE);
        Files.move(staging, root.resolve(defaultHub.toLowerCase(Locale.ROOT)), StandardCopyOption.ATOMIC_MOVE);
    }

    /** Layout 2's hub folders were all Iolite's: the root was its own. */
    private static void markHubFolders(Path root) throws IOException {
        try (Stream<Path> entries = Files.list(root)) {
            for (Path p : entries.toList()) {
                if (!p.getFileName().toString().startsWith(".") && Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                    PrivateFiles.touch(p.resolve(HUB_MARKER));
                }
            }
        }
    }

    private static boolean isEmpty(Path dir) throws IOException {
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.findAny().isEmpty();
        }
    }
}

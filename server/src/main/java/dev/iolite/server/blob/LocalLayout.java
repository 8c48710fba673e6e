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
 * The folder layout of {@code file:} containers: {@code ROOT/HUB/NAME}, one folder per hub. Data dirs of
 * earlier versions kept every hub's containers side by side in {@code ROOT/NAME}; the first start of this
 * version moves them into the default hub's folder (the only hub the command line and the demo used) and
 * records the layout, so the move happens once.
 */
public final class LocalLayout {
    static final String MARKER = ".iolite-layout";
    static final String VERSION = "per-hub 2";

    private LocalLayout() {}

    /**
     * Creates the root (0700) and, for a data dir of an earlier version ({@code olderDataDir}), moves that
     * layout's containers into {@code defaultHub}'s folder. A new data dir only records the layout: what is
     * in its root was put there for this layout.
     */
    public static void prepare(Path root, String defaultHub, boolean olderDataDir) throws IOException {
        PrivateFiles.createDirectories(root);
        Path marker = root.resolve(MARKER);
        if (Files.exists(marker)) return;
        if (!olderDataDir) {
            PrivateFiles.writeString(marker, VERSION + "\n");
            return;
        }
        List<Path> old;
        try (Stream<Path> entries = Files.list(root)) {
            old = entries.filter(p -> !p.getFileName().toString().startsWith(".iolite-")).toList();
        }
        if (!old.isEmpty()) {
            // Move into a fresh folder first: an old container may share the hub's name.
            Path staging = root.resolve(".iolite-migrating-" + UUID.randomUUID());
            PrivateFiles.createDirectories(staging);
            for (Path p : old) Files.move(p, staging.resolve(p.getFileName()), StandardCopyOption.ATOMIC_MOVE);
            Files.move(staging, root.resolve(defaultHub.toLowerCase(Locale.ROOT)), StandardCopyOption.ATOMIC_MOVE);
        }
        PrivateFiles.writeString(marker, VERSION + "\n");
    }

    /** Removes a deleted hub's folder of containers, so a hub created later under its name starts empty. */
    public static void deleteHubFolder(Path hubRoot) throws IOException {
        if (!Files.exists(hubRoot, LinkOption.NOFOLLOW_LINKS)) return;
        try (Stream<Path> all = Files.walk(hubRoot)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }
}

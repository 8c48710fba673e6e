package dev.iolite.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The TLS certificate and ARM signing key that every server of this JVM shares: the first server makes them
 * in its data dir, and each later server on a new data dir starts with copies, held here in memory. A start
 * then makes no key, and one truststore (any server's) trusts every server of the test run.
 */
final class KeyMaterial {
    /** The files a server makes once per data dir and reads at each start. */
    private static final String[] FILES = {"cert.pem", "key.pem", "arm-signing-key.json"};
    private static volatile Map<String, byte[]> kept;

    private KeyMaterial() {}

    /** Copies the kept material into a new data dir, owner-only as the server writes it; nothing when none is kept. */
    static void writeInto(Path dir) throws IOException {
        Map<String, byte[]> files = kept;
        if (files == null) return;
        for (Map.Entry<String, byte[]> f : files.entrySet()) {
            Path target = dir.resolve(f.getKey());
            Files.deleteIfExists(target);
            try {
                Files.createFile(target, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            } catch (UnsupportedOperationException e) {
                Files.createFile(target);
            }
            Files.write(target, f.getValue());
        }
    }

    /** Keeps the material of the first server's data dir for the servers after it. */
    static synchronized void keepFrom(Path dir) throws IOException {
        if (kept != null) return;
        Map<String, byte[]> files = new LinkedHashMap<>();
        for (String name : FILES) {
            Path f = dir.resolve(name);
            if (!Files.exists(f)) return;
            files.put(name, Files.readAllBytes(f));
        }
        kept = files;
    }
}

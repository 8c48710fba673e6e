package dev.iolite.cli;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.SplittableRandom;

/** Writes the demo's import blob: devices with SAS keys, tags and desired properties, a few faulty lines. */
final class DemoDevices {
    static final int FAULTY_LINES = 3;
    private static final String[] SITES = {"amsterdam", "lisbon", "oslo", "tallinn", "valencia"};

    private DemoDevices() {}

    record Written(long lines, long bytes) {}

    static Written write(Path file, int devices) throws IOException {
        SplittableRandom random = new SplittableRandom(42);
        byte[] key = new byte[32];
        long lines = 0;
        try (BufferedWriter w = new BufferedWriter(new java.io.OutputStreamWriter(
                dev.iolite.server.files.PrivateFiles.newOutputStream(file), StandardCharsets.UTF_8))) {
            for (int i = 1; i <= devices; i++) {
                String id = String.format("demo-device-%07d", i);
                String status = i % 10 == 0 ? "disabled" : "enabled";
                w.write("{\"id\":\"" + id + "\",\"importMode\":\"createOrUpdate\",\"status\":\"" + status
                        + "\",\"authentication\":{\"type\":\"sas\",\"symmetricKey\":{\"primaryKey\":\"" + key(random, key)
                        + "\",\"secondaryKey\":\"" + key(random, key) + "\"}},\"tags\":{\"site\":\""
                        + SITES[i % SITES.length] + "\",\"rack\":" + (i % 40) + "},\"properties\":{\"desired\":"
                        + "{\"telemetryInterval\":" + (30 + i % 5 * 15) + "}}}\n");
                lines++;
                if (i % 20 == 0) {
                    w.write("{\"id\":\"" + id + "\",\"moduleId\":\"sensor\",\"importMode\":\"createOrUpdate\","
                            + "\"authentication\":{\"type\":\"sas\"}}\n");
                    lines++;
                }
                if (i == Math.max(1, devices / 2)) {
                    w.write("{\"id\":\"demo-broken-json\",\n");
                    w.write("{\"id\":\"bad id with spaces\",\"importMode\":\"create\"}\n");
                    w.write("{\"id\":\"" + id + "\",\"importMode\":\"create\"}\n");
                    lines += FAULTY_LINES;
                }
            }
        }
        return new Written(lines, Files.size(file));
    }

    private static String key(SplittableRandom random, byte[] buf) {
        for (int i = 0; i < buf.length; i++) buf[i] = (byte) random.nextInt(256);
        return Base64.getEncoder().encodeToString(buf);
    }
}

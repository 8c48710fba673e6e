package dev.iolite.bench;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.SplittableRandom;

/** The benchmark's input: N devices with SAS keys, a few tags and desired properties, 10% disabled, 5% with one module. */
final class DeviceFile {
    record Stats(long lines, long bytes, long modules) {}

    static Stats write(Path file, int devices) throws IOException {
        SplittableRandom random = new SplittableRandom(42);
        Base64.Encoder b64 = Base64.getEncoder();
        byte[] key = new byte[32];
        long lines = 0;
        long modules = 0;
        String[] sites = {"north", "south", "east", "west"};
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 20)) {
            for (int i = 0; i < devices; i++) {
                String id = String.format("bench-%08d", i);
                StringBuilder b = new StringBuilder(400);
                b.append("{\"id\":\"").append(id).append("\",\"status\":\"").append(i % 10 == 0 ? "disabled" : "enabled")
                        .append("\",\"authentication\":{\"type\":\"sas\",\"symmetricKey\":{\"primaryKey\":\"");
                fill(random, key);
                b.append(b64.encodeToString(key)).append("\",\"secondaryKey\":\"");
                fill(random, key);
                b.append(b64.encodeToString(key)).append("\"}},\"tags\":{\"site\":\"").append(sites[i % 4])
                        .append("\",\"rack\":").append(i % 97).append(",\"owner\":\"team-").append(i % 13)
                        .append("\"},\"properties\":{\"desired\":{\"telemetryInterval\":").append(30 + i % 5 * 10)
                        .append(",\"firmware\":\"1.").append(i % 9).append(".0\"}}}\n");
                out.write(b.toString().getBytes(StandardCharsets.UTF_8));
                lines++;
                if (i % 20 == 0) {
                    out.write(("{\"id\":\"" + id + "\",\"moduleId\":\"telemetry\"}\n").getBytes(StandardCharsets.UTF_8));
                    lines++;
                    modules++;
                }
            }
        }
        return new Stats(lines, Files.size(file), modules);
    }

    private static void fill(SplittableRandom r, byte[] b) {
        for (int i = 0; i < b.length; i += 8) {
            long v = r.nextLong();
            for (int j = 0; j < 8 && i + j < b.length; j++) b[i + j] = (byte) (v >>> (8 * j));
        }
    }
}

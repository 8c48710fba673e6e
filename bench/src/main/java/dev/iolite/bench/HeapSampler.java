package dev.iolite.bench;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLong;

/** Samples the server's used heap every 250 ms with {@code jstat -gc}; reports the peak. */
final class HeapSampler {
    private final Process jstat;
    private final AtomicLong peak = new AtomicLong();
    private final Thread reader;

    HeapSampler(long pid) throws Exception {
        jstat = new ProcessBuilder("jstat", "-gc", Long.toString(pid), "250").redirectErrorStream(true).start();
        reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(jstat.getInputStream(), StandardCharsets.UTF_8))) {
                String header = r.readLine();
                if (header == null) return;
                String[] names = header.trim().split("\\s+");
                String line;
                while ((line = r.readLine()) != null) {
                    String[] v = line.trim().split("\\s+");
                    if (v.length != names.length) continue;
                    double kb = 0;
                    for (int i = 0; i < names.length; i++) {
                        if (names[i].equals("S0U") || names[i].equals("S1U") || names[i].equals("EU") || names[i].equals("OU")) {
                            kb += Double.parseDouble(v[i]);
                        }
                    }
                    long bytes = (long) (kb * 1024);
                    peak.accumulateAndGet(bytes, Math::max);
                }
            } catch (Exception ignored) {
                // jstat ended
            }
        }, "heap-sampler");
        reader.setDaemon(true);
        reader.start();
    }

    /** The peak used heap seen so far, in bytes. */
    long peakSoFar() { return peak.get(); }

    long stop() throws InterruptedException {
        jstat.destroy();
        reader.join(2000);
        return peak.get();
    }
}

package dev.iolite.bench;

import dev.iolite.testing.IoliteServer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * How long a server takes to be ready (issue 13), on a new and on an existing data dir:
 * <ul>
 *   <li>in this JVM through {@link IoliteServer}, the first start (classes loading) and the later ones, as a
 *       test suite pays them per class;</li>
 *   <li>as a process, {@code java -jar iolite.jar serve} until {@code ready.json} appears, with and without the
 *       class-data archive that {@code ./iolite} makes.</li>
 * </ul>
 * Run it with {@code ./bench/startup}; it prints medians of {@code --runs} runs (default 7) as JSON lines.
 */
public final class StartupBench {
    public static void main(String[] args) throws Exception {
        Path repo = Path.of(arg(args, "--repo", "."));
        int runs = Integer.parseInt(arg(args, "--runs", "7"));
        String mode = arg(args, "--mode", "all");
        if (mode.equals("in-process") || mode.equals("all")) inProcess(runs);
        if (mode.equals("process") || mode.equals("all")) process(repo, runs);
    }

    private static void inProcess(int runs) throws Exception {
        long t0 = System.nanoTime();
        IoliteServer.start().close();
        report("in-process, first start in the JVM, new data dir", List.of(ms(t0)));
        List<Long> fresh = new ArrayList<>();
        for (int i = 0; i < runs; i++) {
            long t = System.nanoTime();
            try (IoliteServer s = IoliteServer.start()) {
                fresh.add(ms(t));
            }
        }
        report("in-process, later start, new data dir", fresh);
        Path dir = Files.createTempDirectory("iolite-startup");
        IoliteServer.builder().dataDir(dir).start().close();
        List<Long> existing = new ArrayList<>();
        for (int i = 0; i < runs; i++) {
            long t = System.nanoTime();
            try (IoliteServer s = IoliteServer.builder().dataDir(dir).start()) {
                existing.add(ms(t));
            }
        }
        report("in-process, later start, existing data dir", existing);
        delete(dir);
    }

    private static void process(Path repo, int runs) throws Exception {
        Path jar = repo.resolve("cli/target/iolite.jar").toAbsolutePath();
        Path archive = repo.resolve("cli/target/iolite.jsa").toAbsolutePath();
        for (boolean cds : new boolean[] {false, true}) {
            if (cds && !Files.exists(archive)) {
                System.out.println("{\"note\":\"no class-data archive; run ./iolite --version once to make it\"}");
                continue;
            }
            List<Long> fresh = new ArrayList<>();
            List<Long> existing = new ArrayList<>();
            for (int i = 0; i < runs; i++) {
                Path dir = Files.createTempDirectory("iolite-startup");
                fresh.add(serve(jar, cds ? archive : null, dir));
                existing.add(serve(jar, cds ? archive : null, dir));
                delete(dir);
            }
            String how = cds ? "with the class-data archive" : "without class-data sharing";
            report("process, new data dir, " + how, fresh);
            report("process, existing data dir, " + how, existing);
        }
    }

    /** Milliseconds from starting {@code java -jar iolite.jar serve} to its ready.json. */
    private static long serve(Path jar, Path archive, Path dir) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("java"));
        if (archive != null) cmd.addAll(List.of("-XX:SharedArchiveFile=" + archive, "-Xlog:cds=off", "-Xlog:cds+dynamic=off"));
        cmd.addAll(List.of("-jar", jar.toString(), "serve", "--data-dir", dir.toString(), "--port", "0", "--mqtt-port", "0", "--amqp-port", "0"));
        Files.deleteIfExists(dir.resolve("ready.json"));
        long t = System.nanoTime();
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        try {
            while (!Files.exists(dir.resolve("ready.json"))) {
                if (!p.isAlive()) throw new IllegalStateException("the server exited with " + p.exitValue());
                Thread.sleep(5);
            }
            return ms(t);
        } finally {
            p.destroy();
            p.waitFor();
        }
    }

    private static void report(String what, List<Long> ms) {
        List<Long> sorted = new ArrayList<>(ms);
        sorted.sort(null);
        System.out.printf("{\"case\":\"%s\",\"runs\":%d,\"medianMs\":%d,\"minMs\":%d,\"maxMs\":%d}%n", what, ms.size(),
                sorted.get(sorted.size() / 2), sorted.get(0), sorted.get(sorted.size() - 1));
    }

    private static long ms(long startNanos) {
        return (System.nanoTime() - startNanos) / 1_000_000;
    }

    private static String arg(String[] args, String name, String fallback) {
        for (int i = 0; i + 1 < args.length; i++) if (args[i].equals(name)) return args[i + 1];
        return fallback;
    }

    private static void delete(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}

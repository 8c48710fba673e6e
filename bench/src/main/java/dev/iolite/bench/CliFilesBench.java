package dev.iolite.bench;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * {@code --scenario cli-files}: the command line's file paths, timed as a user sees them. The same {@code --devices}
 * devices are written as JSON Lines, as one JSON array on one line, and as a pretty-printed array; then the real
 * {@code iolite} runs in a child process against a real server: {@code import --file} of each (the arrays converted
 * while copied), {@code import --file -} with the JSON Lines piped to its standard input, each into a hub of its own,
 * and {@code export --to-file}. The figures: seconds and lines per second of each, and the command line's peak
 * resident memory, which must not grow with the file.
 */
final class CliFilesBench {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonFactory FACTORY = new JsonFactory();

    private CliFilesBench() {
    }

    static void run(Path repo, Map<String, String> opts) throws Exception {
        int devices = Integer.parseInt(opts.getOrDefault("devices", "1000000").replace("_", ""));
        String heap = opts.getOrDefault("server-heap", "512m");
        Path work = Files.createTempDirectory("iolite-bench");
        Path out = Path.of(opts.getOrDefault("out", repo.resolve("bench/results/cli-files-" + devices + ".json").toString()));
        Path data = work.resolve("data");
        try {
            System.out.printf("generating %,d devices as JSON Lines and as JSON arrays...%n", devices);
            Path lines = work.resolve("devices.jsonl");
            DeviceFile.Stats gen = DeviceFile.write(lines, devices);
            Path array = work.resolve("array.json");
            Path pretty = work.resolve("pretty.json");
            writeArray(lines, array);
            writePrettyArray(lines, pretty);
            System.out.printf("  %,d lines: %,d bytes as JSON Lines, %,d as an array on one line, %,d pretty-printed%n",
                    gen.lines(), gen.bytes(), Files.size(array), Files.size(pretty));

            ObjectNode result = JSON.createObjectNode();
            result.put("date", Instant.now().toString());
            result.put("scenario", "cli-files");
            result.put("devices", devices);
            result.put("lines", gen.lines());
            result.put("store", "sqlite");
            result.put("serverHeap", heap);
            result.put("cliJvm", "java -jar cli/target/iolite.jar, default heap");
            result.put("cpus", Runtime.getRuntime().availableProcessors());
            ObjectNode sizes = result.putObject("fileBytes");
            sizes.put("jsonLines", gen.bytes());
            sizes.put("arrayOneLine", Files.size(array));
            sizes.put("arrayPretty", Files.size(pretty));

            try (ServerProcess server = ServerProcess.start(repo, data, heap, null)) {
                Cli cli = new Cli(repo, data, work);
                ObjectNode runs = result.putObject("runs");
                timeImport(server, cli, runs, "importJsonLines", "lines", List.of("--file", lines.toString()), null, gen);
                timeImport(server, cli, runs, "importArrayOneLine", "array", List.of("--file", array.toString()), null, gen);
                timeImport(server, cli, runs, "importArrayPretty", "pretty", List.of("--file", pretty.toString()), null, gen);
                timeImport(server, cli, runs, "importJsonLinesPiped", "piped", List.of("--file", "-"), lines, gen);

                System.out.println("export --to-file (hub 'lines')...");
                Path exported = work.resolve("out.jsonl");
                Cli.Run exp = cli.run(List.of("export", "--hub", "lines", "--to-file", exported.toString(), "--wait"), null);
                long exportedLines = countLines(exported);
                runs.put("exportedLines", exportedLines);
                record(runs.putObject("exportToFile"), exp, exportedLines, "export");
            }
            Files.createDirectories(out.toAbsolutePath().getParent());
            Files.writeString(out, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(result));
            System.out.println("figures written to " + out);
        } finally {
            if (System.getenv("IOLITE_BENCH_KEEP") == null) Bench.deleteTree(work); else System.out.println("kept " + work);
        }
    }

    /** Creates {@code hub} with the command line, imports into it, and checks that every device arrived. */
    private static void timeImport(ServerProcess server, Cli cli, ObjectNode runs, String name, String hub, List<String> source,
                                   Path stdin, DeviceFile.Stats gen) throws Exception {
        System.out.printf("%s (hub '%s')...%n", name, hub);
        Cli.Run create = cli.run(List.of("hub", "create", hub), null);
        List<String> args = new ArrayList<>(List.of("import", "--hub", hub));
        args.addAll(source);
        args.add("--wait");
        Cli.Run run = cli.run(args, stdin);
        HttpResponse<String> stats = server.send("GET", "/statistics/devices?api-version=2021-04-12", server.sasOf(hub), null);
        long total = JSON.readTree(stats.body()).path("totalDeviceCount").asLong();
        if (total != gen.lines() - gen.modules()) {
            throw new IllegalStateException(name + ": hub " + hub + " holds " + total + " devices: " + run.stdout());
        }
        ObjectNode n = runs.putObject(name);
        record(n, run, gen.lines(), name);
        // a command that does next to nothing: what starting the JVM and the command line costs
        n.put("hubCreateSeconds", Bench.round(create.seconds()));
    }

    private static void record(ObjectNode n, Cli.Run run, long lines, String what) {
        n.put("seconds", Bench.round(run.seconds()));
        n.put("linesPerSecond", Math.round(lines / run.seconds()));
        // start of the JVM, the copy (and conversion) into the blob root, and the job's creation
        n.put("secondsUntilJobCreated", Bench.round(run.jobCreatedAfter()));
        n.put("cliPeakRssMiB", run.peakRssKiB() < 0 ? -1 : run.peakRssKiB() / 1024);
        // file names only: the figures should not carry this machine's temporary folder
        n.put("command", "iolite " + String.join(" ", run.args().stream()
                .map(a -> a.startsWith("/") ? Path.of(a).getFileName().toString() : a).toList()) + " --data-dir DATA"
                + (run.piped() ? " < devices.jsonl (a pipe)" : ""));
        System.out.printf("  %s: %.2f s = %,.0f lines/s (job created after %.2f s), command line's peak RSS %,d MiB%n",
                what, run.seconds(), lines / run.seconds(), run.jobCreatedAfter(), run.peakRssKiB() / 1024);
    }

    /** The JSON Lines as one JSON array on a single line, copied line by line. */
    static void writeArray(Path lines, Path array) throws IOException {
        try (BufferedReader in = Files.newBufferedReader(lines, StandardCharsets.UTF_8);
             BufferedWriter w = Files.newBufferedWriter(array, StandardCharsets.UTF_8)) {
            w.write('[');
            boolean first = true;
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                if (!first) w.write(',');
                w.write(line);
                first = false;
            }
            w.write("]\n");
        }
    }

    /** The JSON Lines as a pretty-printed JSON array (each element over several lines), one element at a time. */
    static void writePrettyArray(Path lines, Path pretty) throws IOException {
        try (BufferedReader in = Files.newBufferedReader(lines, StandardCharsets.UTF_8);
             OutputStream os = Files.newOutputStream(pretty);
             JsonGenerator g = FACTORY.createGenerator(os).useDefaultPrettyPrinter()) {
            g.writeStartArray();
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                try (JsonParser p = FACTORY.createParser(line)) {
                    p.nextToken();
                    g.copyCurrentStructure(p);
                }
            }
            g.writeEndArray();
            g.writeRaw('\n');
        }
    }

    private static long countLines(Path file) throws IOException {
        try (Stream<String> s = Files.lines(file, StandardCharsets.UTF_8)) {
            return s.count();
        }
    }

    /** The real command line in a child process, with its standard output kept and its peak RSS sampled. */
    private record Cli(Path repo, Path data, Path work) {
        record Run(List<String> args, boolean piped, double seconds, double jobCreatedAfter, long peakRssKiB, String stdout) {}

        /** Runs {@code iolite ARGS --data-dir DATA}; with {@code stdin}, that file is written into a pipe to it. */
        Run run(List<String> args, Path stdin) throws Exception {
            List<String> cmd = new ArrayList<>(List.of("java", "-jar", repo.resolve("cli/target/iolite.jar").toString()));
            cmd.addAll(args);
            cmd.addAll(List.of("--data-dir", data.toString()));
            Path log = work.resolve("cli.out");
            long t0 = System.nanoTime();
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            CompletableFuture<Void> feed = CompletableFuture.runAsync(() -> {
                try (OutputStream o = p.getOutputStream()) {
                    if (stdin != null) Files.copy(stdin, o);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            Path status = Path.of("/proc/" + p.pid() + "/status");
            long peak = -1;
            double started = -1;
            while (!p.waitFor(50, TimeUnit.MILLISECONDS)) {
                peak = Math.max(peak, hwm(status));
                // the command prints "job ID STATUS" once it has staged the file and created the job
                if (started < 0 && Files.readString(log).lines().anyMatch(l -> l.startsWith("job "))) {
                    started = (System.nanoTime() - t0) / 1e9;
                }
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            feed.get(60, TimeUnit.SECONDS);
            String out = Files.readString(log);
            if (p.exitValue() != 0) throw new IllegalStateException("iolite " + args + " exited " + p.exitValue() + ":\n" + out);
            return new Run(args, stdin != null, seconds, started, peak, out);
        }

        /** VmHWM of /proc/PID/status in KiB: the process's resident high-water mark, or -1 once it is gone. */
        private static long hwm(Path status) {
            try {
                for (String line : Files.readAllLines(status)) {
                    if (line.startsWith("VmHWM:")) return Long.parseLong(line.replaceAll("\\D", ""));
                }
            } catch (IOException | RuntimeException e) {
                // the process ended between two samples
            }
            return -1;
        }
    }
}

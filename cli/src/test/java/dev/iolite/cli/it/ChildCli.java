package dev.iolite.cli.it;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * The {@code iolite} command line in a child process, as a shell runs it: the packaged jar, its input from a pipe
 * (never a terminal), or from a pseudo-terminal of 80 columns made by util-linux's {@code script}.
 */
final class ChildCli {
    private static final Path JAR = Path.of("target/iolite.jar").toAbsolutePath();

    private ChildCli() {}

    record Result(int code, String out, String err) {
        List<String> errLines() { return err.lines().toList(); }

        @Override
        public String toString() { return "exit " + code + "\n--- stdout\n" + out + "--- stderr\n" + err; }
    }

    /** Runs the command with {@code input} on a pipe to its standard input (empty when null). */
    static Result run(String input, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("java", "-XX:TieredStopAtLevel=1", "-jar", JAR.toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).start();
        CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> read(p.getInputStream()));
        CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> read(p.getErrorStream()));
        try (OutputStream in = p.getOutputStream()) {
            if (input != null) in.write(input.getBytes(StandardCharsets.UTF_8));
        }
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException("iolite " + String.join(" ", args) + " did not end within 120 s");
        }
        return new Result(p.exitValue(), out.join(), err.join());
    }

    /**
     * Runs the command on a pseudo-terminal (standard input, output and error), typing {@code typed} into it, and
     * returns its exit code and everything the terminal showed (in {@code out}).
     */
    static Result inTerminal(Path tmp, String typed, String... args) throws IOException, InterruptedException {
        Path transcript = Files.createTempFile(tmp, "typescript", ".txt");
        String command = "stty cols 80 rows 40; exec java -jar " + quote(JAR.toString()) + " "
                + List.of(args).stream().map(ChildCli::quote).collect(Collectors.joining(" "));
        ProcessBuilder pb = new ProcessBuilder("script", "-q", "-e", "-f", "-c", command, transcript.toString())
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(tmp.resolve("script.err").toFile());
        pb.environment().put("TERM", "xterm-256color");
        Process p = pb.start();
        try (OutputStream in = p.getOutputStream()) {
            in.write(typed.getBytes(StandardCharsets.UTF_8));
            in.flush();
            // keep the terminal open until the command ends: script ends the session when its input ends
            p.waitFor(120, TimeUnit.SECONDS);
        }
        if (p.isAlive()) {
            p.destroyForcibly();
            throw new IllegalStateException("iolite " + String.join(" ", args) + " did not end within 120 s on a terminal");
        }
        String shown = Files.readString(transcript, StandardCharsets.UTF_8);
        return new Result(p.exitValue(), shown.startsWith("Script started") ? shown.substring(shown.indexOf('\n') + 1) : shown, "");
    }

    private static String read(java.io.InputStream in) {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static String quote(String arg) {
        return arg.matches("[A-Za-z0-9_./:=@%+,-]+") ? arg : "'" + arg.replace("'", "'\\''") + "'";
    }
}

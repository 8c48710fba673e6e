package dev.iolite.cli.it;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * The {@code iolite} launcher run as a person runs it: a child process with its standard input from nothing, from
 * a pipe, or a pseudo-terminal of 80 columns made by util-linux's {@code script}, and its output captured.
 */
final class CliProcess {
    static final Path REPO = Path.of("").toAbsolutePath().getParent();
    private static final Path LAUNCHER = REPO.resolve("iolite");

    private CliProcess() {}

    record Result(int code, String out, String err) {
        List<String> outLines() { return out.lines().toList(); }

        List<String> errLines() { return err.lines().toList(); }

        @Override
        public String toString() { return "exit " + code + "\n--- stdout\n" + out + "--- stderr\n" + err; }
    }

    /** Runs {@code ./iolite ARGS} in the module's folder, where no ./iolite-data is, and waits up to two minutes. */
    static Result run(Path tmp, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(LAUNCHER.toString());
        command.addAll(List.of(args));
        return exec(tmp, command);
    }

    /** Runs a shell command line, for pipes such as {@code ./iolite device list | wc -l}. */
    static Result shell(Path tmp, String line) throws IOException, InterruptedException {
        return exec(tmp, List.of("bash", "-c", line));
    }

    /** Runs {@code ./iolite ARGS} with {@code input} (nothing when null) written to a pipe on its standard input. */
    static Result withInput(byte[] input, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(LAUNCHER.toString());
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).start();
        CompletableFuture<String> out = drain(p.getInputStream());
        CompletableFuture<String> err = drain(p.getErrorStream());
        try (OutputStream in = p.getOutputStream()) {
            if (input != null) in.write(input);
        }
        if (!p.waitFor(300, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("still running after five minutes: " + command);
        }
        return new Result(p.exitValue(), out.join(), err.join());
    }

    static Result withText(String input, String... args) throws IOException, InterruptedException {
        return withInput(input == null ? null : input.getBytes(StandardCharsets.UTF_8), args);
    }

    /**
     * Starts {@code ./iolite ARGS} as a terminal's Ctrl-C would reach it: with SIGINT at its default disposition,
     * also when this JVM was started with SIGINT ignored (a background job of a shell without job control). The
     * child would inherit that, and a JVM that finds SIGINT ignored never installs its handler. Perl (in every
     * Debian system) resets it and then runs the launcher in the same process, so the pid is the command's.
     */
    static Process interruptible(String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of("perl", "-e",
                "$SIG{INT} = 'DEFAULT'; exec {$ARGV[0]} @ARGV or die \"exec: $!\\n\"", "--", LAUNCHER.toString()));
        command.addAll(List.of(args));
        return new ProcessBuilder(command).start();
    }

    /**
     * Runs {@code ./iolite ARGS} on a pseudo-terminal (its standard input, output and error), typing {@code typed}
     * into it; the result holds the exit code and, in {@code out}, everything the terminal showed.
     */
    static Result inTerminal(Path tmp, String typed, String... args) throws IOException, InterruptedException {
        Path transcript = Files.createTempFile(tmp, "typescript", ".txt");
        String command = "stty cols 80 rows 40; exec " + quote(LAUNCHER.toString()) + " "
                + List.of(args).stream().map(CliProcess::quote).collect(Collectors.joining(" "));
        ProcessBuilder pb = new ProcessBuilder("script", "-q", "-e", "-f", "-c", command, transcript.toString())
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(tmp.resolve("script.err").toFile());
        pb.environment().put("TERM", "xterm-256color");
        Process p = pb.start();
        try (OutputStream in = p.getOutputStream()) {
            in.write(typed.getBytes(StandardCharsets.UTF_8));
            in.flush();
            // the terminal stays open until the command ends: script ends the session when its input ends
            p.waitFor(120, TimeUnit.SECONDS);
        }
        if (p.isAlive()) {
            p.destroyForcibly();
            throw new AssertionError("still running on a terminal after two minutes: " + command);
        }
        String shown = Files.readString(transcript, StandardCharsets.UTF_8);
        return new Result(p.exitValue(), shown.startsWith("Script started") ? shown.substring(shown.indexOf('\n') + 1) : shown, "");
    }

    private static Result exec(Path tmp, List<String> command) throws IOException, InterruptedException {
        Path out = Files.createTempFile(tmp, "out", ".txt");
        Path err = Files.createTempFile(tmp, "err", ".txt");
        Process p = new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("still running after two minutes: " + command);
        }
        return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
    }

    private static CompletableFuture<String> drain(InputStream s) {
        return CompletableFuture.supplyAsync(() -> {
            try (s) {
                ByteArrayOutputStream b = new ByteArrayOutputStream();
                s.transferTo(b);
                return b.toString(StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    private static String quote(String arg) {
        return arg.matches("[A-Za-z0-9_./:=@%+,-]+") ? arg : "'" + arg.replace("'", "'\\''") + "'";
    }
}

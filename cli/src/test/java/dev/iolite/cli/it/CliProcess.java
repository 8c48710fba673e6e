package dev.iolite.cli.it;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The {@code iolite} launcher run as a person runs it: a child process, its standard output and error captured. */
final class CliProcess {
    static final Path REPO = Path.of("").toAbsolutePath().getParent();

    private CliProcess() {}

    record Result(int code, String out, String err) {
        List<String> outLines() { return out.lines().toList(); }

        List<String> errLines() { return err.lines().toList(); }
    }

    /** Runs {@code ./iolite ARGS} in the module's folder, where no ./iolite-data is, and waits up to two minutes. */
    static Result run(Path tmp, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(REPO.resolve("iolite").toString());
        command.addAll(List.of(args));
        return exec(tmp, command);
    }

    /** Runs a shell command line, for pipes such as {@code ./iolite device list | wc -l}. */
    static Result shell(Path tmp, String line) throws IOException, InterruptedException {
        return exec(tmp, List.of("bash", "-c", line));
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
}

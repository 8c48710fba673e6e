package dev.iolite.cli.it;

import dev.iolite.server.testkit.SqliteOnly;
import org.jline.builtins.ScreenTerminal;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The command line as a person sees it: {@code ./iolite demo} in a pseudo-terminal of 80 columns (util-linux's
 * {@code script}), its output replayed on a VT100 screen of the same size (JLine's {@link ScreenTerminal}).
 */
@SqliteOnly("what a terminal shows does not depend on the store")
class TerminalIT {
    private static final Path REPO = Path.of("").toAbsolutePath().getParent();
    private static final int COLUMNS = 80;

    @TempDir
    Path tmp;

    @Test
    void aWatchedJobLeavesOneProgressLineOnAnEightyColumnTerminal() throws Exception {
        // GIVEN a demo run in an 80-column pseudo-terminal, long enough for several redraws
        Path transcript = tmp.resolve("typescript");
        String command = "stty cols " + COLUMNS + " rows 60; exec " + REPO.resolve("iolite") + " demo --devices 100000 --data-dir "
                + tmp.resolve("data");
        ProcessBuilder pb = new ProcessBuilder("script", "-q", "-e", "-f", "-c", command, transcript.toString())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(tmp.resolve("script.err").toFile());
        pb.environment().put("TERM", "xterm-256color");
        Process p = pb.start();
        assertThat(p.waitFor(240, TimeUnit.SECONDS)).as("the demo ended").isTrue();
        String written = Files.readString(transcript, StandardCharsets.UTF_8);
        assertThat(p.exitValue()).as(written).isZero();
        // the progress was redrawn in place: several frames for each job
        assertThat(written.split("import running", -1).length - 1).as(written).isGreaterThanOrEqualTo(2);

        // WHEN what it wrote is replayed on an 80-column screen
        int header = written.indexOf('\n');
        String output = written.startsWith("Script started") ? written.substring(header + 1) : written;
        ScreenTerminal screen = new ScreenTerminal(COLUMNS, 60);
        screen.write(output.replace("\r\n", "\n").replace("\n", "\r\n"));
        List<String> lines = screen.toString().lines().map(String::stripTrailing).toList();

        // THEN each job left exactly one progress line, whole, and no line filled the width (none wrapped)
        assertThat(lines.stream().filter(l -> l.contains("] import ")).toList()).as(screen.toString()).singleElement()
                .asString().startsWith("[").contains("import completed 100%").contains("105,003 done, 3 failed");
        assertThat(lines.stream().filter(l -> l.contains("] export ")).toList()).as(screen.toString()).singleElement()
                .asString().contains("export completed 100%");
        assertThat(lines.stream().filter(l -> l.contains("import running") || l.contains("export running")).toList())
                .as(screen.toString()).isEmpty();
        assertThat(lines.stream().filter(l -> l.startsWith("[")).toList()).allSatisfy(l -> assertThat(l.length()).isLessThan(COLUMNS));
    }
}

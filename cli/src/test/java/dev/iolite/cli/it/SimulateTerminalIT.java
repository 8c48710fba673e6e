package dev.iolite.cli.it;

import dev.iolite.server.testkit.ServerExtension;
import dev.iolite.server.testkit.SqliteOnly;
import org.jline.builtins.ScreenTerminal;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code ./iolite simulate} as a person sees it in an 80-column pseudo-terminal: one live line, redrawn in place. */
@SqliteOnly("what a terminal shows does not depend on the store")
class SimulateTerminalIT {
    private static final int COLUMNS = 80;

    @RegisterExtension
    static final ServerExtension server = new ServerExtension(c -> c.withDevices(c.devices().withMqttPort(0).withAmqpPort(0)));

    @TempDir
    Path tmp;

    @Test
    void theLiveLineIsRedrawnInPlaceAndFitsEightyColumns() throws Exception {
        // GIVEN a run of a few seconds on a terminal
        CliProcess.Result r = CliProcess.inTerminal(tmp, "", "simulate", "--devices", "3", "--duration", "4s", "--rate", "0",
                "--prefix", "term-sim-", "--data-dir", server.dataDir().toString());
        assertThat(r.code()).as(r.out()).isZero();
        // redrawn each second: several frames
        assertThat(r.out().split("/3 connected", -1).length - 1).as(r.out()).isGreaterThanOrEqualTo(2);

        // WHEN what it wrote is replayed on an 80-column screen
        ScreenTerminal screen = new ScreenTerminal(COLUMNS, 40);
        screen.write(r.out().replace("\r\n", "\n").replace("\n", "\r\n"));
        List<String> lines = screen.toString().lines().map(String::stripTrailing).toList();

        // THEN one live line is left, whole and narrower than the terminal, then the summary
        assertThat(lines.stream().filter(l -> l.contains("/3 connected")).toList()).as(screen.toString()).singleElement()
                .asString().startsWith("3/3 connected").contains("msg/s").contains("p50").contains("methods 0");
        assertThat(lines).allSatisfy(l -> assertThat(l.length()).isLessThan(COLUMNS));
        assertThat(lines).as(screen.toString()).anySatisfy(l -> assertThat(l).startsWith("Simulated 3 devices for "));
    }
}

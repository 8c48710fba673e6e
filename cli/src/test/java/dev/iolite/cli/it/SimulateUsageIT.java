package dev.iolite.cli.it;

import dev.iolite.server.testkit.SqliteOnly;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code iolite simulate} given bad options: one line on stderr naming the problem, exit 2, before any device is made. */
@SqliteOnly("usage errors do not depend on the store")
class SimulateUsageIT {
    @TempDir
    Path tmp;

    private String usageError(String... args) throws Exception {
        String[] all = new String[args.length + 3];
        all[0] = "simulate";
        System.arraycopy(args, 0, all, 1, args.length);
        all[args.length + 1] = "--data-dir";
        all[args.length + 2] = tmp.toString();
        CliProcess.Result r = CliProcess.run(tmp, all);
        assertThat(r.code()).as(r.toString()).isEqualTo(2);
        assertThat(r.out()).isEmpty();
        assertThat(r.errLines()).as(r.err()).singleElement().asString()
                .startsWith("iolite: ").endsWith("(see 'iolite simulate --help')");
        return r.err();
    }

    @Test
    void theNumberOfDevicesIsRequiredAndBounded() throws Exception {
        assertThat(usageError()).contains("--devices");
        assertThat(usageError("--devices", "0")).contains("--devices must be from 1 to 1,000,000");
        assertThat(usageError("--devices", "many")).contains("--devices").contains("many");
    }

    @Test
    void aBadRateDurationPrefixOrPortIsNamed() throws Exception {
        assertThat(usageError("--devices", "3", "--rate", "fast")).contains("'fast' is not a rate such as 500 or 500/s");
        assertThat(usageError("--devices", "3", "--rate", "-5/s")).contains("'-5/s' is not a rate");
        assertThat(usageError("--devices", "3", "--duration", "soon")).contains("'soon' is not a duration");
        assertThat(usageError("--devices", "3", "--duration", "0s")).contains("must be longer than zero");
        assertThat(usageError("--devices", "3", "--prefix", "a b")).contains("--prefix must be a device id's start");
        assertThat(usageError("--devices", "3", "--mqtt-port", "70000")).contains("--mqtt-port must be from 1 to 65535");
    }

    @Test
    void withoutAServerItSaysHowToStartOne() throws Exception {
        CliProcess.Result r = CliProcess.run(tmp, "simulate", "--devices", "3", "--data-dir", tmp.resolve("none").toString());
        assertThat(r.code()).as(r.toString()).isEqualTo(1);
        assertThat(r.errLines()).as(r.err()).singleElement().asString().startsWith("iolite: no server is running for data dir");
    }
}

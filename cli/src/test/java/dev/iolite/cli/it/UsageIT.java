package dev.iolite.cli.it;

import dev.iolite.server.testkit.SqliteOnly;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** A usage error, as a person makes one: one line on stderr naming it and where the help is, nothing on stdout, exit 2. */
@SqliteOnly("usage errors do not depend on the store")
class UsageIT {
    @TempDir
    Path tmp;

    private CliProcess.Result usageError(String help, String... args) throws Exception {
        CliProcess.Result r = CliProcess.run(tmp, args);
        assertThat(r.code()).as(r.err()).isEqualTo(2);
        assertThat(r.out()).isEmpty();
        assertThat(r.errLines()).as(r.err()).singleElement().asString()
                .startsWith("iolite: ").endsWith("(see '" + help + " --help')");
        return r;
    }

    @Test
    void anUnknownOptionIsOneLine() throws Exception {
        CliProcess.Result r = usageError("iolite device list", "device", "list", "--bogus", "--data-dir", tmp.toString());
        assertThat(r.err()).contains("'--bogus'");
    }

    @Test
    void aMissingParameterIsOneLine() throws Exception {
        CliProcess.Result r = usageError("iolite device show", "device", "show");
        assertThat(r.err()).contains("DEVICE_ID");
    }

    @Test
    void aBadValueIsOneLineNamingTheChoices() throws Exception {
        CliProcess.Result r = usageError("iolite device update", "device", "update", "d1", "--status", "maybe");
        assertThat(r.err()).contains("--status").contains("enabled, disabled").contains("maybe");
        assertThat(usageError("iolite stats", "stats", "-o", "yaml").err()).contains("table, json, tsv");
    }

    @Test
    void aMistypedCommandIsOneLineWithWhatItMayHaveMeant() throws Exception {
        assertThat(usageError("iolite", "devcie", "list").err()).contains("'devcie'").contains("did you mean 'device'");
        assertThat(usageError("iolite jobs", "jobs").err()).contains("name a jobs command");
    }

    @Test
    void aUsageErrorFoundAfterParsingIsOneLineToo() throws Exception {
        CliProcess.Result r = usageError("iolite stats", "stats", "--server", "https://127.0.0.1:1", "--token", "t",
                "--subscription", "s");
        assertThat(r.err()).contains("--hub is required with --server");
    }
}

package dev.iolite.cli.it;

import dev.iolite.server.testkit.SqliteOnly;
import dev.iolite.server.testkit.ServerExtension;

import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Deletes ask first: {@code hub delete} wants the hub's name typed on a terminal, {@code device delete} and
 * {@code module delete} a y; without a terminal each needs {@code --yes}, and a hub that does not exist is an error.
 */
@SqliteOnly("what a person sees of a delete does not depend on the store")
class HubDeleteIT {
    @RegisterExtension
    @Order(1)
    static final ServerExtension server = new ServerExtension();

    @TempDir
    Path tmp;

    private String dataDir() { return server.dataDir().toString(); }

    private int hubStatus(String hub) throws Exception {
        return server.send("GET", server.armHub(hub) + "?api-version=2021-07-01", "Bearer " + server.armToken(), null).statusCode();
    }

    private static void assertOneLine(CliProcess.Result r) {
        assertThat(r.errLines()).as(r.toString()).hasSize(1);
        assertThat(r.err()).startsWith("iolite: ").doesNotContain("Exception");
    }

    @Test
    void onATerminalHubDeleteDeletesOnlyWhenTheHubsNameIsTyped() throws Exception {
        // GIVEN a hub with a device and a file: container
        String sas = server.createHub("ask-hub");
        assertThat(server.send("PUT", "/devices/d1?api-version=2021-04-12", sas, "{\"deviceId\":\"d1\"}").statusCode())
                .isEqualTo(200);
        Path container = server.blobRootOf("ask-hub").resolve("keep");
        Files.createDirectories(container);

        // WHEN a person answers y instead of the name THEN nothing is deleted, exit 1
        CliProcess.Result no = CliProcess.inTerminal(tmp, "y\n", "hub", "delete", "ask-hub", "--data-dir", dataDir());
        assertThat(no.code()).as(no.out()).isEqualTo(1);
        assertThat(no.out()).contains("Hub ask-hub holds 1 device. Deleting it").contains("Type 'ask-hub' to confirm:")
                .contains("hub ask-hub was not deleted").doesNotContain("deleted hub");
        assertThat(hubStatus("ask-hub")).isEqualTo(200);
        assertThat(container).isDirectory();

        // WHEN the name is typed THEN the hub goes, exit 0
        CliProcess.Result yes = CliProcess.inTerminal(tmp, "ask-hub\n", "hub", "delete", "ask-hub", "--data-dir", dataDir());
        assertThat(yes.code()).as(yes.out()).isZero();
        assertThat(yes.out()).contains("deleted hub ask-hub");
        assertThat(hubStatus("ask-hub")).isEqualTo(404);
    }

    @Test
    void withoutATerminalHubDeleteNeedsYesAndAnUnknownHubIsAnError() throws Exception {
        server.createHub("script-hub");

        // WHEN run from a script without --yes THEN a usage error of one line, and the hub stays
        CliProcess.Result refused = CliProcess.withText("script-hub\n", "hub", "delete", "script-hub", "--data-dir", dataDir());
        assertThat(refused.code()).as(refused.toString()).isEqualTo(2);
        assertOneLine(refused);
        assertThat(refused.err()).contains("--yes").contains("no terminal");
        assertThat(refused.out()).isEmpty();
        assertThat(hubStatus("script-hub")).isEqualTo(200);

        // WHEN --yes is given THEN it is deleted without a question
        CliProcess.Result deleted = CliProcess.withText(null, "hub", "delete", "script-hub", "--yes", "-o", "json", "--data-dir", dataDir());
        assertThat(deleted.code()).as(deleted.toString()).isZero();
        assertThat(ServerExtension.JSON.readTree(deleted.out()).get("deleted").asText()).isEqualTo("script-hub");
        assertThat(deleted.err()).isEmpty();
        assertThat(hubStatus("script-hub")).isEqualTo(404);

        // WHEN the hub does not exist (again, or ever) THEN exit 1 with one line, never "deleted hub"
        for (String name : new String[] {"script-hub", "lab"}) {
            CliProcess.Result missing = CliProcess.withText(null, "hub", "delete", name, "--yes", "--data-dir", dataDir());
            assertThat(missing.code()).as(missing.toString()).isEqualTo(1);
            assertOneLine(missing);
            assertThat(missing.err()).contains("hub " + name + " does not exist");
            assertThat(missing.out()).doesNotContain("deleted");
        }
    }

    @Test
    void deviceAndModuleDeletesAskOnATerminalAndNeedYesElsewhere() throws Exception {
        // GIVEN a device with a module
        String sas = server.ownerSasOf(server.ready().get("hub").asText());
        assertThat(server.send("PUT", "/devices/del-1?api-version=2021-04-12", sas, "{\"deviceId\":\"del-1\"}").statusCode()).isEqualTo(200);
        assertThat(server.send("PUT", "/devices/del-1/modules/m1?api-version=2021-04-12", sas,
                "{\"deviceId\":\"del-1\",\"moduleId\":\"m1\"}").statusCode()).isEqualTo(200);

        // WHEN deleted from a script without --yes THEN usage errors, and both stay
        for (String[] args : new String[][] {{"device", "delete", "del-1"}, {"module", "delete", "del-1", "m1"}}) {
            CliProcess.Result r = CliProcess.withText("y\n", concat(args, "--data-dir", dataDir()));
            assertThat(r.code()).as(r.toString()).isEqualTo(2);
            assertOneLine(r);
            assertThat(r.err()).contains("--yes");
        }
        assertThat(server.send("GET", "/devices/del-1/modules/m1?api-version=2021-04-12", sas, null).statusCode()).isEqualTo(200);

        // WHEN a person answers n, then y, to the module's question THEN it is deleted the second time only
        CliProcess.Result n = CliProcess.inTerminal(tmp, "n\n", "module", "delete", "del-1", "m1", "--data-dir", dataDir());
        assertThat(n.code()).as(n.out()).isEqualTo(1);
        assertThat(n.out()).contains("Delete module m1 of device del-1? [y/N]").contains("module m1 was not deleted");
        CliProcess.Result y = CliProcess.inTerminal(tmp, "y\n", "module", "delete", "del-1", "m1", "--data-dir", dataDir());
        assertThat(y.code()).as(y.out()).isZero();
        assertThat(y.out()).contains("deleted module m1 of device del-1");
        assertThat(server.send("GET", "/devices/del-1/modules/m1?api-version=2021-04-12", sas, null).statusCode()).isEqualTo(404);

        // WHEN the device is deleted on a terminal THEN it asks; with --yes it does not
        CliProcess.Result asked = CliProcess.inTerminal(tmp, "\n", "device", "delete", "del-1", "--data-dir", dataDir());
        assertThat(asked.code()).as(asked.out()).isEqualTo(1);
        assertThat(asked.out()).contains("Delete device del-1? [y/N]");
        CliProcess.Result gone = CliProcess.withText(null, "device", "delete", "del-1", "--yes", "--data-dir", dataDir());
        assertThat(gone.code()).as(gone.toString()).isZero();
        assertThat(gone.out()).isEqualTo("deleted device del-1\n");
        CliProcess.Result again = CliProcess.withText(null, "device", "delete", "del-1", "--yes", "--data-dir", dataDir());
        assertThat(again.code()).as(again.toString()).isEqualTo(1);
        assertOneLine(again);
        assertThat(again.err()).contains("DeviceNotFound");
    }

    private static String[] concat(String[] a, String... b) {
        String[] all = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }
}

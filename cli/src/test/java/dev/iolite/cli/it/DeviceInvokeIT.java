package dev.iolite.cli.it;

import dev.iolite.server.testkit.ServerExtension;
import dev.iolite.server.testkit.SqliteOnly;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code iolite device invoke}: a direct method call from the command line, as a shell runs it. */
@SqliteOnly("the command line does not depend on the store")
class DeviceInvokeIT {
    @RegisterExtension
    @Order(1)
    static final ServerExtension server = new ServerExtension();

    static CliProcess.Result iolite(String... args) throws Exception {
        String[] all = java.util.Arrays.copyOf(args, args.length + 2);
        all[args.length] = "--data-dir";
        all[args.length + 1] = server.dataDir().toString();
        return CliProcess.withText(null, all);
    }

    private static void assertFailed(CliProcess.Result r, int exit, String... words) {
        assertThat(r.code()).as(r.toString()).isEqualTo(exit);
        assertThat(r.errLines()).as(r.toString()).hasSize(1);
        assertThat(r.err()).as(r.toString()).startsWith("iolite: ").contains(words);
        assertThat(r.out()).isEmpty();
    }

    @Test
    void aCallTheHubCannotCompleteIsOneLineAndExitCode1() throws Exception {
        assertThat(iolite("device", "create", "inv-1").code()).isZero();

        assertFailed(iolite("device", "invoke", "inv-1", "reboot"), 1, "404", "DeviceNotOnline", "inv-1");
        assertFailed(iolite("device", "invoke", "inv-1", "reboot", "--connect-timeout", "1", "--payload", "{\"a\":1}"), 1,
                "DeviceNotOnline", "1 s");
        assertFailed(iolite("device", "invoke", "nobody", "reboot"), 1, "DeviceNotFound");
        assertFailed(iolite("device", "invoke", "inv-1", "reboot", "--module", "nomod"), 1, "ModuleNotFound");
        assertFailed(iolite("device", "invoke", "inv-1", "re boot"), 1, "400", "methodName");
        assertFailed(iolite("device", "invoke", "inv-1", "reboot", "--response-timeout", "4"), 1, "400",
                "responseTimeoutInSeconds");
    }

    @Test
    void badOptionsAreUsageErrors() throws Exception {
        assertFailed(iolite("device", "invoke", "inv-2", "reboot", "--payload", "{oops"), 2, "--payload is not valid JSON");
        assertFailed(iolite("device", "invoke", "inv-2", "reboot", "--connect-timeout", "soon"), 2, "--connect-timeout");
        assertFailed(iolite("device", "invoke", "inv-2"), 2, "METHOD");
    }
}

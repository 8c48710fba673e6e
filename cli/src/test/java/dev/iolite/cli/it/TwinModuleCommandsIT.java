package dev.iolite.cli.it;

import dev.iolite.server.testkit.SqliteOnly;
import dev.iolite.server.testkit.ServerExtension;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** What {@code az iot hub} users reach for: modules, twins and a device's connection string, run as a shell runs them. */
@SqliteOnly("the command line does not depend on the store")
class TwinModuleCommandsIT {
    @RegisterExtension
    @Order(1)
    static final ServerExtension server = new ServerExtension();

    @TempDir
    Path tmp;

    private static CliProcess.Result iolite(String... args) throws Exception {
        String[] all = java.util.Arrays.copyOf(args, args.length + 2);
        all[args.length] = "--data-dir";
        all[args.length + 1] = server.dataDir().toString();
        return CliProcess.withText(null, all);
    }

    private static CliProcess.Result ok(String... args) throws Exception {
        CliProcess.Result r = iolite(args);
        assertThat(r.code()).as(r.toString()).isZero();
        return r;
    }

    private static void assertUsage(CliProcess.Result r, String... words) {
        assertThat(r.code()).as(r.toString()).isEqualTo(2);
        assertThat(r.errLines()).as(r.toString()).hasSize(1);
        assertThat(r.err()).startsWith("iolite: ").contains(words);
    }

    @Test
    void modulesAreCreatedListedShownAndDeleted() throws Exception {
        ok("device", "create", "mod-dev");

        // WHEN a module is created THEN it has keys, in a table and in JSON
        CliProcess.Result created = ok("module", "create", "mod-dev", "edge-agent");
        assertThat(created.out()).contains("module:").contains("edge-agent").contains("sas");
        JsonNode shown = ServerExtension.JSON.readTree(ok("module", "show", "mod-dev", "edge-agent", "-o", "json").out());
        assertThat(shown.get("deviceId").asText()).isEqualTo("mod-dev");
        assertThat(shown.get("moduleId").asText()).isEqualTo("edge-agent");
        assertThat(shown.get("primaryKey").asText()).hasSize(44);
        assertThat(created.out()).contains(shown.get("primaryKey").asText());

        // AND a second one; the list has both, as a table and as a JSON array
        ok("module", "create", "mod-dev", "sensor");
        CliProcess.Result table = ok("module", "list", "mod-dev");
        assertThat(table.out().lines().toList()).hasSize(3);
        assertThat(table.out()).startsWith("MODULE").contains("edge-agent").contains("sensor");
        assertThat(table.err()).contains("2 modules");
        JsonNode list = ServerExtension.JSON.readTree(ok("module", "list", "mod-dev", "-o", "json").out());
        assertThat(list.findValuesAsText("moduleId")).containsExactlyInAnyOrder("edge-agent", "sensor");

        // WHEN a module exists already, or the device does not THEN exit 1 with one line
        CliProcess.Result twice = iolite("module", "create", "mod-dev", "sensor");
        assertThat(twice.code()).as(twice.toString()).isEqualTo(1);
        assertThat(twice.errLines()).hasSize(1);
        assertThat(twice.err()).contains("409");
        CliProcess.Result noDevice = iolite("module", "list", "no-such-device");
        assertThat(noDevice.code()).as(noDevice.toString()).isEqualTo(1);
        assertThat(noDevice.err()).contains("DeviceNotFound");

        // WHEN one is deleted with --yes THEN the other stays
        assertThat(ok("module", "delete", "mod-dev", "sensor", "--yes").out()).isEqualTo("deleted module sensor of device mod-dev\n");
        assertThat(ServerExtension.JSON.readTree(ok("module", "list", "mod-dev", "-o", "json").out())
                .findValuesAsText("moduleId")).containsExactly("edge-agent");
        CliProcess.Result missing = iolite("module", "show", "mod-dev", "sensor");
        assertThat(missing.code()).isEqualTo(1);
        assertThat(missing.err()).contains("ModuleNotFound");
    }

    @Test
    void twinsAreShownAndTheirTagsAndDesiredPropertiesMerged() throws Exception {
        ok("device", "create", "twin-dev");
        ok("module", "create", "twin-dev", "thermo");

        // WHEN tags and desired properties are set inline THEN the twin shows them
        CliProcess.Result updated = ok("twin", "update", "twin-dev", "--desired", "{\"interval\": 30}", "--tags", "{\"site\": \"north\"}");
        assertThat(updated.out()).contains("device:").contains("twin-dev").contains("{\"site\":\"north\"}").contains("\"interval\":30");
        // AND a second patch merges: a member set to null goes, the others stay
        Path patch = tmp.resolve("desired.json");
        Files.writeString(patch, "{\n  \"interval\": null,\n  \"mode\": \"eco\"\n}\n");
        ok("twin", "update", "twin-dev", "--desired", patch.toString());
        JsonNode twin = ServerExtension.JSON.readTree(ok("twin", "show", "twin-dev", "-o", "json").out());
        assertThat(twin.path("tags").path("site").asText()).isEqualTo("north");
        assertThat(twin.path("properties").path("desired").has("interval")).isFalse();
        assertThat(twin.path("properties").path("desired").path("mode").asText()).isEqualTo("eco");

        // WHEN the module's twin is updated THEN the device's twin is not
        ok("twin", "update", "twin-dev", "--module", "thermo", "--desired", "{\"unit\": \"C\"}");
        JsonNode module = ServerExtension.JSON.readTree(ok("twin", "show", "twin-dev", "-m", "thermo", "-o", "json").out());
        assertThat(module.path("moduleId").asText()).isEqualTo("thermo");
        assertThat(module.path("properties").path("desired").path("unit").asText()).isEqualTo("C");
        assertThat(ServerExtension.JSON.readTree(ok("twin", "show", "twin-dev", "-o", "json").out())
                .path("properties").path("desired").has("unit")).isFalse();

        // WHEN the etag is stale THEN exit 1, and nothing changes
        CliProcess.Result stale = iolite("twin", "update", "twin-dev", "--tags", "{\"site\": \"south\"}", "--etag", "AAAAAAAAAAE=");
        assertThat(stale.code()).as(stale.toString()).isEqualTo(1);
        assertThat(stale.errLines()).hasSize(1);
        assertThat(stale.err()).contains("412");

        // WHEN the input is wrong THEN one line naming the option, exit 2
        assertUsage(iolite("twin", "update", "twin-dev"), "--desired", "--tags");
        assertUsage(iolite("twin", "update", "twin-dev", "--desired", "{interval: 30}"), "--desired is not valid JSON", "line 1");
        assertUsage(iolite("twin", "update", "twin-dev", "--tags", "[1]"), "--tags must be a JSON object");
        assertUsage(iolite("twin", "update", "twin-dev", "--tags", tmp.resolve("nope.json").toString()), "--tags",
                "is neither a JSON object nor a file");
        assertThat(ServerExtension.JSON.readTree(ok("twin", "show", "twin-dev", "-o", "json").out())
                .path("tags").path("site").asText()).isEqualTo("north");
    }

    @Test
    void aDevicesConnectionStringHasItsHostIdKeyAndThisServerAsGateway() throws Exception {
        JsonNode device = ServerExtension.JSON.readTree(ok("device", "create", "cs-dev", "-o", "json").out());
        JsonNode module = ServerExtension.JSON.readTree(ok("module", "create", "cs-dev", "cam", "-o", "json").out());
        String host = server.hubHostName();

        CliProcess.Result cs = ok("device", "connection-string", "cs-dev");
        assertThat(cs.out().lines().toList()).singleElement().isEqualTo("HostName=" + host + ";DeviceId=cs-dev;SharedAccessKey="
                + device.get("primaryKey").asText() + ";GatewayHostName=127.0.0.1:" + server.port());
        // split as the SDKs split it: on ';', then on the first '=' (keys end in '=')
        Map<String, String> parts = parse(cs.out().strip());
        assertThat(parts.keySet()).containsExactly("HostName", "DeviceId", "SharedAccessKey", "GatewayHostName");
        assertThat(parts.get("SharedAccessKey")).endsWith("=");

        Map<String, String> secondary = parse(ServerExtension.JSON.readTree(ok("device", "connection-string", "cs-dev",
                "--key-type", "secondary", "-o", "json").out()).get("connectionString").asText());
        assertThat(secondary.get("SharedAccessKey")).isEqualTo(device.get("secondaryKey").asText());

        Map<String, String> mod = parse(ok("device", "connection-string", "cs-dev", "--module", "cam").out().strip());
        assertThat(mod).containsEntry("DeviceId", "cs-dev").containsEntry("ModuleId", "cam")
                .containsEntry("SharedAccessKey", module.get("primaryKey").asText());

        CliProcess.Result missing = iolite("device", "connection-string", "no-such-device");
        assertThat(missing.code()).isEqualTo(1);
        assertThat(missing.err()).contains("DeviceNotFound");
        CliProcess.Result badType = iolite("device", "connection-string", "cs-dev", "--key-type", "tertiary");
        assertThat(badType.code()).as(badType.toString()).isEqualTo(2);
        assertThat(badType.err()).contains("tertiary");
    }

    private static Map<String, String> parse(String connectionString) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String part : connectionString.split(";")) {
            int eq = part.indexOf('=');
            out.put(part.substring(0, eq), part.substring(eq + 1));
        }
        return out;
    }
}

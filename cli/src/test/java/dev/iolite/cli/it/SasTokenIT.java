package dev.iolite.cli.it;

import dev.iolite.server.testkit.SqliteOnly;
import dev.iolite.server.testkit.ServerExtension;

import com.fasterxml.jackson.databind.JsonNode;
import dev.iolite.server.auth.SasToken;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code iolite sas-token} signs with the key a hub has now, for any hub and policy, or with a device's or module's
 * own key; and ready.json's connection string follows a rotation of the default hub's keys.
 */
@SqliteOnly("the command line does not depend on the store")
class SasTokenIT {
    private static final String STATS = "/statistics/devices?api-version=2021-04-12";

    @RegisterExtension
    @Order(1)
    static final ServerExtension server = new ServerExtension();

    private static CliProcess.Result iolite(String... args) throws Exception {
        String[] all = java.util.Arrays.copyOf(args, args.length + 2);
        all[args.length] = "--data-dir";
        all[args.length + 1] = server.dataDir().toString();
        return CliProcess.withText(null, all);
    }

    private static String token(String... args) throws Exception {
        CliProcess.Result r = iolite(args);
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(r.out().lines().toList()).as(r.toString()).singleElement();
        return r.out().strip();
    }

    private static String ownerKeyOf(Path readyFile) throws Exception {
        for (String part : ServerExtension.JSON.readTree(readyFile.toFile()).get("connectionString").asText().split(";")) {
            if (part.startsWith("SharedAccessKey=")) return part.substring("SharedAccessKey=".length());
        }
        throw new IllegalStateException("no key in " + readyFile);
    }

    @Test
    void afterTheOwnerKeyIsRotatedSasTokenAndReadyJsonAreCurrent() throws Exception {
        // GIVEN the default hub's owner key in ready.json and a token of it
        Path ready = server.dataDir().resolve("ready.json");
        String before = ownerKeyOf(ready);
        String oldToken = token("sas-token");
        assertThat(server.send("GET", STATS, oldToken, null).statusCode()).isEqualTo(200);

        // WHEN the key is rotated through the command line
        CliProcess.Result rotated = iolite("hub", "keys", "--regenerate", "iothubowner");
        assertThat(rotated.code()).as(rotated.toString()).isZero();

        // THEN the old token fails, a new sas-token works
        assertThat(server.send("GET", STATS, oldToken, null).statusCode()).isEqualTo(401);
        assertThat(server.send("GET", STATS, token("sas-token"), null).statusCode()).isEqualTo(200);
        // AND ready.json holds the new key, still private to its owner, and the rest of it as it was
        String after = ownerKeyOf(ready);
        assertThat(after).isNotEqualTo(before);
        assertThat(server.send("GET", STATS, SasToken.create(server.hubHostName(), "iothubowner", after,
                Instant.now().plusSeconds(600)), null).statusCode()).isEqualTo(200);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(ready))).isEqualTo("rw-------");
        JsonNode now = ServerExtension.JSON.readTree(ready.toFile());
        assertThat(now.get("url").asText()).isEqualTo(server.url());
        assertThat(now.get("pid").asLong()).isEqualTo(ProcessHandle.current().pid());
        assertThat(server.dataDir().resolve("ready.json.tmp")).doesNotExist();

        // WHEN the secondary key is rotated THEN ready.json (which names the primary) and its tokens are unchanged
        assertThat(iolite("hub", "keys", "--regenerate", "iothubowner", "--secondary").code()).isZero();
        assertThat(ownerKeyOf(ready)).isEqualTo(after);
        String secondary = token("sas-token", "--key-type", "secondary");
        assertThat(server.send("GET", STATS, secondary, null).statusCode()).isEqualTo(200);
    }

    @Test
    void aTokenForAnotherHubAndPolicy() throws Exception {
        server.createHub("sas-other");
        String token = token("sas-token", "--hub", "sas-other", "--policy", "registryRead", "--ttl", "5m");
        SasToken parsed = SasToken.parse(token).orElseThrow();
        assertThat(parsed.resource()).isEqualTo("sas-other.azure-devices.net");
        assertThat(parsed.keyName()).isEqualTo("registryRead");
        assertThat(parsed.expiry()).isBetween(Instant.now().plusSeconds(240).getEpochSecond(), Instant.now().plusSeconds(360).getEpochSecond());
        assertThat(server.send("GET", STATS, token, null).statusCode()).isEqualTo(200);
        // a registryRead token may read, not write
        assertThat(server.send("PUT", "/devices/nope?api-version=2021-04-12", token, "{\"deviceId\":\"nope\"}").statusCode())
                .isIn(401, 403);

        CliProcess.Result unknown = iolite("sas-token", "--hub", "sas-other", "--policy", "nobody");
        assertThat(unknown.code()).as(unknown.toString()).isEqualTo(1);
        assertThat(unknown.errLines()).hasSize(1);
        assertThat(unknown.err()).contains("no shared access policy named 'nobody'");
        CliProcess.Result noHub = iolite("sas-token", "--hub", "no-such-hub");
        assertThat(noHub.code()).as(noHub.toString()).isEqualTo(1);
        assertThat(noHub.err()).contains("IotHubNotFound");
    }

    @Test
    void deviceAndModuleTokensAreSignedWithTheirOwnKeys() throws Exception {
        JsonNode device = ServerExtension.JSON.readTree(iolite("device", "create", "sas-dev", "-o", "json").out());
        JsonNode module = ServerExtension.JSON.readTree(iolite("module", "create", "sas-dev", "m-1", "-o", "json").out());
        String host = server.hubHostName();

        // a device token: sr is {host}/devices/{id}, URL-encoded, and there is no skn
        String dt = token("sas-token", "--device", "sas-dev");
        assertThat(dt).startsWith("SharedAccessSignature sr=" + host + "%2Fdevices%2Fsas-dev&sig=").doesNotContain("skn=");
        SasToken d = SasToken.parse(dt).orElseThrow();
        assertThat(d.resource()).isEqualTo(host + "/devices/sas-dev");
        assertThat(d.signedWith(device.get("primaryKey").asText())).isTrue();
        assertThat(SasToken.parse(token("sas-token", "-d", "sas-dev", "--key-type", "secondary")).orElseThrow()
                .signedWith(device.get("secondaryKey").asText())).isTrue();

        // a module token: {host}/devices/{id}/modules/{mid}
        JsonNode json = ServerExtension.JSON.readTree(iolite("sas-token", "--device", "sas-dev", "--module", "m-1", "-o", "json").out());
        assertThat(json.get("resource").asText()).isEqualTo(host + "/devices/sas-dev/modules/m-1");
        SasToken m = SasToken.parse(json.get("sasToken").asText()).orElseThrow();
        assertThat(m.resource()).isEqualTo(host + "/devices/sas-dev/modules/m-1");
        assertThat(m.signedWith(module.get("primaryKey").asText())).isTrue();
        assertThat(m.keyName()).isNull();

        // usage errors: one line, exit 2; an unknown device: exit 1
        CliProcess.Result moduleAlone = iolite("sas-token", "--module", "m-1");
        assertThat(moduleAlone.code()).isEqualTo(2);
        assertThat(moduleAlone.errLines()).singleElement().asString().contains("--device");
        CliProcess.Result both = iolite("sas-token", "--device", "sas-dev", "--policy", "iothubowner");
        assertThat(both.code()).isEqualTo(2);
        assertThat(both.errLines()).singleElement().asString().contains("--policy").contains("--device");
        CliProcess.Result noDevice = iolite("sas-token", "--device", "nobody");
        assertThat(noDevice.code()).isEqualTo(1);
        assertThat(noDevice.err()).contains("DeviceNotFound");
    }
}

package dev.iolite.server.it;

import dev.iolite.server.testkit.ServerExtension;
import dev.iolite.server.testkit.Sdks;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Text that a store cannot hold (a NUL character, half a surrogate pair, written as JSON escapes) gets the
 * same answer on SQLite and PostgreSQL on every write path: 400 ArgumentInvalid naming the field, and
 * nothing written; for an import job, a failed line in importErrors.log while the job goes on. Before,
 * PostgreSQL refused such text and the request got 503. ARM's hub location and tags follow the same rule.
 * Each test runs on both stores.
 */
class StoredTextIT {
    @RegisterExtension
    static final ServerExtension server = new ServerExtension();

    private static final String API = "?api-version=2021-04-12";
    /** A NUL and an unpaired surrogate, as JSON escapes (the backslash is doubled for Java). */
    private static final String NUL = "\\u0000";
    private static final String HALF = "\\ud800";

    /** Identity fields with such text, as members of a device body. */
    static Stream<String> identityFields() {
        return Stream.of(
                "\"statusReason\":\"a" + NUL + "b\"",
                "\"statusReason\":\"" + HALF + "\"",
                "\"deviceScope\":\"ms-azure-iot-edge://e" + NUL + "-1\"",
                "\"parentScopes\":[\"ms-azure-iot-edge://p" + NUL + "-1\"]");
    }

    /** Twin documents with such text: values and keys, nested, in arrays, as members of a twin body. */
    static Stream<String> twinDocuments() {
        return Stream.of(
                "\"tags\":{\"t\":\"a" + NUL + "b\"}",
                "\"tags\":{\"a" + NUL + "b\":1}",
                "\"tags\":{\"n\":{\"m\":{\"x\":\"" + NUL + "\"}}}",
                "\"tags\":{\"list\":[\"ok\",\"" + NUL + "\"]}",
                "\"tags\":{\"list\":[{\"k\":\"" + NUL + "\"}]}",
                "\"tags\":{\"t\":\"" + HALF + "\"}",
                "\"tags\":{\"" + HALF + "\":1}",
                "\"properties\":{\"desired\":{\"p\":\"" + NUL + "\"}}",
                "\"properties\":{\"desired\":{\"o\":{\"k" + NUL + "\":1}}}",
                "\"properties\":{\"desired\":{\"o\":[[\"x" + HALF + "\"]]}}");
    }

    static Stream<String> everyField() {
        return Stream.concat(identityFields(), twinDocuments());
    }

    private static String sas() { return server.ownerSas(); }

    private static int status(String path) throws Exception {
        return server.send("GET", path + API, sas(), null).statusCode();
    }

    private static void assertArgumentInvalid(HttpResponse<String> r) throws Exception {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
        assertThat(r.headers().firstValue("iothub-errorcode")).contains("ArgumentInvalid");
        assertThat(ServerExtension.hubError(r).get("errorCode").asInt()).isEqualTo(400004);
    }

    @ParameterizedTest
    @MethodSource("identityFields")
    void aDevicePutWithSuchTextIsRefusedWith400AndCreatesNothing(String member) throws Exception {
        String id = "put-" + Integer.toHexString(member.hashCode());
        assertArgumentInvalid(server.send("PUT", "/devices/" + id + API, sas(), "{\"deviceId\":\"" + id + "\"," + member + "}"));
        assertThat(status("/devices/" + id)).isEqualTo(404);
    }

    @ParameterizedTest
    @MethodSource("identityFields")
    void aModulePutWithSuchTextIsRefusedWith400AndCreatesNothing(String member) throws Exception {
        server.send("PUT", "/devices/module-parent" + API, sas(), "{\"deviceId\":\"module-parent\"}");
        String path = "/devices/module-parent/modules/m-" + Integer.toHexString(member.hashCode());
        assertArgumentInvalid(server.send("PUT", path + API, sas(), "{" + member + "}"));
        assertArgumentInvalid(server.send("PUT", path + API, sas(), "{\"managedBy\":\"x" + NUL + "\"}"));
        assertThat(status(path)).isEqualTo(404);
    }

    @ParameterizedTest
    @MethodSource("everyField")
    void aBulkItemWithSuchTextFailsWithArgumentInvalidAndCreatesNothing(String member) throws Exception {
        String id = "bulk-" + Integer.toHexString(member.hashCode());
        HttpResponse<String> r = server.send("POST", "/devices" + API, sas(),
                "[{\"id\":\"" + id + "-ok\",\"importMode\":\"create\"},{\"id\":\"" + id + "\",\"importMode\":\"create\"," + member + "}]");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
        assertThat(r.headers().firstValue("iothub-errorcode")).contains("BulkRegistryOperationFailure");
        JsonNode errors = ServerExtension.JSON.readTree(r.body()).get("errors");
        assertThat(errors).hasSize(1);
        assertThat(errors.get(0).get("deviceId").asText()).isEqualTo(id);
        assertThat(errors.get(0).get("errorCode").asText()).isEqualTo("ArgumentInvalid");
        assertThat(status("/devices/" + id)).isEqualTo(404);
        assertThat(status("/devices/" + id + "-ok")).isEqualTo(200);
    }

    @ParameterizedTest
    @MethodSource("twinDocuments")
    void aTwinPutOrPatchWithSuchTextIsRefusedWith400AndChangesNothing(String member) throws Exception {
        server.send("PUT", "/devices/twin-target" + API, sas(), "{\"deviceId\":\"twin-target\"}");
        server.send("PUT", "/devices/twin-target/modules/m" + API, sas(), "{}");
        for (String twin : List.of("/twins/twin-target", "/twins/twin-target/modules/m")) {
            String before = server.send("GET", twin + API, sas(), null).body();
            assertArgumentInvalid(server.send("PUT", twin + API, sas(), "{" + member + "}", "If-Match", "\"*\""));
            assertArgumentInvalid(server.send("PATCH", twin + API, sas(), "{" + member + "}", "If-Match", "\"*\""));
            assertThat(server.send("GET", twin + API, sas(), null).body()).isEqualTo(before);
        }
    }

    @ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {
            "{\"location\":\"west" + NUL + "\",\"sku\":{\"name\":\"S1\",\"capacity\":1}}",
            "{\"location\":\"west\",\"sku\":{\"name\":\"S1\",\"capacity\":1},\"tags\":{\"t\":\"a" + NUL + "\"}}",
            "{\"location\":\"west\",\"sku\":{\"name\":\"S1\",\"capacity\":1},\"tags\":{\"t" + HALF + "\":\"a\"}}"})
    void anArmHubWithSuchTextIsRefusedWith400AndCreatesNothing(String body) throws Exception {
        String hub = "text-hub-" + Integer.toHexString(body.hashCode());
        String bearer = "Bearer " + server.armToken();
        HttpResponse<String> r = server.send("PUT", server.armHub(hub) + "?api-version=2021-07-01", bearer, body);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
        assertThat(r.body()).contains("ArgumentInvalid");
        assertThat(server.send("GET", server.armHub(hub) + "?api-version=2021-07-01", bearer, null).statusCode()).isEqualTo(404);
    }

    @Test
    void anArmTagsPatchWithSuchTextIsRefusedWith400AndChangesNothing() throws Exception {
        server.createHub("text-patch");
        String bearer = "Bearer " + server.armToken();
        String path = server.armHub("text-patch") + "?api-version=2021-07-01";
        String before = ServerExtension.JSON.readTree(server.send("GET", path, bearer, null).body()).get("tags").toString();
        HttpResponse<String> r = server.send("PATCH", path, bearer, "{\"tags\":{\"t\":\"a" + NUL + "\"}}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
        assertThat(r.body()).contains("ArgumentInvalid");
        assertThat(ServerExtension.JSON.readTree(server.send("GET", path, bearer, null).body()).get("tags").toString())
                .isEqualTo(before);
    }

    @Test
    void aRawControlCharacterIsMalformedJsonOnEveryPath() throws Exception {
        HttpResponse<String> r = server.send("POST", "/devices" + API, sas(), "[{\"id\":\"raw-nul\",\"tags\":{\"t\":\"a\0b\"}}]");
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(r.headers().firstValue("iothub-errorcode")).contains("IotHubFormatError");
        assertThat(status("/devices/raw-nul")).isEqualTo(404);
    }

    @Test
    void otherTextIsKeptAndReturnedAsSent() throws Exception {
        // GIVEN text with an escaped pair (an emoji), other control characters and quotes in values
        String value = "\\ud83d\\ude00 \\u0001\\t\\\"q\\\"";
        HttpResponse<String> bulk = server.send("POST", "/devices" + API, sas(), "[{\"id\":\"kept\",\"importMode\":\"create\","
                + "\"statusReason\":\"" + value + "\",\"tags\":{\"t\":\"" + value + "\",\"l\":[\"" + value + "\"]},"
                + "\"properties\":{\"desired\":{\"d\":{\"e\":\"" + value + "\"}}}}]");
        assertThat(bulk.statusCode()).as(bulk.body()).isEqualTo(200);
        // THEN reads return exactly what was sent
        String expected = "\ud83d\ude00 \u0001\t\"q\"";
        JsonNode twin = ServerExtension.JSON.readTree(server.send("GET", "/twins/kept" + API, sas(), null).body());
        assertThat(twin.at("/tags/t").asText()).isEqualTo(expected);
        assertThat(twin.at("/tags/l/0").asText()).isEqualTo(expected);
        assertThat(twin.at("/properties/desired/d/e").asText()).isEqualTo(expected);
        assertThat(twin.at("/statusReason").asText()).isEqualTo(expected);
        HttpResponse<String> patch = server.send("PATCH", "/twins/kept" + API, sas(),
                "{\"tags\":{\"p\":\"" + value + "\"}}", "If-Match", "\"*\"");
        assertThat(patch.statusCode()).as(patch.body()).isEqualTo(200);
        JsonNode after = ServerExtension.JSON.readTree(server.send("GET", "/twins/kept" + API, sas(), null).body());
        assertThat(after.at("/tags/p").asText()).isEqualTo(expected);
    }

    @Test
    void anImportLineWithSuchTextFailsInTheLogAndTheJobGoesOn() throws Exception {
        // GIVEN a blob whose even lines carry text no store can hold, and whose odd lines are fine
        List<String> members = everyField().toList();
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < members.size(); i++) {
            lines.add("{\"id\":\"imp-ok-" + i + "\"}");
            lines.add("{\"id\":\"imp-bad-" + i + "\"," + members.get(i) + "}");
        }
        Path root = server.blobRoot();
        Files.createDirectories(root.resolve("text-in"));
        Files.writeString(root.resolve("text-in/devices.txt"), String.join("\n", lines) + "\n");
        // WHEN the blob is imported
        HttpResponse<String> r = server.send("POST", "/jobs/create" + API, sas(),
                "{\"type\":\"import\",\"inputBlobContainerUri\":\"file:text-in\",\"outputBlobContainerUri\":\"file:text-out\"}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode done = Sdks.awaitJob(server, sas(), ServerExtension.JSON.readTree(r.body()).get("jobId").asText());
        // THEN each bad line failed with 400004, the others were applied, and the job completed
        assertThat(done.get("status").asText()).as(done.toString()).isEqualTo("completed");
        Map<Long, JsonNode> errors = new HashMap<>();
        for (String l : Files.readAllLines(root.resolve("text-out/importErrors.log"))) {
            JsonNode e = ServerExtension.JSON.readTree(l);
            errors.put(e.get("lineNumber").asLong(), e);
        }
        assertThat(errors).hasSize(members.size());
        for (int i = 0; i < members.size(); i++) {
            JsonNode e = errors.get(2L * i + 2);
            assertThat(e).as("line %d", 2 * i + 2).isNotNull();
            assertThat(e.get("errorCode").asInt()).as(e.toString()).isEqualTo(400004);
            assertThat(e.get("deviceId").asText()).isEqualTo("imp-bad-" + i);
            assertThat(status("/devices/imp-bad-" + i)).isEqualTo(404);
            assertThat(status("/devices/imp-ok-" + i)).isEqualTo(200);
        }
    }
}

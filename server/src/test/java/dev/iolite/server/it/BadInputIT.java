package dev.iolite.server.it;

import dev.iolite.server.testkit.ServerExtension;
import dev.iolite.server.testkit.SqliteOnly;
import com.azure.core.credential.AzureSasCredential;
import com.fasterxml.jackson.databind.JsonNode;
import com.microsoft.azure.sdk.iot.service.exceptions.IotHubBadFormatException;
import com.microsoft.azure.sdk.iot.service.exceptions.IotHubException;
import com.microsoft.azure.sdk.iot.service.exceptions.IotHubUnauthorizedException;
import com.microsoft.azure.sdk.iot.service.registry.Device;
import com.microsoft.azure.sdk.iot.service.registry.RegistryClient;
import dev.iolite.server.auth.SasToken;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.http.HttpResponse;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Every class of malformed request gets a 4xx in IoT Hub's error format, with a message naming the
 * problem, and changes nothing: each test checks the statistics and the device afterwards.
 */
@SqliteOnly("request validation happens before the store")
class BadInputIT {
    @RegisterExtension
    static final ServerExtension server = new ServerExtension();

    private static final String API = "?api-version=2021-04-12";
    private String statsBefore;

    @BeforeEach
    void snapshot() throws Exception {
        server.send("PUT", "/devices/keeper" + API, server.ownerSas(), "{\"deviceId\":\"keeper\"}");
        statsBefore = stats();
    }

    @AfterEach
    void nothingChanged() throws Exception {
        assertThat(stats()).as("statistics after a refused request").isEqualTo(statsBefore);
        HttpResponse<String> keeper = server.send("GET", "/devices/keeper" + API, server.ownerSas(), null);
        assertThat(keeper.statusCode()).isEqualTo(200);
        assertThat(ServerExtension.JSON.readTree(keeper.body()).get("status").asText()).isEqualTo("enabled");
    }

    private String stats() throws Exception {
        return server.send("GET", "/statistics/devices" + API, server.ownerSas(), null).body();
    }

    private static JsonNode assertHubError(HttpResponse<String> r, int status, String errorName, String messagePart)
            throws Exception {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
        if (!errorName.isEmpty()) assertThat(r.headers().firstValue("iothub-errorcode")).contains(errorName);
        JsonNode error = ServerExtension.hubError(r);
        assertThat(error.get("errorCode").asInt() / 1000).isEqualTo(status);
        assertThat(error.get("message").asText()).contains(messagePart);
        return error;
    }

    @ParameterizedTest
    @ValueSource(strings = {"{\"deviceId\": ", "not json", "{\"deviceId\":\"x\"} trailing", ""})
    void malformedJsonIsRefusedWith400(String body) throws Exception {
        HttpResponse<String> r = server.send("PUT", "/devices/json-victim" + API, server.ownerSas(), body);
        assertHubError(r, 400, "IotHubFormatError", "");
        assertThat(server.send("GET", "/devices/json-victim" + API, server.ownerSas(), null).statusCode()).isEqualTo(404);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "{\"status\": 5}|'status' must be a string",
            "{\"status\": \"sleeping\"}|'status' must be 'enabled' or 'disabled'",
            "{\"authentication\": {\"type\": \"SELF_SIGNED\"}}|'authentication.type'",
            "{\"authentication\": \"sas\"}|'authentication' must be a JSON object",
            "{\"authentication\": {\"symmetricKey\": {\"primaryKey\": \"AAAA\", \"secondaryKey\": \"AAAA\"}}}|decodes to 3 bytes",
            "{\"authentication\": {\"symmetricKey\": {\"primaryKey\": \"MDEyMzQ1Njc4OTAxMjM0NQ==\"}}}|both primaryKey and secondaryKey",
            "{\"authentication\": {\"symmetricKey\": {\"primaryKey\": \"!!!\", \"secondaryKey\": \"!!!\"}}}|not valid base64",
            "{\"authentication\": {\"type\": \"selfSigned\", \"x509Thumbprint\": {\"primaryThumbprint\": \"abc\"}}}|40 or 64 hexadecimal",
            "{\"capabilities\": {\"iotEdge\": \"yes\"}}|'capabilities.iotEdge' must be true or false",
            "{\"parentScopes\": \"scope\"}|'parentScopes' must be an array of strings",
            "{\"deviceId\": \"someone-else\"}|differs from the id in the path",
    })
    void wrongTypesAndValuesNameTheField(String body, String messagePart) throws Exception {
        HttpResponse<String> r = server.send("PUT", "/devices/typed-victim" + API, server.ownerSas(), body);
        assertHubError(r, 400, "ArgumentInvalid", messagePart);
        assertThat(server.send("GET", "/devices/typed-victim" + API, server.ownerSas(), null).statusCode()).isEqualTo(404);
    }

    @Test
    void registryQueryRefusesWhatItCannotAnswer() throws Exception {
        String all = "{\"query\":\"SELECT * FROM devices\"}";
        assertHubError(server.send("POST", "/devices/query" + API, server.ownerSas(), "{\"query\":"),
                400, "IotHubFormatError", "not valid JSON");
        assertHubError(server.send("POST", "/devices/query" + API, server.ownerSas(), "[1]"),
                400, "IotHubFormatError", "JSON object");
        assertHubError(server.send("POST", "/devices/query" + API, server.ownerSas(), "{\"query\":7}"),
                400, "", "query");
        assertHubError(server.send("POST", "/devices/query" + API, server.ownerSas(),
                "{\"query\":\"SELECT COUNT() FROM devices.jobs\"}"), 400, "ArgumentInvalid", "SELECT * FROM devices.jobs");
        assertHubError(server.send("POST", "/devices/query" + API, server.ownerSas(),
                "{\"query\":\"SELECT * FROM devices WHERE status = \"}"), 400, "ArgumentInvalid", "line 1, column");
        assertHubError(server.send("POST", "/devices/query" + API, server.ownerSas(), all, "x-ms-max-item-count", "0"),
                400, "ArgumentInvalid", "x-ms-max-item-count");
        assertHubError(server.send("POST", "/devices/query" + API, server.ownerSas(), all, "x-ms-max-item-count", "many"),
                400, "ArgumentInvalid", "x-ms-max-item-count");
        assertHubError(server.send("POST", "/devices/query" + API, server.ownerSas(), all, "x-ms-continuation", "!!not-ours"),
                400, "ArgumentInvalid", "x-ms-continuation");
        HttpResponse<String> ok = server.send("POST", "/devices/query" + API, server.ownerSas(), all, "x-ms-max-item-count", "1");
        assertThat(ok.statusCode()).isEqualTo(200);
        assertThat(ok.headers().firstValue("x-ms-item-type")).contains("Twin");
    }

    @Test
    void statusReasonOver128CharactersIsRefused() throws Exception {
        String body = "{\"statusReason\": \"" + "r".repeat(129) + "\"}";
        assertHubError(server.send("PUT", "/devices/reason-victim" + API, server.ownerSas(), body),
                400, "ArgumentInvalid", "statusReason");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "\"deviceScope\": \"@257\"|deviceScope",
            "\"managedBy\": \"@129\"|managedBy",
            "\"parentScopes\": [\"a\", \"b\"]|parentScopes",
            "\"parentScopes\": [\"@257\"]|parentScopes",
    })
    void unboundedIdentityFieldsAreRefusedOnEveryPath(String field, String named) throws Exception {
        // "@N" stands for N characters: long enough to pass no bound, short enough for the request cap
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("@(\\d+)").matcher(field);
        String member = m.find() ? m.replaceFirst("s".repeat(Integer.parseInt(m.group(1)))) : field;
        // PUT
        assertHubError(server.send("PUT", "/devices/bounded" + API, server.ownerSas(), "{" + member + "}"),
                400, "ArgumentInvalid", named);
        // the bulk API: the item fails, nothing is written
        HttpResponse<String> bulk = server.send("POST", "/devices" + API, server.ownerSas(),
                "[{\"id\":\"bounded\",\"importMode\":\"create\"," + member + "}]");
        assertThat(bulk.statusCode()).as(bulk.body()).isEqualTo(400);
        assertThat(bulk.body()).contains(named);
        assertThat(server.send("GET", "/devices/bounded" + API, server.ownerSas(), null).statusCode()).isEqualTo(404);
    }

    @Test
    void updateWithBadInputLeavesTheDeviceAsItWas() throws Exception {
        HttpResponse<String> r = server.send("PUT", "/devices/keeper" + API, server.ownerSas(),
                "{\"status\":\"disabled\",\"authentication\":{\"symmetricKey\":{\"primaryKey\":\"AAAA\",\"secondaryKey\":\"AAAA\"}}}",
                "If-Match", "*");
        assertHubError(r, 400, "ArgumentInvalid", "primaryKey");
    }

    @Test
    void oversizeBodyIsRefusedWith413() throws Exception {
        // the test server caps bodies at 256 KiB
        String body = "{\"statusReason\":\"" + "x".repeat(300 * 1024) + "\"}";
        HttpResponse<String> r = server.send("PUT", "/devices/huge" + API, server.ownerSas(), body);
        assertHubError(r, 413, "RequestEntityTooLarge", "larger than");
    }

    @ParameterizedTest
    @ValueSource(strings = {"bad%20id", "bad+plus", "x%23hash", "%C3%A9t%C3%A9"})
    void invalidDeviceIdsAreRefusedWith400(String encodedId) throws Exception {
        HttpResponse<String> r = server.send("PUT", "/devices/" + encodedId + API, server.ownerSas(), "{}");
        assertHubError(r, 400, "ArgumentInvalid", "'deviceId'");
    }

    @Test
    void anIdOf129CharactersIsRefused() throws Exception {
        HttpResponse<String> r = server.send("PUT", "/devices/" + "a".repeat(129) + API, server.ownerSas(), "{}");
        assertHubError(r, 400, "ArgumentInvalid", "1 to 128");
    }

    @Test
    void anUnencodedIdFromTheJavaSdkGetsAClearErrorNotA500() {
        // The Java service SDK (iot-service-client 2.x) concatenates ids into the URL unencoded.
        RegistryClient client = new RegistryClient(server.hostPort(), new AzureSasCredential(server.ownerSas()));
        assertThatThrownBy(() -> client.addDevice(new Device("has space")))
                .isInstanceOfSatisfying(IotHubException.class, e -> {
                    assertThat(e).isInstanceOf(IotHubBadFormatException.class);
                    assertThat(e.getErrorCode()).isEqualTo(400004);
                });
    }

    @Test
    void bulkOverOneHundredDevicesIsRefusedWith413AndAppliesNothing() throws Exception {
        StringBuilder body = new StringBuilder("[");
        for (int i = 0; i < 101; i++) body.append(i == 0 ? "" : ",").append("{\"id\":\"many-").append(i).append("\"}");
        HttpResponse<String> r = server.send("POST", "/devices" + API, server.ownerSas(), body.append("]").toString());
        assertHubError(r, 413, "TooManyDevices", "101 devices");
    }

    @Test
    void bulkNamingADeviceTwiceIsRefusedWith400011() throws Exception {
        HttpResponse<String> r = server.send("POST", "/devices" + API, server.ownerSas(),
                "[{\"id\":\"twice\"},{\"id\":\"twice\",\"importMode\":\"delete\"}]");
        JsonNode e = assertHubError(r, 400, "DeviceDefinedMultipleTimes", "twice");
        assertThat(e.get("errorCode").asInt()).isEqualTo(400011);
    }

    @Test
    void bulkWithAWrongTypeInOneItemAppliesNone() throws Exception {
        HttpResponse<String> r = server.send("POST", "/devices" + API, server.ownerSas(),
                "[{\"id\":\"fine-one\"},{\"id\":\"typed\",\"status\":true}]");
        assertHubError(r, 400, "ArgumentInvalid", "item 1");
        assertThat(server.send("GET", "/devices/fine-one" + API, server.ownerSas(), null).statusCode()).isEqualTo(404);
    }

    @Test
    void bulkWithAnUnknownImportModeIsRefused() throws Exception {
        HttpResponse<String> r = server.send("POST", "/devices" + API, server.ownerSas(),
                "[{\"id\":\"moded\",\"importMode\":\"upsert\"}]");
        assertHubError(r, 400, "ArgumentInvalid", "'importMode' has unknown value 'upsert'");
    }

    @Test
    void bulkThatIsNotAnArrayIsRefused() throws Exception {
        assertHubError(server.send("POST", "/devices" + API, server.ownerSas(), "{\"id\":\"x\"}"),
                400, "IotHubFormatError", "JSON array");
    }

    @Test
    void listWithANonNumericTopIsRefused() throws Exception {
        assertHubError(server.send("GET", "/devices?top=ten", server.ownerSas(), null), 400, "ArgumentInvalid", "'top'");
    }

    @Test
    void missingTokenIsRefusedWith401() throws Exception {
        assertHubError(server.send("PUT", "/devices/anon" + API, null, "{}"), 401, "IotHubUnauthorizedAccess", "missing");
    }

    @ParameterizedTest
    @ValueSource(strings = {"Bearer abc", "SharedAccessSignature sr=x", "SharedAccessSignature garbage"})
    void malformedTokensAreRefusedWith401(String token) throws Exception {
        assertHubError(server.send("PUT", "/devices/anon" + API, token, "{}"), 401, "IotHubUnauthorizedAccess", "");
    }

    @Test
    void expiredTokenIsRefusedButFiveMinutesOfSkewAreAllowed() throws Exception {
        String expired = SasToken.create(server.hubHostName(), "iothubowner", server.ownerKey(),
                Instant.now().minusSeconds(400));
        assertHubError(server.send("GET", "/devices/keeper" + API, expired, null), 401, "IotHubUnauthorizedAccess",
                "expired");
        String withinSkew = SasToken.create(server.hubHostName(), "iothubowner", server.ownerKey(),
                Instant.now().minusSeconds(120));
        assertThat(server.send("GET", "/devices/keeper" + API, withinSkew, null).statusCode()).isEqualTo(200);
    }

    @Test
    void tokenSignedWithAWrongKeyIsRefused() throws Exception {
        String forged = SasToken.create(server.hubHostName(), "iothubowner", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
                Instant.now().plusSeconds(600));
        assertHubError(server.send("PUT", "/devices/forged" + API, forged, "{}"), 401, "IotHubUnauthorizedAccess",
                "does not authorize this request");
    }

    @Test
    void tokenForAHubThatIsNotHereIsRefused() throws Exception {
        String other = SasToken.create("elsewhere.azure-devices.net", "iothubowner", server.ownerKey(),
                Instant.now().plusSeconds(600));
        assertHubError(server.send("GET", "/devices/keeper" + API, other, null), 401, "IotHubUnauthorizedAccess",
                "does not authorize this request");
    }

    @Test
    void tokenForOneHubSentToAnotherHubsHostIsRefused() throws Exception {
        String hubPath = "/subscriptions/" + server.ready().get("subscriptionId").asText() + "/resourceGroups/"
                + server.ready().get("resourceGroup").asText() + "/providers/Microsoft.Devices/IotHubs/other-hub";
        HttpResponse<String> created = server.send("PUT", hubPath + "?api-version=2021-07-01",
                "Bearer " + server.armToken(), "{\"location\":\"westus\",\"sku\":{\"name\":\"S1\",\"capacity\":1}}");
        assertThat(created.statusCode()).isEqualTo(201);

        // the default hub's token, addressed by Host to the other hub
        HttpResponse<String> r = server.send("GET", "/devices/keeper" + API, server.ownerSas(), null,
                "Host", "other-hub.azure-devices.net");
        assertHubError(r, 401, "IotHubUnauthorizedAccess", "does not authorize this request");
        // without a hub in sr, the Host header picks the hub, whose key the token was not signed with
        String bareSr = SasToken.create("127.0.0.1", "iothubowner", server.ownerKey(), Instant.now().plusSeconds(600));
        assertHubError(server.send("GET", "/devices/keeper" + API, bareSr, null, "Host", "other-hub.azure-devices.net"),
                401, "IotHubUnauthorizedAccess", "does not authorize this request");
        // and with no hub named at all it reaches the default hub
        assertThat(server.send("GET", "/devices/keeper" + API, bareSr, null).statusCode()).isEqualTo(200);
    }

    @Test
    void aPolicyWithoutTheNeededRightIsRefused() throws Exception {
        String readOnlyKey = ServerExtension.JSON.readTree(server.send("POST",
                "/subscriptions/" + server.ready().get("subscriptionId").asText() + "/resourceGroups/"
                        + server.ready().get("resourceGroup").asText() + "/providers/Microsoft.Devices/IotHubs/"
                        + server.ready().get("hub").asText() + "/IotHubKeys/registryRead/listkeys?api-version=2021-07-01",
                "Bearer " + server.armToken(), null).body()).get("primaryKey").asText();
        String readOnly = SasToken.create(server.hubHostName(), "registryRead", readOnlyKey, Instant.now().plusSeconds(600));
        assertThat(server.send("GET", "/devices/keeper" + API, readOnly, null).statusCode()).isEqualTo(200);
        assertHubError(server.send("PUT", "/devices/keeper" + API, readOnly, "{\"status\":\"disabled\"}", "If-Match", "*"),
                401, "IotHubUnauthorizedAccess", "does not authorize this request");
        assertHubError(server.send("GET", "/twins/keeper" + API, readOnly, null),
                401, "IotHubUnauthorizedAccess", "does not authorize this request");

        RegistryClient sdk = new RegistryClient(server.hostPort(), new AzureSasCredential(readOnly));
        assertThatThrownBy(() -> sdk.removeDevice("keeper")).isInstanceOf(IotHubUnauthorizedException.class);
    }

    @Test
    void unknownPolicyNameIsRefused() throws Exception {
        String token = SasToken.create(server.hubHostName(), "nobody", server.ownerKey(), Instant.now().plusSeconds(600));
        assertHubError(server.send("GET", "/devices/keeper" + API, token, null), 401, "IotHubUnauthorizedAccess",
                "does not authorize this request");
    }

    @Test
    void armWithoutTokenOrWithAMalformedBodyGetsArmErrors() throws Exception {
        String hubPath = "/subscriptions/" + server.ready().get("subscriptionId").asText() + "/resourceGroups/"
                + server.ready().get("resourceGroup").asText() + "/providers/Microsoft.Devices/IotHubs/";
        HttpResponse<String> noToken = server.send("GET", hubPath + "iolite?api-version=2021-07-01", null, null);
        assertThat(noToken.statusCode()).isEqualTo(401);
        assertThat(ServerExtension.JSON.readTree(noToken.body()).get("code").asText()).isEqualTo("401002");

        String bearer = "Bearer " + server.armToken();
        HttpResponse<String> noVersion = server.send("GET", hubPath + "iolite", bearer, null);
        assertThat(noVersion.statusCode()).isEqualTo(400);
        assertThat(ServerExtension.JSON.readTree(noVersion.body()).get("message").asText()).contains("api-version");

        HttpResponse<String> badSku = server.send("PUT", hubPath + "new-hub?api-version=2021-07-01", bearer,
                "{\"location\":\"westus\",\"sku\":{\"name\":\"X9\",\"capacity\":1}}");
        assertThat(badSku.statusCode()).isEqualTo(400);
        assertThat(ServerExtension.JSON.readTree(badSku.body()).get("message").asText()).contains("'sku.name'");

        HttpResponse<String> badJson = server.send("PUT", hubPath + "new-hub?api-version=2021-07-01", bearer, "{");
        assertThat(badJson.statusCode()).isEqualTo(400);

        HttpResponse<String> badName = server.send("PUT", hubPath + "-bad?api-version=2021-07-01", bearer,
                "{\"location\":\"westus\",\"sku\":{\"name\":\"S1\"}}");
        assertThat(badName.statusCode()).isEqualTo(400);
        assertThat(server.send("GET", hubPath + "new-hub?api-version=2021-07-01", bearer, null).statusCode())
                .isEqualTo(404);
    }
}

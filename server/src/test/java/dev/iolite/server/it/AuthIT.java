package dev.iolite.server.it;

import dev.iolite.server.testkit.ServerExtension;
import dev.iolite.server.testkit.Sdks;
import com.azure.core.credential.AzureSasCredential;
import com.azure.resourcemanager.iothub.IotHubManager;
import com.azure.resourcemanager.iothub.fluent.models.IotHubDescriptionInner;
import com.azure.resourcemanager.iothub.fluent.models.SharedAccessSignatureAuthorizationRuleInner;
import com.azure.resourcemanager.iothub.models.AccessRights;
import com.azure.resourcemanager.iothub.models.SharedAccessSignatureAuthorizationRule;
import com.fasterxml.jackson.databind.JsonNode;
import com.microsoft.azure.sdk.iot.service.exceptions.IotHubUnauthorizedException;
import com.microsoft.azure.sdk.iot.service.registry.RegistryClient;
import dev.iolite.server.auth.SasToken;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** SAS tokens reach only their resource, refusals name nothing, and keys rotate (issue 9, findings 5 to 7). */
class AuthIT {
    @RegisterExtension
    static final ServerExtension server = new ServerExtension();

    private static final String API = "?api-version=2021-04-12";

    /** A token signed with the owner key whose sr is {@code host + path}, URL-encoded as the Node SDK does. */
    private static String scoped(String path) {
        String sr = URLEncoder.encode(server.hubHostName() + path, StandardCharsets.UTF_8);
        long se = Instant.now().plusSeconds(600).getEpochSecond();
        return "SharedAccessSignature sr=" + sr + "&sig="
                + URLEncoder.encode(SasToken.sign(sr, se, server.ownerKey()), StandardCharsets.UTF_8)
                + "&se=" + se + "&skn=iothubowner";
    }

    @Test
    void aTokenForOneDeviceReachesThatDeviceOnly() throws Exception {
        for (String id : List.of("one", "two", "one-more")) {
            server.send("PUT", "/devices/" + id + API, server.ownerSas(), "{\"deviceId\":\"" + id + "\"}");
        }
        String token = scoped("/devices/one");
        assertThat(server.send("GET", "/devices/one" + API, token, null).statusCode()).isEqualTo(200);
        assertThat(server.send("GET", "/devices/two" + API, token, null).statusCode()).isEqualTo(401);
        assertThat(server.send("GET", "/devices/one-more" + API, token, null).statusCode()).isEqualTo(401);
        assertThat(server.send("DELETE", "/devices/two" + API, token, null).statusCode()).isEqualTo(401);
        assertThat(server.send("GET", "/statistics/devices" + API, token, null).statusCode()).isEqualTo(401);
        assertThat(server.send("POST", "/devices/query" + API, token, "{\"query\":\"SELECT * FROM devices\"}").statusCode())
                .isEqualTo(401);
        assertThat(server.send("GET", "/jobs" + API, token, null).statusCode()).isEqualTo(401);
        assertThat(server.send("GET", "/devices/two" + API, server.ownerSas(), null).statusCode()).as("untouched").isEqualTo(200);
        // the whole hub, as the SDKs' tokens name it
        assertThat(server.send("GET", "/devices/two" + API, scoped(""), null).statusCode()).isEqualTo(200);
        assertThat(server.send("GET", "/devices/two" + API, scoped("/"), null).statusCode()).isEqualTo(200);
    }

    @Test
    void refusalsSayWhichCaseItIsAndNothingAboutHubsOrPolicies() throws Exception {
        long se = Instant.now().plusSeconds(600).getEpochSecond();
        String wrongKey = SasToken.create(server.hubHostName(), "iothubowner", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
                Instant.now().plusSeconds(600));
        String noSuchPolicy = SasToken.create(server.hubHostName(), "secretPolicyGuess", server.ownerKey(),
                Instant.now().plusSeconds(600));
        String otherHub = SasToken.create("elsewhere.azure-devices.net", "iothubowner", server.ownerKey(),
                Instant.now().plusSeconds(600));
        String expired = SasToken.create(server.hubHostName(), "iothubowner", server.ownerKey(), Instant.now().minusSeconds(3600));
        String registryRead = SasToken.create(server.hubHostName(), "registryRead", server.ownerKey(), Instant.now().plusSeconds(600));
        Map<String, String> cases = new java.util.LinkedHashMap<>();
        cases.put("missing", null);
        cases.put("malformed", "SharedAccessSignature sr=x&se=" + se);
        cases.put("wrong key", wrongKey);
        cases.put("unknown policy", noSuchPolicy);
        cases.put("unknown hub", otherHub);
        cases.put("expired", expired);
        cases.put("signed with another policy's key", registryRead);
        List<String> notAuthorized = new ArrayList<>();
        for (Map.Entry<String, String> c : cases.entrySet()) {
            HttpResponse<String> r = server.send("GET", "/statistics/devices" + API, c.getValue(), null);
            assertThat(r.statusCode()).as(c.getKey()).isEqualTo(401);
            assertThat(r.headers().firstValue("iothub-errorcode")).contains("IotHubUnauthorizedAccess");
            String message = ServerExtension.hubError(r).get("message").asText();
            assertThat(message).as(c.getKey()).doesNotContain("iothubowner").doesNotContain("registryRead")
                    .doesNotContain("secretPolicyGuess").doesNotContain("'" + server.ready().get("hub").asText() + "'")
                    .doesNotContain("elsewhere").doesNotContain("policy");
            if (!c.getKey().equals("missing") && !c.getKey().equals("malformed") && !c.getKey().equals("expired")) {
                notAuthorized.add(message);
            }
        }
        assertThat(notAuthorized).as("one message for every token that is not authorized").containsOnly(notAuthorized.get(0));
    }

    @Test
    void keysRotateThroughTheManagementSdkAndOldTokensStopAtOnce() throws Exception {
        IotHubManager arm = Sdks.arm(server, server.armToken());
        String rg = server.ready().get("resourceGroup").asText();
        String hub = server.createHub("rotating");
        RegistryClient before = new RegistryClient(server.hostPort(), new AzureSasCredential(hub));
        assertThat(before.getStatistics().getTotalDeviceCount()).isZero();

        // WHEN the hub is updated through the SDK with a new key for iothubowner and a policy fewer
        IotHubDescriptionInner inner = arm.serviceClient().getIotHubResources().getByResourceGroup(rg, "rotating");
        List<SharedAccessSignatureAuthorizationRuleInner> policies = new ArrayList<>();
        for (SharedAccessSignatureAuthorizationRule k : arm.iotHubResources().listKeys(rg, "rotating")) {
            if (k.keyName().equals("device")) continue;
            policies.add(new SharedAccessSignatureAuthorizationRuleInner().withKeyName(k.keyName())
                    .withPrimaryKey(k.keyName().equals("iothubowner") ? "bmV3LWtleS1vZi1leGFjdGx5LTMyLWJ5dGVzLi4uLg==" : k.primaryKey())
                    .withSecondaryKey(k.secondaryKey()).withRights(k.rights()));
        }
        inner.properties().withAuthorizationPolicies(policies);
        arm.serviceClient().getIotHubResources().createOrUpdate(rg, "rotating", inner);

        // THEN the listed keys are the new ones, the removed policy is gone, and the old token fails at once
        List<SharedAccessSignatureAuthorizationRule> after = new ArrayList<>();
        arm.iotHubResources().listKeys(rg, "rotating").forEach(after::add);
        assertThat(after).extracting(SharedAccessSignatureAuthorizationRule::keyName).doesNotContain("device")
                .contains("iothubowner", "registryRead");
        SharedAccessSignatureAuthorizationRule owner = after.stream().filter(k -> k.keyName().equals("iothubowner"))
                .findFirst().orElseThrow();
        assertThat(owner.primaryKey()).isEqualTo("bmV3LWtleS1vZi1leGFjdGx5LTMyLWJ5dGVzLi4uLg==");
        assertThat(owner.rights()).isEqualTo(AccessRights.REGISTRY_READ_REGISTRY_WRITE_SERVICE_CONNECT_DEVICE_CONNECT);
        assertThatThrownBy(before::getStatistics).isInstanceOf(IotHubUnauthorizedException.class);
        String fresh = SasToken.create("rotating.azure-devices.net", "iothubowner", owner.primaryKey(), Instant.now().plusSeconds(600));
        assertThat(new RegistryClient(server.hostPort(), new AzureSasCredential(fresh)).getStatistics().getTotalDeviceCount())
                .isZero();
        // AND an update without policies (what the SDK sends after a plain GET) keeps them
        IotHubDescriptionInner again = arm.serviceClient().getIotHubResources().getByResourceGroup(rg, "rotating");
        arm.serviceClient().getIotHubResources().createOrUpdate(rg, "rotating", again.withTags(Map.of("k", "v")));
        assertThat(server.send("GET", "/statistics/devices" + API, fresh, null).statusCode()).isEqualTo(200);
    }

    @Test
    void aPolicyWithABadKeyIsRefusedAndChangesNothing() throws Exception {
        server.createHub("careful");
        String body = "{\"location\":\"local\",\"sku\":{\"name\":\"S1\",\"capacity\":1},\"properties\":{\"authorizationPolicies\":"
                + "[{\"keyName\":\"iothubowner\",\"primaryKey\":\"short\",\"rights\":\"RegistryRead\"}]}}";
        HttpResponse<String> r = server.send("PUT", server.armHub("careful") + "?api-version=2021-07-01",
                "Bearer " + server.armToken(), body);
        assertThat(r.statusCode()).isEqualTo(400);
        JsonNode error = ServerExtension.JSON.readTree(r.body());
        assertThat(error.get("message").asText()).contains("primaryKey").doesNotContain("short");
        assertThat(server.send("GET", "/statistics/devices" + API, server.ownerSasOf("careful"), null).statusCode())
                .isEqualTo(200);
    }
}

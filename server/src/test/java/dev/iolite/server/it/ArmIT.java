package dev.iolite.server.it;

import dev.iolite.server.testkit.ServerExtension;
import dev.iolite.server.testkit.Sdks;
import com.azure.core.credential.AzureSasCredential;
import com.azure.resourcemanager.iothub.IotHubManager;
import com.azure.resourcemanager.iothub.models.AccessRights;
import com.azure.resourcemanager.iothub.models.ErrorDetailsException;
import com.azure.resourcemanager.iothub.models.IotHubDescription;
import com.azure.resourcemanager.iothub.models.IotHubQuotaMetricInfo;
import com.azure.resourcemanager.iothub.models.IotHubSku;
import com.azure.resourcemanager.iothub.models.IotHubSkuInfo;
import com.azure.resourcemanager.iothub.models.RegistryStatistics;
import com.azure.resourcemanager.iothub.models.SharedAccessSignatureAuthorizationRule;
import com.microsoft.azure.sdk.iot.service.registry.Device;
import com.microsoft.azure.sdk.iot.service.registry.DeviceStatus;
import com.microsoft.azure.sdk.iot.service.registry.RegistryClient;
import dev.iolite.server.auth.SasToken;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The official ARM SDK ({@code azure-resourcemanager-iothub} 1.1.0) against a real server. */
class ArmIT {
    @RegisterExtension
    static final ServerExtension server = new ServerExtension();

    private static IotHubManager arm;
    private static String rg;

    @BeforeAll
    static void connect() throws Exception {
        String token = server.armToken();
        arm = manager(token);
        rg = server.ready().get("resourceGroup").asText();
    }

    static IotHubManager manager(String token) {
        return Sdks.arm(server, token);
    }

    @Test
    void createsASecondHubThatServesTheHubApiWithItsOwnKeys() throws Exception {
        // WHEN a hub is created through define(...).create(): the poller must finish at once
        IotHubDescription created = arm.iotHubResources().define("second-hub").withRegion("westeurope")
                .withExistingResourceGroup(rg)
                .withSku(new IotHubSkuInfo().withName(IotHubSku.S1).withCapacity(2L))
                .withTags(Map.of("team", "fleet"))
                .create();
        assertThat(created.name()).isEqualTo("second-hub");
        assertThat(created.properties().hostname()).isEqualTo("second-hub.azure-devices.net");

        IotHubDescription got = arm.iotHubResources().getByResourceGroup(rg, "second-hub");
        assertThat(got.sku().name()).isEqualTo(IotHubSku.S1);
        assertThat(got.sku().capacity()).isEqualTo(2L);
        assertThat(got.tags()).containsEntry("team", "fleet");
        assertThat(got.regionName()).isEqualToIgnoringCase("westeurope");

        // THEN its keys are listed, with ARM's rights
        List<SharedAccessSignatureAuthorizationRule> keys = arm.iotHubResources().listKeys(rg, "second-hub")
                .stream().collect(Collectors.toList());
        assertThat(keys).extracting(SharedAccessSignatureAuthorizationRule::keyName)
                .containsExactlyInAnyOrder("iothubowner", "service", "device", "registryRead", "registryReadWrite");
        SharedAccessSignatureAuthorizationRule owner = keys.stream()
                .filter(k -> k.keyName().equals("iothubowner")).findFirst().orElseThrow();
        assertThat(owner.rights()).isEqualTo(AccessRights.REGISTRY_READ_REGISTRY_WRITE_SERVICE_CONNECT_DEVICE_CONNECT);
        SharedAccessSignatureAuthorizationRule readOnly = arm.iotHubResources()
                .getKeysForKeyName(rg, "second-hub", "registryRead");
        assertThat(readOnly.rights()).isEqualTo(AccessRights.REGISTRY_READ);

        // AND a token signed with the new hub's key reaches that hub, apart from the default hub
        String sas = SasToken.create("second-hub.azure-devices.net", "iothubowner", owner.primaryKey(),
                Instant.now().plusSeconds(600));
        RegistryClient second = new RegistryClient(server.hostPort(), new AzureSasCredential(sas));
        Device d = new Device("only-in-second");
        d.setStatus(DeviceStatus.Disabled);
        second.addDevice(d);
        RegistryStatistics stats = arm.iotHubResources().getStats(rg, "second-hub");
        assertThat(stats.totalDeviceCount()).isEqualTo(1);
        assertThat(stats.disabledDeviceCount()).isEqualTo(1);
        assertThat(stats.enabledDeviceCount()).isZero();
        RegistryStatistics defaultStats = arm.iotHubResources().getStats(rg, server.ready().get("hub").asText());
        assertThat(defaultStats.totalDeviceCount()).isZero();

        List<IotHubQuotaMetricInfo> quota = arm.iotHubResources().getQuotaMetrics(rg, "second-hub")
                .stream().collect(Collectors.toList());
        assertThat(quota).anySatisfy(q -> {
            assertThat(q.name()).isEqualTo("TotalDeviceCount");
            assertThat(q.currentValue()).isEqualTo(1L);
        });
    }

    @Test
    void listsHubsOfTheSubscriptionAndTheResourceGroup() {
        assertThat(arm.iotHubResources().listByResourceGroup(rg).stream().map(IotHubDescription::name))
                .contains(server.ready().get("hub").asText());
        assertThat(arm.iotHubResources().list().stream().map(IotHubDescription::name))
                .contains(server.ready().get("hub").asText());
    }

    @Test
    void updatesAndDeletesAHub() {
        arm.iotHubResources().define("short-lived").withRegion("westus").withExistingResourceGroup(rg)
                .withSku(new IotHubSkuInfo().withName(IotHubSku.S1).withCapacity(1L)).create();
        IotHubDescription hub = arm.iotHubResources().getByResourceGroup(rg, "short-lived");
        hub.update().withTags(Map.of("stage", "test")).apply();
        assertThat(arm.iotHubResources().getByResourceGroup(rg, "short-lived").tags()).containsEntry("stage", "test");

        arm.iotHubResources().deleteByResourceGroup(rg, "short-lived");
        assertThatThrownBy(() -> arm.iotHubResources().getByResourceGroup(rg, "short-lived"))
                .isInstanceOfSatisfying(ErrorDetailsException.class,
                        e -> assertThat(e.getResponse().getStatusCode()).isEqualTo(404));
    }

    @Test
    void getStatsOfTheDefaultHubMatchesTheHubApi() throws Exception {
        RegistryClient client = new RegistryClient(server.hostPort(), new AzureSasCredential(server.ownerSas()));
        long before = arm.iotHubResources().getStats(rg, server.ready().get("hub").asText()).totalDeviceCount();
        client.addDevice(new Device("arm-counted"));
        RegistryStatistics after = arm.iotHubResources().getStats(rg, server.ready().get("hub").asText());
        assertThat(after.totalDeviceCount()).isEqualTo(before + 1);
        assertThat(after.totalDeviceCount())
                .isEqualTo(client.getStatistics().getTotalDeviceCount());
    }

    @Test
    void aForgedBearerTokenIsRefusedWith401() {
        IotHubManager forged = manager("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl");
        assertThatThrownBy(() -> forged.iotHubResources().getStats(rg, server.ready().get("hub").asText()))
                .isInstanceOfSatisfying(ErrorDetailsException.class,
                        e -> assertThat(e.getResponse().getStatusCode()).isEqualTo(401));
    }

    @Test
    void pathSegmentsMatchInAnyCaseAndAnyApiVersion() throws Exception {
        String path = "/SUBSCRIPTIONS/" + server.ready().get("subscriptionId").asText() + "/resourcegroups/" + rg
                + "/Providers/MICROSOFT.DEVICES/iothubs/" + server.ready().get("hub").asText()
                + "/iotHubStats?api-version=2016-02-03";
        HttpResponse<String> r = server.send("GET", path, "Bearer " + server.armToken(), null);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(ServerExtension.JSON.readTree(r.body()).has("totalDeviceCount")).isTrue();
    }

    @Test
    void anArmJobRequestsBadBlobFieldIsNamedAsArmNamesIt() throws Exception {
        String hub = server.armHub(server.ready().get("hub").asText());
        // GIVEN an export whose container ARM calls exportBlobContainerUri, and one whose blob name is bad
        HttpResponse<String> badContainer = server.send("POST", hub + "/exportDevices?api-version=2021-07-01",
                "Bearer " + server.armToken(), "{\"exportBlobContainerUri\":\"ftp://example.com/c\",\"excludeKeys\":true}");
        HttpResponse<String> badBlob = server.send("POST", hub + "/exportDevices?api-version=2021-07-01",
                "Bearer " + server.armToken(),
                "{\"exportBlobContainerUri\":\"file:out\",\"exportBlobName\":\"../x\",\"excludeKeys\":true}");
        HttpResponse<String> badImport = server.send("POST", hub + "/importDevices?api-version=2021-07-01",
                "Bearer " + server.armToken(), "{\"inputBlobContainerUri\":\"file:in\",\"outputBlobContainerUri\":\"\"}");
        // THEN each 400 names ARM's own field, never the hub API's name for it
        assertThat(badContainer.statusCode()).isEqualTo(400);
        assertThat(badContainer.body()).contains("'exportBlobContainerUri' must be").doesNotContain("outputBlob");
        assertThat(badBlob.statusCode()).isEqualTo(400);
        assertThat(badBlob.body()).contains("'exportBlobName'").doesNotContain("outputBlob");
        assertThat(badImport.statusCode()).isEqualTo(400);
        assertThat(badImport.body()).contains("'outputBlobContainerUri' is required");
    }
}

package dev.iolite.server.it;

import dev.iolite.server.testkit.ServerExtension;
import com.azure.core.credential.AzureSasCredential;
import com.fasterxml.jackson.databind.JsonNode;
import com.microsoft.azure.sdk.iot.service.auth.AuthenticationType;
import com.microsoft.azure.sdk.iot.service.exceptions.IotHubConflictException;
import com.microsoft.azure.sdk.iot.service.exceptions.IotHubException;
import com.microsoft.azure.sdk.iot.service.exceptions.IotHubNotFoundException;
import com.microsoft.azure.sdk.iot.service.exceptions.IotHubPreconditionFailedException;
import com.microsoft.azure.sdk.iot.service.registry.Device;
import com.microsoft.azure.sdk.iot.service.registry.DeviceStatus;
import com.microsoft.azure.sdk.iot.service.registry.Module;
import com.microsoft.azure.sdk.iot.service.registry.RegistryClient;
import com.microsoft.azure.sdk.iot.service.registry.RegistryStatistics;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.http.HttpResponse;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The official Java service SDK ({@code iot-service-client} 2.1.9) against a real server. */
class RegistryClientIT {
    @RegisterExtension
    static final ServerExtension server = new ServerExtension();

    private RegistryClient client;

    @BeforeEach
    void connect() {
        // Any port: RegistryClient's credential constructor skips the connection string's host-name regex.
        client = new RegistryClient(server.hostPort(), new AzureSasCredential(server.ownerSas()));
    }

    @Test
    void addGetUpdateRemoveDeviceKeepsStatisticsExact() throws Exception {
        RegistryStatistics before = client.getStatistics();

        // GIVEN a device added through the SDK (it generates 16-byte keys client-side)
        Device added = client.addDevice(new Device("sdk-dev-1"));
        assertThat(added.getDeviceId()).isEqualTo("sdk-dev-1");
        assertThat(added.getStatus()).isEqualTo(DeviceStatus.Enabled);
        assertThat(added.getPrimaryKey()).isNotBlank();
        assertThat(added.getETag()).isNotBlank();

        Device fetched = client.getDevice("sdk-dev-1");
        assertThat(fetched.getPrimaryKey()).isEqualTo(added.getPrimaryKey());
        assertThat(fetched.getSecondaryKey()).isEqualTo(added.getSecondaryKey());
        assertThat(fetched.getGenerationId()).isEqualTo(added.getGenerationId());

        // WHEN it is disabled through updateDevice (If-Match: *)
        fetched.setStatus(DeviceStatus.Disabled);
        Device updated = client.updateDevice(fetched);

        // THEN the etag changed and statistics count it as disabled (the SDK reads 'enableDeviceCount')
        assertThat(updated.getStatus()).isEqualTo(DeviceStatus.Disabled);
        assertThat(updated.getETag()).isNotEqualTo(added.getETag());
        RegistryStatistics mid = client.getStatistics();
        assertThat(mid.getTotalDeviceCount()).isEqualTo(before.getTotalDeviceCount() + 1);
        assertThat(mid.getEnabledDeviceCount()).isEqualTo(before.getEnabledDeviceCount());
        assertThat(mid.getDisabledDeviceCount()).isEqualTo(before.getDisabledDeviceCount() + 1);

        client.removeDevice(updated);
        assertThatThrownBy(() -> client.getDevice("sdk-dev-1")).isInstanceOf(IotHubNotFoundException.class);
        RegistryStatistics after = client.getStatistics();
        assertThat(after.getTotalDeviceCount()).isEqualTo(before.getTotalDeviceCount());
        assertThat(after.getDisabledDeviceCount()).isEqualTo(before.getDisabledDeviceCount());
    }

    @Test
    void enabledCountIsWhatTheJavaSdkReads() throws Exception {
        RegistryStatistics before = client.getStatistics();
        client.addDevice(new Device("sdk-enabled-1"));
        client.addDevice(new Device("sdk-enabled-2"));
        RegistryStatistics after = client.getStatistics();
        assertThat(after.getEnabledDeviceCount()).isEqualTo(before.getEnabledDeviceCount() + 2);
        assertThat(after.getTotalDeviceCount()).isEqualTo(before.getTotalDeviceCount() + 2);
    }

    @Test
    void addingAnExistingDeviceIsAConflictWith409001() throws Exception {
        client.addDevice(new Device("sdk-dup"));
        assertThatThrownBy(() -> client.addDevice(new Device("sdk-dup")))
                .isInstanceOfSatisfying(IotHubConflictException.class,
                        e -> assertThat(e.getErrorCode()).isEqualTo(409001));
    }

    @Test
    void removingWithAStaleEtagFailsAndKeepsTheDevice() throws Exception {
        Device d = client.addDevice(new Device("sdk-stale"));
        Device fresh = client.getDevice("sdk-stale");
        fresh.setStatus(DeviceStatus.Disabled);
        client.updateDevice(fresh);
        // d still carries the first etag
        assertThatThrownBy(() -> client.removeDevice(d)).isInstanceOf(IotHubPreconditionFailedException.class);
        assertThat(client.getDevice("sdk-stale").getStatus()).isEqualTo(DeviceStatus.Disabled);
    }

    @Test
    void selfSignedDeviceKeepsItsThumbprints() throws Exception {
        Device d = new Device("sdk-x509", AuthenticationType.SELF_SIGNED);
        d.setThumbprint("1111111111111111111111111111111111111111", "2222222222222222222222222222222222222222");
        client.addDevice(d);
        Device got = client.getDevice("sdk-x509");
        assertThat(got.getAuthenticationType()).isEqualTo(AuthenticationType.SELF_SIGNED);
        assertThat(got.getPrimaryThumbprint()).isEqualTo("1111111111111111111111111111111111111111");
        assertThat(got.getSecondaryThumbprint()).isEqualTo("2222222222222222222222222222222222222222");
    }

    @Test
    void modulesAreAddedListedUpdatedAndRemoved() throws Exception {
        client.addDevice(new Device("sdk-parent"));
        Module m = client.addModule(new Module("sdk-parent", "mod-a"));
        assertThat(m.getId()).isEqualTo("mod-a");
        assertThat(m.getPrimaryKey()).isNotBlank();
        client.addModule(new Module("sdk-parent", "mod-b"));

        List<Module> modules = client.getModulesOnDevice("sdk-parent");
        assertThat(modules).extracting(Module::getId).containsExactly("mod-a", "mod-b");

        Module got = client.getModule("sdk-parent", "mod-a");
        Module updated = client.updateModule(got);
        assertThat(updated.getETag()).isNotEqualTo(got.getETag());

        client.removeModule("sdk-parent", "mod-a");
        assertThatThrownBy(() -> client.getModule("sdk-parent", "mod-a"))
                .isInstanceOfSatisfying(IotHubNotFoundException.class,
                        e -> assertThat(e.getErrorCode()).isEqualTo(404010));
        // modules are identities, not devices: they do not count in statistics
        client.removeDevice("sdk-parent");
        assertThatThrownBy(() -> client.getModule("sdk-parent", "mod-b")).isInstanceOf(IotHubNotFoundException.class);
    }

    @Test
    void moduleOfAMissingDeviceIsRefused() {
        assertThatThrownBy(() -> client.addModule(new Module("no-such-parent", "m")))
                .isInstanceOfSatisfying(IotHubException.class, e -> assertThat(e.getErrorCode()).isEqualTo(404001));
    }

    @Test
    void bulkPostAppliesEveryImportModeAndReportsFailuresPerDevice() throws Exception {
        client.addDevice(new Device("bulk-existing"));
        String etag = client.getDevice("bulk-existing").getETag();
        RegistryStatistics before = client.getStatistics();

        // The SDK has no bulk method: raw HTTPS, as Node's addDevices sends it (mixed-case modes).
        String body = "[{\"id\":\"bulk-1\",\"importMode\":\"create\",\"authentication\":{\"type\":\"sas\","
                + "\"symmetricKey\":{\"primaryKey\":\"\",\"secondaryKey\":\"\"}}},"
                + "{\"id\":\"bulk-2\",\"importMode\":\"Create\",\"status\":\"disabled\"},"
                + "{\"id\":\"bulk-existing\",\"importMode\":\"UpdateIfMatchETag\",\"eTag\":\"" + etag + "\",\"status\":\"disabled\"},"
                + "{\"id\":\"bulk-missing\",\"importMode\":\"Delete\"}]";
        HttpResponse<String> r = server.send("POST", "/devices?api-version=2021-04-12", server.ownerSas(), body);

        assertThat(r.statusCode()).isEqualTo(400);
        JsonNode result = ServerExtension.JSON.readTree(r.body());
        assertThat(result.get("isSuccessful").asBoolean()).isFalse();
        assertThat(result.get("errors")).hasSize(1);
        assertThat(result.get("errors").get(0).get("deviceId").asText()).isEqualTo("bulk-missing");
        assertThat(result.get("errors").get(0).get("errorCode").asText()).isEqualTo("DeviceNotFound");

        assertThat(client.getDevice("bulk-1").getPrimaryKey()).hasSize(44);
        assertThat(client.getDevice("bulk-2").getStatus()).isEqualTo(DeviceStatus.Disabled);
        assertThat(client.getDevice("bulk-existing").getStatus()).isEqualTo(DeviceStatus.Disabled);
        RegistryStatistics after = client.getStatistics();
        assertThat(after.getTotalDeviceCount()).isEqualTo(before.getTotalDeviceCount() + 2);
        assertThat(after.getDisabledDeviceCount()).isEqualTo(before.getDisabledDeviceCount() + 2);
        assertThat(after.getEnabledDeviceCount()).isEqualTo(before.getEnabledDeviceCount());
    }

    @Test
    void bulkPostOfOnlyGoodItemsSucceedsWith200() throws Exception {
        HttpResponse<String> r = server.send("POST", "/devices?api-version=2021-04-12", server.ownerSas(),
                "[{\"id\":\"bulk-ok-1\"},{\"id\":\"bulk-ok-1\",\"moduleId\":\"m1\",\"importMode\":\"create\"}]");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(ServerExtension.JSON.readTree(r.body()).get("isSuccessful").asBoolean()).isTrue();
        assertThat(client.getModule("bulk-ok-1", "m1").getPrimaryKey()).isNotBlank();
    }
}

package dev.iolite.server.it;

import com.azure.core.credential.AzureSasCredential;
import com.fasterxml.jackson.databind.JsonNode;
import com.microsoft.azure.sdk.iot.service.configurations.ConfigurationContent;
import com.microsoft.azure.sdk.iot.service.configurations.ConfigurationsClient;
import com.microsoft.azure.sdk.iot.service.exceptions.IotHubBadFormatException;
import com.microsoft.azure.sdk.iot.service.exceptions.IotHubNotFoundException;
import com.microsoft.azure.sdk.iot.service.registry.Device;
import com.microsoft.azure.sdk.iot.service.registry.Module;
import com.microsoft.azure.sdk.iot.service.registry.RegistryClient;
import com.microsoft.azure.sdk.iot.service.twin.DeviceCapabilities;
import com.microsoft.azure.sdk.iot.service.twin.Twin;
import com.microsoft.azure.sdk.iot.service.twin.TwinClient;
import dev.iolite.server.testkit.ServerExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.http.HttpResponse;
import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * IoT Edge deployments through the official Java service SDK: a content applied to one edge device's modules
 * ({@code applyConfigurationContentOnDevice}), and deployments applied to edge devices by target condition and
 * priority, layered ones merged over the base, with their metrics.
 */
class EdgeDeploymentsIT {
    @RegisterExtension
    static final ServerExtension server = new ServerExtension();

    private static final String API = "?api-version=2021-04-12";

    private static Device edge(String id) {
        Device d = new Device(id);
        DeviceCapabilities c = new DeviceCapabilities();
        c.setIotEdge(true);
        d.setCapabilities(c);
        return d;
    }

    /** A base deployment's $edgeAgent, $edgeHub and one module, as the IoT Edge documentation's example has them. */
    private static Map<String, Map<String, Object>> baseModules(String image, int sendInterval) {
        Map<String, Object> agent = Map.of("schemaVersion", "1.1",
                "runtime", Map.of("type", "docker", "settings", Map.of("minDockerVersion", "v1.25")),
                "modules", Map.of("SimulatedTemperatureSensor", Map.of("version", "1.0", "type", "docker",
                        "status", "running", "restartPolicy", "always", "settings", Map.of("image", image))));
        Map<String, Object> hub = Map.of("schemaVersion", "1.1",
                "routes", Map.of("upstream", "FROM /messages/* INTO $upstream"));
        Map<String, Map<String, Object>> modules = new HashMap<>();
        modules.put("$edgeAgent", Map.of("properties.desired", agent));
        modules.put("$edgeHub", Map.of("properties.desired", hub));
        modules.put("SimulatedTemperatureSensor", Map.of("properties.desired", Map.of("SendData", true, "SendInterval", sendInterval)));
        return modules;
    }

    @Test
    void aContentAppliedToAnEdgeDeviceIsWrittenToItsModuleTwins() throws Exception {
        String sas = server.createHub("edge-apply");
        RegistryClient registry = new RegistryClient(server.hostPort(), new AzureSasCredential(sas));
        ConfigurationsClient configs = new ConfigurationsClient(server.hostPort(), new AzureSasCredential(sas));
        TwinClient twins = new TwinClient(server.hostPort(), new AzureSasCredential(sas));
        registry.addDevice(edge("gw1"));

        // WHEN a content naming the system modules and a module that has no identity yet is applied
        ConfigurationContent content = new ConfigurationContent();
        content.setModulesContent(baseModules("mcr.microsoft.com/azureiotedge-simulated-temperature-sensor:1.0", 5));
        configs.applyConfigurationContentOnDevice("gw1", content);

        // THEN each module twin holds its desired properties, and the missing module was created as IoT Hub does
        Twin agent = twins.get("gw1", "$edgeAgent");
        assertThat(agent.getDesiredProperties().get("schemaVersion")).isEqualTo("1.1");
        assertThat(desired(sas, "gw1", "$edgeAgent").at("/modules/SimulatedTemperatureSensor/settings/image").asText())
                .isEqualTo("mcr.microsoft.com/azureiotedge-simulated-temperature-sensor:1.0");
        assertThat(desired(sas, "gw1", "$edgeHub").at("/routes/upstream").asText()).isEqualTo("FROM /messages/* INTO $upstream");
        Twin sensor = twins.get("gw1", "SimulatedTemperatureSensor");
        assertThat(sensor.getDesiredProperties().get("SendData")).isEqualTo(true);
        assertThat(((Number) sensor.getDesiredProperties().get("SendInterval")).intValue()).isEqualTo(5);
        assertThat(registry.getModulesOnDevice("gw1")).extracting(Module::getId)
                .containsExactlyInAnyOrder("$edgeAgent", "$edgeHub", "SimulatedTemperatureSensor");
        assertThat(registry.getModule("gw1", "SimulatedTemperatureSensor").getManagedBy()).isEqualTo("iotEdge");

        // WHEN a second content writes a path of one module and replaces another's desired properties
        HttpResponse<String> r = server.send("POST", "/devices/gw1/applyConfigurationContent" + API, sas,
                "{\"modulesContent\":{\"SimulatedTemperatureSensor\":{\"properties.desired.layered\":{\"StopAfterCount\":1000}},"
                        + "\"$edgeHub\":{\"properties.desired\":{\"schemaVersion\":\"1.2\",\"routes\":{}}}}}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(204);

        // THEN the path is added beside what was there, and the replaced document has nothing of the old one
        JsonNode s = desired(sas, "gw1", "SimulatedTemperatureSensor");
        assertThat(s.path("SendData").asBoolean()).isTrue();
        assertThat(s.at("/layered/StopAfterCount").asInt()).isEqualTo(1000);
        assertThat(desired(sas, "gw1", "$edgeHub").path("schemaVersion").asText()).isEqualTo("1.2");
        assertThat(desired(sas, "gw1", "$edgeHub").path("routes")).isEmpty();
    }

    @Test
    void aContentIsRefusedWhereIotHubRefusesItAndChangesNothing() throws Exception {
        String sas = server.createHub("edge-apply-bad");
        RegistryClient registry = new RegistryClient(server.hostPort(), new AzureSasCredential(sas));
        ConfigurationsClient configs = new ConfigurationsClient(server.hostPort(), new AzureSasCredential(sas));
        registry.addDevice(new Device("plain"));
        registry.addDevice(edge("gw2"));
        String agentBefore = server.send("GET", "/twins/gw2/modules/$edgeAgent" + API, sas, null).body();

        // the official client's end-to-end test: deviceContent on a device that is not an edge device
        ConfigurationContent deviceContent = new ConfigurationContent();
        deviceContent.setDeviceContent(Map.of("properties.desired.chiller-water", Map.of("temperature", 66, "pressure", 28)));
        assertThatThrownBy(() -> configs.applyConfigurationContentOnDevice("plain", deviceContent))
                .isInstanceOf(IotHubBadFormatException.class);
        // modulesContent on a device that is not an edge device, deviceContent on an edge device: 400
        ConfigurationContent modules = new ConfigurationContent();
        modules.setModulesContent(baseModules("img:1", 5));
        assertThatThrownBy(() -> configs.applyConfigurationContentOnDevice("plain", modules))
                .isInstanceOf(IotHubBadFormatException.class);
        assertThatThrownBy(() -> configs.applyConfigurationContentOnDevice("gw2", deviceContent))
                .isInstanceOf(IotHubBadFormatException.class);
        // an unknown device: 404001
        assertThatThrownBy(() -> configs.applyConfigurationContentOnDevice("nobody", modules))
                .isInstanceOf(IotHubNotFoundException.class);
        assertThat(code(server.send("POST", "/devices/nobody/applyConfigurationContent" + API, sas,
                "{\"modulesContent\":{\"$edgeAgent\":{\"properties.desired\":{}}}}"))).isEqualTo(404001);
        // a valid module beside a key that is not a twin path: 400402, and the valid one is not written either
        assertThat(code(server.send("POST", "/devices/gw2/applyConfigurationContent" + API, sas,
                "{\"modulesContent\":{\"$edgeAgent\":{\"properties.desired\":{\"a\":1}},\"m1\":{\"tags.x\":1}}}")))
                .isEqualTo(400402);
        assertThat(code(server.send("POST", "/devices/gw2/applyConfigurationContent" + API, sas, "{}"))).isEqualTo(400402);

        // THEN nothing changed
        assertThat(server.send("GET", "/twins/gw2/modules/$edgeAgent" + API, sas, null).body()).isEqualTo(agentBefore);
        assertThat(registry.getModulesOnDevice("gw2")).extracting(Module::getId).containsExactlyInAnyOrder("$edgeAgent", "$edgeHub");
        assertThat(registry.getModulesOnDevice("plain")).isEmpty();
    }

    private static JsonNode desired(String sas, String device, String module) throws Exception {
        HttpResponse<String> r = server.send("GET", "/twins/" + device + "/modules/" + module + API, sas, null);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return ServerExtension.JSON.readTree(r.body()).path("properties").path("desired");
    }

    private static int code(HttpResponse<String> r) throws Exception {
        return ServerExtension.hubError(r).get("errorCode").asInt();
    }
}

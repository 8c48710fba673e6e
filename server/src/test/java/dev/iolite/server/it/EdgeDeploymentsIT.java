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

    /**
     * Deployments at scale, on a hub of their own: a base deployment applied to two edge devices by target condition
     * (not to a device that is no edge device), a higher-priority base replacing it on one of them, a layered
     * deployment merging a path over both bases (the IoT Edge documentation's example), a module created later
     * getting its content, a layered deployment without a base only targeted, and the metrics.
     */
    @Test
    void deploymentsApplyByPriorityAndLayeredOnesMergeOverTheBase() throws Exception {
        String sas = server.createHub("edge-deploy");
        RegistryClient registry = new RegistryClient(server.hostPort(), new AzureSasCredential(sas));
        ConfigurationsClient configs = new ConfigurationsClient(server.hostPort(), new AzureSasCredential(sas));
        TwinClient twins = new TwinClient(server.hostPort(), new AzureSasCredential(sas));
        // GIVEN edge devices gw-a and gw-b at site x (gw-b in the early ring), gw-c at site y, and a plain device at x
        for (String[] d : new String[][] {{"gw-a", "x"}, {"gw-b", "x"}, {"gw-c", "y"}, {"plain-x", "x"}}) {
            registry.addDevice(d[0].startsWith("gw") ? edge(d[0]) : new Device(d[0]));
            assertThat(server.send("PATCH", "/twins/" + d[0] + API, sas, "{\"tags\":{\"site\":\"" + d[1] + "\"}}")
                    .statusCode()).isEqualTo(200);
        }
        assertThat(server.send("PATCH", "/twins/gw-b" + API, sas, "{\"tags\":{\"ring\":\"early\"}}").statusCode()).isEqualTo(200);
        registry.addModule(new Module("gw-a", "SimulatedTemperatureSensor"));

        // WHEN a base deployment targets site x
        configs.create(deployment("base-x", "tags.site='x'", 10, baseModules("sensor:1.0", 5)));

        // THEN both edge devices at x get it in their module twins, and the $edgeAgent twin says so
        awaitStatus(twins, "gw-a", "$edgeAgent", "base-x", "applied");
        awaitStatus(twins, "gw-b", "$edgeAgent", "base-x", "applied");
        assertThat(desired(sas, "gw-a", "$edgeAgent").at("/modules/SimulatedTemperatureSensor/settings/image").asText())
                .isEqualTo("sensor:1.0");
        assertThat(desired(sas, "gw-b", "$edgeHub").at("/routes/upstream").asText()).isEqualTo("FROM /messages/* INTO $upstream");
        assertThat(twins.get("gw-a", "SimulatedTemperatureSensor").getDesiredProperties().get("SendData")).isEqualTo(true);
        assertThat(twins.get("gw-c", "$edgeAgent").getConfigurations()).isNullOrEmpty();
        assertThat(twins.get("gw-a").getConfigurations()).as("the device twin has no section for a deployment").isNullOrEmpty();
        awaitMetrics(configs, "base-x", 2, 2);

        // WHEN a base deployment of higher priority targets the early ring
        configs.create(deployment("base-early", "tags.ring='early'", 20, baseModules("sensor:2.0", 10)));

        // THEN it replaces the first on gw-b, never merged with it; gw-a keeps the first
        awaitStatus(twins, "gw-b", "$edgeAgent", "base-early", "applied");
        assertThat(twins.get("gw-b", "$edgeAgent").getConfigurations().get("base-x").getStatus().toString()).isEqualTo("TARGETED");
        assertThat(desired(sas, "gw-b", "$edgeAgent").at("/modules/SimulatedTemperatureSensor/settings/image").asText())
                .isEqualTo("sensor:2.0");
        assertThat(desired(sas, "gw-a", "$edgeAgent").at("/modules/SimulatedTemperatureSensor/settings/image").asText())
                .isEqualTo("sensor:1.0");
        awaitMetrics(configs, "base-x", 2, 1);
        awaitMetrics(configs, "base-early", 1, 1);

        // WHEN a layered deployment above both bases targets site x (the documentation's example)
        Map<String, Map<String, Object>> layer = new HashMap<>();
        layer.put("SimulatedTemperatureSensor", Map.of("properties.desired.layeredProperties", Map.of("StopAfterCount", 1000)));
        configs.create(deployment("layer-x", "tags.site='x'", 30, layer));

        // THEN its path merges over each device's base
        awaitStatus(twins, "gw-a", "$edgeAgent", "layer-x", "applied");
        JsonNode sensor = desired(sas, "gw-a", "SimulatedTemperatureSensor");
        assertThat(sensor.path("SendData").asBoolean()).isTrue();
        assertThat(sensor.path("SendInterval").asInt()).isEqualTo(5);
        assertThat(sensor.at("/layeredProperties/StopAfterCount").asInt()).isEqualTo(1000);
        assertThat(twins.get("gw-a", "$edgeAgent").getConfigurations().get("base-x").getStatus().toString()).isEqualTo("APPLIED");
        awaitMetrics(configs, "layer-x", 2, 2);
        assertThat(configs.get("layer-x").getSystemMetrics().getQueries()).containsEntry("appliedCount",
                "select deviceId from devices.modules where moduleId = '$edgeAgent' and configurations.[[layer-x]].status = 'Applied'");

        // WHEN the module appears on gw-b, THEN it gets its base (the early one) with the layer over it
        registry.addModule(new Module("gw-b", "SimulatedTemperatureSensor"));
        awaitStatus(twins, "gw-b", "SimulatedTemperatureSensor", "layer-x", "applied");
        JsonNode late = desired(sas, "gw-b", "SimulatedTemperatureSensor");
        assertThat(late.path("SendInterval").asInt()).isEqualTo(10);
        assertThat(late.at("/layeredProperties/StopAfterCount").asInt()).isEqualTo(1000);

        // WHEN a layered deployment targets gw-c, which has no base, THEN it is only targeted
        configs.create(deployment("layer-y", "tags.site='y'", 40, layer));
        awaitStatus(twins, "gw-c", "$edgeAgent", "layer-y", "targeted");
        awaitMetrics(configs, "layer-y", 1, 0);
        assertThat(registry.getModulesOnDevice("gw-c")).extracting(Module::getId).containsExactlyInAnyOrder("$edgeAgent", "$edgeHub");

        // WHEN the early base is deleted, THEN gw-b falls back to the first base, the layer still over it
        configs.delete("base-early");
        awaitStatus(twins, "gw-b", "$edgeAgent", "base-x", "applied");
        assertThat(twins.get("gw-b", "$edgeAgent").getConfigurations()).doesNotContainKey("base-early");
        JsonNode back = desired(sas, "gw-b", "SimulatedTemperatureSensor");
        assertThat(back.path("SendInterval").asInt()).isEqualTo(5);
        assertThat(back.at("/layeredProperties/StopAfterCount").asInt()).isEqualTo(1000);
        awaitMetrics(configs, "base-x", 2, 2);
    }

    private static com.microsoft.azure.sdk.iot.service.configurations.Configuration deployment(
            String id, String target, int priority, Map<String, Map<String, Object>> modules) {
        com.microsoft.azure.sdk.iot.service.configurations.Configuration c =
                new com.microsoft.azure.sdk.iot.service.configurations.Configuration(id);
        ConfigurationContent content = new ConfigurationContent();
        content.setModulesContent(modules);
        c.setContent(content);
        c.setTargetCondition(target);
        c.setPriority(priority);
        return c;
    }

    private static void awaitStatus(TwinClient twins, String device, String module, String config, String status) throws Exception {
        long until = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(20);
        String seen = null;
        while (System.nanoTime() < until) {
            var info = twins.get(device, module).getConfigurations();
            seen = info == null || info.get(config) == null ? null : String.valueOf(info.get(config).getStatus());
            if (status.equalsIgnoreCase(seen)) return;
            Thread.sleep(100);
        }
        throw new AssertionError(device + "/" + module + ": deployment " + config + " is " + seen + ", not " + status);
    }

    private static void awaitMetrics(ConfigurationsClient configs, String id, long targeted, long applied) throws Exception {
        long until = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(20);
        Map<String, Long> seen = null;
        while (System.nanoTime() < until) {
            seen = configs.get(id).getSystemMetrics().getResults();
            if (seen != null && Long.valueOf(targeted).equals(seen.get("targetedCount"))
                    && Long.valueOf(applied).equals(seen.get("appliedCount"))) return;
            Thread.sleep(100);
        }
        throw new AssertionError("deployment " + id + ": system metrics " + seen);
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

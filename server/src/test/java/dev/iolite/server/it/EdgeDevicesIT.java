package dev.iolite.server.it;

import com.azure.core.credential.AzureSasCredential;
import com.fasterxml.jackson.databind.JsonNode;
import com.microsoft.azure.sdk.iot.service.exceptions.IotHubBadFormatException;
import com.microsoft.azure.sdk.iot.service.exceptions.IotHubNotFoundException;
import com.microsoft.azure.sdk.iot.service.query.QueryClient;
import com.microsoft.azure.sdk.iot.service.query.QueryPageOptions;
import com.microsoft.azure.sdk.iot.service.query.RawQueryResponse;
import com.microsoft.azure.sdk.iot.service.registry.Device;
import com.microsoft.azure.sdk.iot.service.registry.Module;
import com.microsoft.azure.sdk.iot.service.registry.RegistryClient;
import com.microsoft.azure.sdk.iot.service.twin.DeviceCapabilities;
import dev.iolite.server.testkit.Sdks;
import dev.iolite.server.testkit.ServerExtension;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * IoT Edge identities through the official Java service SDK: an edge device's generated scope and system modules,
 * leaf and nested edge children, the refused parent rules (each changing nothing), bulk create, and an export
 * imported into another hub.
 */
class EdgeDevicesIT {
    @RegisterExtension
    static final ServerExtension server = new ServerExtension();

    private static final String API = "?api-version=2021-04-12";
    private static final String PREFIX = "ms-azure-iot-edge://";

    private RegistryClient client;
    private QueryClient queries;

    @BeforeEach
    void connect() {
        client = new RegistryClient(server.hostPort(), new AzureSasCredential(server.ownerSas()));
        queries = new QueryClient(server.hostPort(), new AzureSasCredential(server.ownerSas()));
    }

    private static Device edge(String id) {
        Device d = new Device(id);
        DeviceCapabilities c = new DeviceCapabilities();
        c.setIotEdge(true);
        d.setCapabilities(c);
        return d;
    }

    private static Device edgeChild(String id, String parentScope) {
        Device d = edge(id);
        d.getParentScopes().add(parentScope);
        return d;
    }

    private static Device leaf(String id, String parentScope) {
        Device d = new Device(id);
        d.setScope(parentScope);
        return d;
    }

    private List<JsonNode> raw(String query) throws Exception {
        RawQueryResponse r = queries.queryRaw(query, QueryPageOptions.builder().pageSize(100).build());
        List<JsonNode> rows = new ArrayList<>();
        while (r.hasNext()) rows.add(ServerExtension.JSON.readTree(r.next()));
        return rows;
    }

    private List<String> moduleIds(RegistryClient c, String deviceId) throws Exception {
        return c.getModulesOnDevice(deviceId).stream().map(Module::getId).sorted().toList();
    }

    @Test
    void anEdgeDeviceGetsItsOwnScopeAndTheSystemModules() throws Exception {
        // WHEN an edge device is added
        Device added = client.addDevice(edge("edge-a"));

        // THEN the create response already has its scope: the prefix, its id and its generation id
        assertThat(added.getScope()).isEqualTo(PREFIX + "edge-a-" + added.getGenerationId());
        assertThat(added.getParentScopes()).isEmpty();
        assertThat(client.getDevice("edge-a").getScope()).isEqualTo(added.getScope());
        // AND $edgeAgent and $edgeHub exist, managed by IoT Edge, without keys ("none" is no type to the SDK)
        assertThat(moduleIds(client, "edge-a")).containsExactly("$edgeAgent", "$edgeHub");
        for (String m : List.of("$edgeAgent", "$edgeHub")) {
            Module module = client.getModule("edge-a", m);
            assertThat(module.getManagedBy()).isEqualTo("iotEdge");
            assertThat(module.getAuthenticationType()).isNull();
            assertThat(module.getPrimaryKey()).isNull();
        }
        List<JsonNode> twins = raw("SELECT * FROM devices.modules WHERE deviceId = 'edge-a'");
        assertThat(twins).extracting(t -> t.get("moduleId").asText()).containsExactlyInAnyOrder("$edgeAgent", "$edgeHub");
        for (JsonNode t : twins) {
            List<String> desired = new ArrayList<>();
            t.at("/properties/desired").fieldNames().forEachRemaining(desired::add);
            assertThat(desired).as("an empty desired document").containsExactlyInAnyOrder("$metadata", "$version");
        }
        // AND queries select it by its capability and show its scope
        assertThat(raw("SELECT deviceId, deviceScope FROM devices WHERE capabilities.iotEdge = true AND deviceId = 'edge-a'"))
                .singleElement().satisfies(r -> assertThat(r.get("deviceScope").asText()).isEqualTo(added.getScope()));
        // AND a device that is no edge device has no scope of its own
        assertThat(client.addDevice(new Device("edge-a-plain")).getScope()).isNull();
        assertThat(moduleIds(client, "edge-a-plain")).isEmpty();

        // WHEN the edge device is removed, its modules go with it
        client.removeDevice("edge-a");
        assertThatThrownBy(() -> client.getModule("edge-a", "$edgeAgent")).isInstanceOf(IotHubNotFoundException.class);
        assertThat(raw("SELECT * FROM devices.modules WHERE deviceId = 'edge-a'")).isEmpty();
    }

    @Test
    void aDeviceSwitchedToEdgeGetsAScopeAndKeepsItsModulesWhenSwitchedBack() throws Exception {
        Device d = client.addDevice(new Device("switch-a"));
        DeviceCapabilities on = new DeviceCapabilities();
        on.setIotEdge(true);
        d.setCapabilities(on);

        Device edge = client.updateDevice(d);
        assertThat(edge.getScope()).isEqualTo(PREFIX + "switch-a-" + edge.getGenerationId());
        assertThat(moduleIds(client, "switch-a")).containsExactly("$edgeAgent", "$edgeHub");

        // the SDK sends back every field it read, the scope included
        DeviceCapabilities off = new DeviceCapabilities();
        off.setIotEdge(false);
        edge.setCapabilities(off);
        Device plain = client.updateDevice(edge);
        assertThat(plain.getScope()).isNull();
        assertThat(plain.getParentScopes()).isEmpty();
        assertThat(moduleIds(client, "switch-a")).as("kept as ordinary modules").containsExactly("$edgeAgent", "$edgeHub");
    }

    @Test
    void aLeafChildNamesItsParentInDeviceScopeAndCanLeaveIt() throws Exception {
        Device parent = client.addDevice(edge("leafp-edge"));

        // WHEN a leaf names the edge device's scope
        Device child = client.addDevice(leaf("leafp-child", parent.getScope()));

        // THEN the hub copies it into parentScopes, and an update that sends it all back keeps it
        assertThat(child.getScope()).isEqualTo(parent.getScope());
        assertThat(child.getParentScopes()).containsExactly(parent.getScope());
        Device read = client.getDevice("leafp-child");
        assertThat(read.getParentScopes()).containsExactly(parent.getScope());
        assertThat(client.updateDevice(read).getParentScopes()).containsExactly(parent.getScope());
        // the edge device has the same deviceScope (its own), so its leaves are those that are no edge devices
        assertThat(raw("SELECT deviceId FROM devices WHERE deviceScope = '" + parent.getScope() + "'"))
                .extracting(r -> r.get("deviceId").asText()).containsExactly("leafp-child", "leafp-edge");
        assertThat(raw("SELECT deviceId FROM devices WHERE deviceScope = '" + parent.getScope()
                + "' AND capabilities.iotEdge = false")).extracting(r -> r.get("deviceId").asText()).containsExactly("leafp-child");

        // WHEN its scope is cleared, THEN it has no parent
        Device again = client.getDevice("leafp-child");
        again.setScope("");
        Device cleared = client.updateDevice(again);
        assertThat(cleared.getScope()).isNull();
        assertThat(cleared.getParentScopes()).isEmpty();
        assertThat(client.getDevice("leafp-child").getParentScopes()).isEmpty();
    }

    @Test
    void aNestedEdgeChildNamesItsParentInParentScopesAndKeepsItsOwnScope() throws Exception {
        Device top = client.addDevice(edge("nest-top"));

        Device child = client.addDevice(edgeChild("nest-mid", top.getScope()));

        assertThat(child.getScope()).isEqualTo(PREFIX + "nest-mid-" + child.getGenerationId()).isNotEqualTo(top.getScope());
        assertThat(child.getParentScopes()).containsExactly(top.getScope());
        assertThat(moduleIds(client, "nest-mid")).containsExactly("$edgeAgent", "$edgeHub");
        // an update that sends back what it read keeps both
        Device updated = client.updateDevice(client.getDevice("nest-mid"));
        assertThat(updated.getScope()).isEqualTo(child.getScope());
        assertThat(updated.getParentScopes()).containsExactly(top.getScope());
        // and a leaf below the nested one names the nested one's scope
        assertThat(client.addDevice(leaf("nest-leaf", child.getScope())).getParentScopes()).containsExactly(child.getScope());
    }

    @Test
    void brokenParentRulesAreRefusedWith400AndChangeNothing() throws Exception {
        Device plain = client.addDevice(new Device("rule-plain"));
        Device e1 = client.addDevice(edge("rule-e1"));
        Device e2 = client.addDevice(edge("rule-e2"));

        // a scope in the edge format that names a device that is no edge device
        assertRefused(() -> client.addDevice(leaf("rule-c1", PREFIX + "rule-plain-" + plain.getGenerationId())),
                "only IoT Edge devices");
        // a scope no device has
        assertRefused(() -> client.addDevice(leaf("rule-c2", PREFIX + "nobody-123")), "no IoT Edge device's scope");
        assertRefused(() -> client.addDevice(leaf("rule-c3", "someScope")), "no IoT Edge device's scope");
        assertRefused(() -> client.addDevice(edgeChild("rule-c4", e1.getScope() + "0")), "no IoT Edge device's scope");
        // two parents
        Device twoParents = edgeChild("rule-c5", e1.getScope());
        twoParents.getParentScopes().add(e2.getScope());
        assertRefused(() -> client.addDevice(twoParents), "at most 1");
        for (String id : List.of("rule-c1", "rule-c2", "rule-c3", "rule-c4", "rule-c5")) {
            assertThatThrownBy(() -> client.getDevice(id)).as(id).isInstanceOf(IotHubNotFoundException.class);
        }

        // an edge device's own scope cannot change, and a refused update leaves it as it was
        Device read = client.getDevice("rule-e1");
        read.setScope(e2.getScope());
        assertRefused(() -> client.updateDevice(read), "cannot be changed");
        // nor can an edge device be its own parent
        Device self = client.getDevice("rule-e1");
        self.getParentScopes().add(e1.getScope());
        assertRefused(() -> client.updateDevice(self), "its own parent");
        Device after = client.getDevice("rule-e1");
        assertThat(after.getScope()).isEqualTo(e1.getScope());
        assertThat(after.getParentScopes()).isEmpty();
        assertThat(after.getETag()).isEqualTo(e1.getETag());

        // a leaf moved to a parent that does not exist keeps its parent
        client.addDevice(leaf("rule-leaf", e1.getScope()));
        Device moved = client.getDevice("rule-leaf");
        moved.setScope(PREFIX + "rule-e9-1");
        assertRefused(() -> client.updateDevice(moved), "no IoT Edge device's scope");
        assertThat(client.getDevice("rule-leaf").getParentScopes()).containsExactly(e1.getScope());
    }

    @Test
    void aHierarchyHoldsFiveLevelsBelowItsTopAndNoCycle() throws Exception {
        // GIVEN a top edge device and five levels of edge devices below it
        List<Device> chain = new ArrayList<>();
        chain.add(client.addDevice(edge("deep-0")));
        for (int i = 1; i <= 5; i++) {
            chain.add(client.addDevice(edgeChild("deep-" + i, chain.get(i - 1).getScope())));
        }
        // THEN the fifth level can have no children, edge or leaf
        assertRefused(() -> client.addDevice(edgeChild("deep-6", chain.get(5).getScope())), "at most 5 levels");
        assertRefused(() -> client.addDevice(leaf("deep-leaf", chain.get(5).getScope())), "at most 5 levels");
        assertThat(client.addDevice(leaf("deep-leaf4", chain.get(4).getScope())).getParentScopes())
                .containsExactly(chain.get(4).getScope());
        // AND the top cannot be put below its own descendant
        Device top = client.getDevice("deep-0");
        top.getParentScopes().add(chain.get(2).getScope());
        assertRefused(() -> client.updateDevice(top), "below device 'deep-0'");
        assertThat(client.getDevice("deep-0").getParentScopes()).isEmpty();
    }

    private static void assertRefused(org.assertj.core.api.ThrowableAssert.ThrowingCallable call, String message) {
        assertThatThrownBy(call).isInstanceOf(IotHubBadFormatException.class).hasMessageContaining(message);
    }

    @Test
    void bulkCreateMakesEdgeDevicesAndTakesScopesAsGiven() throws Exception {
        // GIVEN a bulk request with an edge device, two leaves with a free-form scope (as IoT Hub's bulk path takes
        // it) and a line naming two parents
        String body = "[{\"id\":\"bulk-e\",\"importMode\":\"create\",\"capabilities\":{\"iotEdge\":true}},"
                + "{\"id\":\"bulk-l1\",\"importMode\":\"create\",\"deviceScope\":\"someScope-1\"},"
                + "{\"id\":\"bulk-l2\",\"importMode\":\"create\",\"deviceScope\":\"someScope-1\",\"parentScopes\":[]},"
                + "{\"id\":\"bulk-bad\",\"importMode\":\"create\",\"capabilities\":{\"iotEdge\":true},"
                + "\"parentScopes\":[\"a\",\"b\"]}]";
        HttpResponse<String> r = server.send("POST", "/devices" + API, server.ownerSas(), body);

        // THEN only the bad line fails, and says why
        assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
        JsonNode errors = ServerExtension.JSON.readTree(r.body()).get("errors");
        assertThat(errors).singleElement().satisfies(e -> {
            assertThat(e.get("deviceId").asText()).isEqualTo("bulk-bad");
            assertThat(e.get("errorCode").asText()).isEqualTo("ArgumentInvalid");
        });
        assertThatThrownBy(() -> client.getDevice("bulk-bad")).isInstanceOf(IotHubNotFoundException.class);
        Device e = client.getDevice("bulk-e");
        assertThat(e.getScope()).isEqualTo(PREFIX + "bulk-e-" + e.getGenerationId());
        assertThat(moduleIds(client, "bulk-e")).containsExactly("$edgeAgent", "$edgeHub");
        assertThat(client.getDevice("bulk-l2").getParentScopes()).containsExactly("someScope-1");
        assertThat(client.getDevice("bulk-l1").getScope()).isEqualTo("someScope-1");
    }

    @Test
    void anExportImportedIntoAnotherHubKeepsTheHierarchy() throws Exception {
        // GIVEN an edge device, a nested edge device below it and a leaf below that
        Device top = client.addDevice(edge("exp-top"));
        Device mid = client.addDevice(edgeChild("exp-mid", top.getScope()));
        client.addDevice(leaf("exp-leaf", mid.getScope()));

        // WHEN the hub is exported
        JsonNode exported = runJob(server.ownerSas(),
                "{\"type\":\"export\",\"outputBlobContainerUri\":\"file:edge-export\",\"excludeKeysInExport\":false}");
        assertThat(exported.get("status").asText()).isEqualTo("completed");
        List<String> lines = new ArrayList<>();
        for (String l : Files.readAllLines(server.blobRoot().resolve("edge-export/devices.txt"))) {
            if (ServerExtension.JSON.readTree(l).get("id").asText().startsWith("exp-")) lines.add(l);
        }
        // THEN the system modules are lines like other modules', and the devices carry their scopes
        assertThat(lines).hasSize(7);
        JsonNode agent = lines.stream().map(EdgeDevicesIT::tree)
                .filter(n -> n.path("moduleId").asText().equals("$edgeAgent") && n.get("id").asText().equals("exp-top"))
                .findFirst().orElseThrow();
        assertThat(agent.get("managedBy").asText()).isEqualTo("iotEdge");
        assertThat(agent.at("/authentication/type").asText()).isEqualTo("none");
        JsonNode midLine = lines.stream().map(EdgeDevicesIT::tree)
                .filter(n -> n.get("id").asText().equals("exp-mid") && !n.has("moduleId")).findFirst().orElseThrow();
        assertThat(midLine.at("/capabilities/iotEdge").asBoolean()).isTrue();
        assertThat(midLine.get("deviceScope").asText()).isEqualTo(mid.getScope());
        assertThat(midLine.at("/parentScopes/0").asText()).isEqualTo(top.getScope());

        // WHEN those lines are imported into another hub
        String other = server.createHub("edge-copy");
        Path in = server.blobRootOf("edge-copy").resolve("edge-import");
        Files.createDirectories(in);
        Files.write(in.resolve("devices.txt"), lines);
        JsonNode imported = runJob(other, "{\"type\":\"import\",\"inputBlobContainerUri\":\"file:edge-import\","
                + "\"outputBlobContainerUri\":\"file:edge-import\"}");
        assertThat(imported.get("status").asText()).as(imported.toString()).isEqualTo("completed");

        // THEN every scope is as it was, and each edge device has its two system modules once
        RegistryClient copy = new RegistryClient(server.hostPort(), new AzureSasCredential(other));
        assertThat(copy.getDevice("exp-top").getScope()).isEqualTo(top.getScope());
        Device midCopy = copy.getDevice("exp-mid");
        assertThat(midCopy.getScope()).isEqualTo(mid.getScope());
        assertThat(midCopy.getParentScopes()).containsExactly(top.getScope());
        assertThat(midCopy.getCapabilities().isIotEdge()).isTrue();
        Device leafCopy = copy.getDevice("exp-leaf");
        assertThat(leafCopy.getScope()).isEqualTo(mid.getScope());
        assertThat(leafCopy.getParentScopes()).containsExactly(mid.getScope());
        assertThat(moduleIds(copy, "exp-top")).containsExactly("$edgeAgent", "$edgeHub");
        assertThat(moduleIds(copy, "exp-mid")).containsExactly("$edgeAgent", "$edgeHub");
        assertThat(copy.getModule("exp-top", "$edgeHub").getManagedBy()).isEqualTo("iotEdge");
        // AND the copy's hierarchy is checked as the original's: a new leaf below the imported edge device is taken
        assertThat(copy.addDevice(leaf("exp-leaf2", top.getScope())).getParentScopes()).containsExactly(top.getScope());
    }

    private static JsonNode tree(String line) {
        try {
            return ServerExtension.JSON.readTree(line);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static JsonNode runJob(String sas, String body) throws Exception {
        HttpResponse<String> r = server.send("POST", "/jobs/create" + API, sas, body);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return Sdks.awaitJob(server, sas, ServerExtension.JSON.readTree(r.body()).get("jobId").asText());
    }
}

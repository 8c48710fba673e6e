package dev.iolite.server.registry;

import dev.iolite.server.errors.ErrorCode;
import dev.iolite.server.errors.IoliteException;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The scope and parent rules of {@link EdgeRules#decide}, without a store. */
class EdgeRulesTest {
    private static final Instant T = Instant.parse("2024-01-01T00:00:00Z");
    private final Map<DeviceKey, Device> rows = new HashMap<>();

    private Device put(String id, boolean edge, Device.Scopes scopes) {
        Device d = new Device(DeviceKey.device(id), 1, "7", new Device.DeviceState(DeviceStatus.ENABLED, null, T),
                Authentication.sas(null, null), edge, scopes, null, Twin.empty(), T);
        rows.put(d.key(), d);
        return d;
    }

    private static ImportItem item(String id, Boolean edge, String deviceScope, List<String> parentScopes) {
        return new ImportItem(1, DeviceKey.device(id), ImportMode.CREATE_OR_UPDATE, null, null,
                new ImportItem.Fields(null, null, null, edge, deviceScope, parentScopes, null), null, null);
    }

    private Device.Scopes decide(Device cur, ImportItem item, boolean edge, boolean checkParents) {
        return EdgeRules.decide(cur, item, edge, "42", rows::get, checkParents);
    }

    @Test
    void theDeviceIdOfAScopeIsWhatPrecedesItsLastDash() {
        assertThat(EdgeRules.deviceIdOf("ms-azure-iot-edge://my-edge-1-637121074930370650")).isEqualTo("my-edge-1");
        assertThat(EdgeRules.deviceIdOf("someScope-1")).isNull();
        assertThat(EdgeRules.deviceIdOf("ms-azure-iot-edge://nodash")).isNull();
        assertThat(EdgeRules.ownScope("e", "42")).isEqualTo("ms-azure-iot-edge://e-42");
    }

    @Test
    void anImportedEdgeDeviceKeepsTheScopeThatNamesItAndNoOther() {
        assertThat(decide(null, item("e", true, "ms-azure-iot-edge://e-1", null), true, false).deviceScope())
                .isEqualTo("ms-azure-iot-edge://e-1");
        assertThatThrownBy(() -> decide(null, item("e", true, "ms-azure-iot-edge://other-1", null), true, false))
                .isInstanceOfSatisfying(IoliteException.class, e -> assertThat(e.errorCode()).isEqualTo(ErrorCode.ARGUMENT_INVALID))
                .hasMessageContaining("parentScopes");
    }

    @Test
    void aLeafMovedToAnotherParentMayEchoTheParentScopesItRead() {
        String p1 = put("p1", true, new Device.Scopes("ms-azure-iot-edge://p1-7", List.of())).deviceScope();
        String p2 = put("p2", true, new Device.Scopes("ms-azure-iot-edge://p2-7", List.of())).deviceScope();
        Device leaf = put("leaf", false, new Device.Scopes(p1, List.of(p1)));

        assertThat(decide(leaf, item("leaf", null, p2, List.of(p1)), false, true)).isEqualTo(new Device.Scopes(p2, List.of(p2)));
        // a parentScopes that is neither the old parent nor the new deviceScope is a second parent
        String p3 = put("p3", true, new Device.Scopes("ms-azure-iot-edge://p3-7", List.of())).deviceScope();
        assertThatThrownBy(() -> decide(leaf, item("leaf", null, p2, List.of(p3)), false, true))
                .hasMessageContaining("two parents");
    }

    @Test
    void aDeviceLeavingIotEdgeDropsItsOwnScopeAndKeepsItsParent() {
        String top = put("top", true, new Device.Scopes("ms-azure-iot-edge://top-7", List.of())).deviceScope();
        Device mid = put("mid", true, new Device.Scopes("ms-azure-iot-edge://mid-7", List.of(top)));

        // the client sends back its own scope and its parentScopes, as read
        assertThat(decide(mid, item("mid", false, mid.deviceScope(), List.of(top)), false, true))
                .isEqualTo(new Device.Scopes(top, List.of(top)));
        assertThat(decide(mid, item("mid", false, null, null), false, true)).isEqualTo(new Device.Scopes(top, List.of(top)));
        // and a leaf becoming an edge device keeps its parent in parentScopes, with a scope of its own
        Device leaf = put("leaf", false, new Device.Scopes(top, List.of(top)));
        assertThat(decide(leaf, item("leaf", true, top, List.of(top)), true, true))
                .isEqualTo(new Device.Scopes("ms-azure-iot-edge://leaf-42", List.of(top)));
    }

    @Test
    void bulkAndImportTakeAnyScopeButNeverTheDevicesOwn() {
        assertThat(decide(null, item("l", null, "someScope-1", List.of()), false, false))
                .isEqualTo(new Device.Scopes("someScope-1", List.of("someScope-1")));
        assertThatThrownBy(() -> decide(null, item("l", null, "someScope-1", List.of()), false, true))
                .hasMessageContaining("no IoT Edge device's scope");
        assertThatThrownBy(() -> decide(null, item("e", true, null, List.of("ms-azure-iot-edge://e-9")), true, false))
                .hasMessageContaining("its own parent");
    }
}

package dev.iolite.server.registry;

import dev.iolite.server.errors.ErrorCode;
import dev.iolite.server.errors.IoliteException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iolite.server.jdbc.TestHubs;
import dev.iolite.server.jdbc.Database;
import dev.iolite.server.jdbc.query.JdbcQueryStore;
import dev.iolite.server.jdbc.registry.JdbcRegistryStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The nine import modes (https://learn.microsoft.com/azure/iot-hub/iot-hub-bulk-identity-mgmt) through {@link
 * RegistryService#applyBatch}, on a real SQLite store.
 */
class ImportModesTest {
    private static final String HUB = "hub";
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;
    private Database db;
    private RegistryService registry;

    @BeforeEach
    void open() {
        db = Database.openSqlite(dir.resolve("t.db"));
        // the hub the devices belong to: its counters need it (a foreign key)
        TestHubs.insert(db, HUB);
        registry = new RegistryService(new JdbcRegistryStore(db, JSON), new JdbcQueryStore(db, JSON), new Credentials(new SecureRandom()),
                Clock.systemUTC());
    }

    @AfterEach
    void close() {
        db.close();
    }

    private static ImportItem item(String id, ImportMode mode) {
        return new ImportItem(1, DeviceKey.device(id), mode, null, null, null, null, null);
    }

    private static ImportItem item(String id, ImportMode mode, String eTag, String twinETag, DeviceStatus status,
                                   ObjectNode tags) {
        return new ImportItem(1, DeviceKey.device(id), mode, eTag, twinETag,
                new ImportItem.Fields(status, null, null, null, null, null, null), TwinDocument.of(tags), null);
    }

    private LineOutcome one(ImportItem item) {
        return registry.applyBatch(HUB, List.of(item)).get(0);
    }

    private static void assertFailed(LineOutcome o, ErrorCode code) {
        assertThat(o).isInstanceOfSatisfying(LineOutcome.Failed.class, f -> assertThat(f.code()).isEqualTo(code));
    }

    private Device create(String id) {
        return ((LineOutcome.Applied) one(item(id, ImportMode.CREATE))).device();
    }

    @Test
    void createOrUpdateIsTheDefaultAndOverwritesIgnoringTheEtag() {
        assertThat(ImportMode.parse(null)).isEqualTo(ImportMode.CREATE_OR_UPDATE);
        one(item("d", ImportMode.CREATE_OR_UPDATE));
        LineOutcome o = one(item("d", ImportMode.CREATE_OR_UPDATE, "not-the-etag", null, DeviceStatus.DISABLED, null));
        assertThat(o).isInstanceOf(LineOutcome.Applied.class);
        assertThat(registry.get(HUB, DeviceKey.device("d")).status()).isEqualTo(DeviceStatus.DISABLED);
        assertThat(registry.statistics(HUB)).isEqualTo(new RegistryCounts(1, 0, 1));
    }

    @Test
    void createOfExistingDeviceIsLoggedWith409001() {
        create("d");
        assertFailed(one(item("d", ImportMode.CREATE)), ErrorCode.DEVICE_ALREADY_EXISTS);
        assertThat(registry.statistics(HUB).totalDeviceCount()).isEqualTo(1);
    }

    @Test
    void updateOfMissingDeviceIsLoggedWith404001() {
        assertFailed(one(item("ghost", ImportMode.UPDATE)), ErrorCode.DEVICE_NOT_FOUND);
        assertThat(registry.statistics(HUB).totalDeviceCount()).isZero();
    }

    @Test
    void updateIfMatchETagNeedsTheCurrentEtag() {
        Device d = create("d");
        assertFailed(one(item("d", ImportMode.UPDATE_IF_MATCH_ETAG, "stale", null, DeviceStatus.DISABLED, null)),
                ErrorCode.PRECONDITION_FAILED);
        assertFailed(one(item("d", ImportMode.UPDATE_IF_MATCH_ETAG)), ErrorCode.PRECONDITION_FAILED);
        assertThat(one(item("d", ImportMode.UPDATE_IF_MATCH_ETAG, "\"" + d.etag() + "\"", null, DeviceStatus.DISABLED,
                null))).isInstanceOf(LineOutcome.Applied.class);
        assertThat(registry.get(HUB, DeviceKey.device("d")).etag()).isNotEqualTo(d.etag());
    }

    @Test
    void createOrUpdateIfMatchETagCreatesMissingAndChecksExisting() {
        assertThat(one(item("d", ImportMode.CREATE_OR_UPDATE_IF_MATCH_ETAG))).isInstanceOf(LineOutcome.Applied.class);
        assertFailed(one(item("d", ImportMode.CREATE_OR_UPDATE_IF_MATCH_ETAG, "stale", null, null, null)),
                ErrorCode.PRECONDITION_FAILED);
    }

    @Test
    void deleteIgnoresTheEtagAndDeleteIfMatchETagChecksIt() {
        create("a");
        Device b = create("b");
        assertThat(one(item("a", ImportMode.DELETE, "whatever", null, null, null))).isInstanceOf(LineOutcome.Applied.class);
        assertFailed(one(item("a", ImportMode.DELETE)), ErrorCode.DEVICE_NOT_FOUND);
        assertFailed(one(item("b", ImportMode.DELETE_IF_MATCH_ETAG, "stale", null, null, null)), ErrorCode.PRECONDITION_FAILED);
        assertThat(one(item("b", ImportMode.DELETE_IF_MATCH_ETAG, b.etag(), null, null, null)))
                .isInstanceOf(LineOutcome.Applied.class);
        assertThat(registry.statistics(HUB)).isEqualTo(new RegistryCounts(0, 0, 0));
    }

    @Test
    void twinEtagIsCheckedApartFromTheDeviceEtag() {
        Device d = create("d");
        ObjectNode tags = JSON.createObjectNode().put("k", "v");
        // the device etag is no twin etag
        assertFailed(one(item("d", ImportMode.UPDATE_TWIN_IF_MATCH_ETAG, null, d.etag(), null, tags)),
                ErrorCode.PRECONDITION_FAILED);
        assertThat(one(item("d", ImportMode.UPDATE_TWIN_IF_MATCH_ETAG, null, d.twin().etag(), null, tags)))
                .isInstanceOf(LineOutcome.Applied.class);
        Device after = registry.get(HUB, DeviceKey.device("d"));
        assertThat(after.twin().tags().toTree()).isEqualTo(tags);
        assertThat(after.etag()).as("twin writes keep the identity's etag").isEqualTo(d.etag());
        // updateTwin ignores the twin etag; createOrUpdate with a stale twin etag fails
        assertThat(one(item("d", ImportMode.UPDATE_TWIN, null, "stale", null, tags))).isInstanceOf(LineOutcome.Applied.class);
        assertFailed(one(item("d", ImportMode.CREATE_OR_UPDATE, null, "stale", null, tags)), ErrorCode.PRECONDITION_FAILED);
        assertFailed(one(item("ghost", ImportMode.UPDATE_TWIN)), ErrorCode.DEVICE_NOT_FOUND);
    }

    @Test
    void aBatchAppliesGoodItemsAndReportsBadOnesInOrder() {
        create("existing");
        List<LineOutcome> out = registry.applyBatch(HUB, List.of(
                item("new-1", ImportMode.CREATE),
                item("existing", ImportMode.CREATE),
                item("bad id", ImportMode.CREATE),
                item("new-2", ImportMode.CREATE_OR_UPDATE, null, null, DeviceStatus.DISABLED, null),
                item("existing", ImportMode.DELETE).withMode(ImportMode.DELETE, null)));
        assertThat(out).hasSize(5);
        assertThat(out.get(0)).isInstanceOf(LineOutcome.Applied.class);
        assertFailed(out.get(1), ErrorCode.DEVICE_ALREADY_EXISTS);
        assertFailed(out.get(2), ErrorCode.ARGUMENT_INVALID);
        assertThat(out.get(3)).isInstanceOf(LineOutcome.Applied.class);
        assertThat(out.get(4)).isInstanceOf(LineOutcome.Applied.class);
        assertThat(registry.statistics(HUB)).isEqualTo(new RegistryCounts(2, 1, 1));
    }

    @Test
    void deletingADeviceRemovesItsModulesInTheSameBatch() {
        create("p");
        ImportItem module = new ImportItem(2, new DeviceKey("p", "m"), ImportMode.CREATE, null, null, null, null, null);
        assertThat(one(module)).isInstanceOf(LineOutcome.Applied.class);
        assertThat(registry.statistics(HUB).totalDeviceCount()).as("modules are not devices").isEqualTo(1);
        List<LineOutcome> out = registry.applyBatch(HUB, List.of(
                module.withMode(ImportMode.UPDATE, null), item("p", ImportMode.DELETE)));
        assertThat(out).allMatch(o -> o instanceof LineOutcome.Applied);
        assertThatThrownBy(() -> registry.get(HUB, new DeviceKey("p", "m"))).isInstanceOfSatisfying(
                IoliteException.class, e -> assertThat(e.errorCode()).isEqualTo(ErrorCode.MODULE_NOT_FOUND));
    }

    @Test
    void keysAreGeneratedWhenAbsentOrEmptyAndKeptOnUpdateWithoutAuthentication() {
        Device d = create("d");
        assertThat(d.authentication().primaryKey()).hasSize(44);
        assertThat(d.authentication().secondaryKey()).hasSize(44).isNotEqualTo(d.authentication().primaryKey());
        one(item("d", ImportMode.UPDATE, null, null, DeviceStatus.DISABLED, null));
        assertThat(registry.get(HUB, DeviceKey.device("d")).authentication()).isEqualTo(d.authentication());
        ImportItem regenerate = new ImportItem(1, DeviceKey.device("d"), ImportMode.UPDATE, null, null,
                ImportItem.Fields.NONE.withAuthentication(new Authentication(AuthType.SAS, "", "", null, null)), null, null);
        one(regenerate);
        assertThat(registry.get(HUB, DeviceKey.device("d")).authentication().primaryKey())
                .hasSize(44).isNotEqualTo(d.authentication().primaryKey());
    }

    @Test
    void statisticsFollowStatusChanges() {
        create("a");
        create("b");
        one(item("a", ImportMode.UPDATE, null, null, DeviceStatus.DISABLED, null));
        assertThat(registry.statistics(HUB)).isEqualTo(new RegistryCounts(2, 1, 1));
        one(item("a", ImportMode.UPDATE, null, null, DeviceStatus.ENABLED, null));
        assertThat(registry.statistics(HUB)).isEqualTo(new RegistryCounts(2, 2, 0));
    }
}

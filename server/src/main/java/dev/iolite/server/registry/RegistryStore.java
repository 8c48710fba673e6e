package dev.iolite.server.registry;

import dev.iolite.server.query.TwinQuery;
import dev.iolite.server.store.StaleWriteException;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Device and module identities of every hub, and each hub's statistics counters. SQL and row mapping only. The
 * query language's reads have a port of their own, {@link QueryStore}.
 */
public interface RegistryStore {

    /** The rows of those keys that exist; missing keys are absent from the map. */
    Map<DeviceKey, Device> findAll(String hub, Collection<DeviceKey> keys);

    /**
     * As {@link #findAll}, for a batch of an import: also the line where the job named each of those keys
     * before (its tag on a row, or its list of keys that left no row when {@code mark.keysWithoutRows()}).
     */
    ImportMark.View findForImport(String hub, Collection<DeviceKey> keys, ImportMark mark);

    /**
     * The devices of those ids with all their module identities, in one read (the configurations' evaluation reads
     * the module twins of a page of edge devices this way); devices that do not exist are absent, with no modules.
     */
    Map<DeviceKey, Device> findWithModules(String hub, Collection<String> deviceIds);

    /** Whether the job's list of keys that left no row holds any (a resumed import asks once). */
    boolean hasKeysWithoutRows(String jobId);

    /** The row, or empty when it does not exist. */
    Optional<Device> find(String hub, DeviceKey key);

    /** The identity's connection fields as the device surfaces last wrote them; {@link DeviceConnection#NEVER} when it never connected. */
    DeviceConnection connection(String hub, DeviceKey key);

    /** Devices (no modules) in id order, after {@code afterDeviceId} (null: from the start), at most {@code limit}. */
    List<Device> listDevices(String hub, String afterDeviceId, int limit);

    /** The module identities of one device, in id order; empty when none or the device is missing. */
    List<Device> listModules(String hub, String deviceId);

    /**
     * Applies the changes, the statistics delta and the job progress (if any) in one transaction.
     *
     * @throws StaleWriteException if any conditional update or removal matched no row, or an insert
     *         hit an existing key; then nothing was applied
     * @throws dev.iolite.server.jobs.LeaseLostException if the progress's runner lost the job's lease
     */
    void apply(String hub, RegistryChanges changes);

    /**
     * Writes the twins of {@code updates} (tags, desired and reported properties, configurations section, twin version
     * and the time of the twin's last update), each to the row of its identity if its device and twin versions are
     * still the expected ones, then {@code alongside} (may be null) last, in one transaction. The identity's other
     * columns are not written (its fields are those of the version it was read at), and no statistics change.
     *
     * @throws StaleWriteException if a row's versions changed; then nothing was applied
     * @throws dev.iolite.server.jobs.LeaseLostException if {@code alongside}'s runner lost the job's lease
     */
    void writeTwins(String hub, List<RegistryChanges.Update> updates, dev.iolite.server.store.Transaction.Work alongside);

    /**
     * Devices and modules after ({@code afterDeviceId}, {@code afterModuleId}) in (device id, module id)
     * order, at most {@code limit}: the export's keyset scan. Nulls start from the beginning.
     */
    List<ExportRow> scan(String hub, String afterDeviceId, String afterModuleId, int limit);

    /**
     * As {@link #scan}, only the devices {@code filter} selects (a compiled export filter; its WHERE is
     * what counts), each with its modules.
     */
    List<ExportRow> scan(String hub, String afterDeviceId, String afterModuleId, int limit, TwinQuery filter);

    /**
     * Plans, without running them, the statements a filtered export will run: its count and the keyset scan of
     * {@link #scan(String, String, String, int, TwinQuery)} with pages of {@code pageSize}, within
     * {@code within}. Serves the check of an export's filter when the job is created.
     *
     * @return empty when the store can run them; otherwise the store's reason in one line (a statement too deep
     *         or too long, too many parameters, a character the store cannot hold, no plan within the time)
     */
    Optional<String> checkScan(String hub, TwinQuery filter, int pageSize, Duration within);

    /** Devices plus modules of the hub (an export's total; a scan, not a counter). */
    long countIdentities(String hub);

    /** Devices that {@code filter} selects plus their modules (a filtered export's total). */
    long countIdentities(String hub, TwinQuery filter);

    /** The hub's counters (zero for a hub without devices). O(1). */
    RegistryCounts statistics(String hub);

    /** Removes every device, module and counter of the hub (hub deletion). */
    void deleteHubData(String hub);
}

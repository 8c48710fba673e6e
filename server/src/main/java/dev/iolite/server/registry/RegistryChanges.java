package dev.iolite.server.registry;

import dev.iolite.server.store.Transaction;

import java.util.List;

/**
 * The writes of one batch, applied by {@link RegistryStore#apply} in one transaction together with
 * the statistics change. Updates and removals carry the versions they were decided against.
 */
public record RegistryChanges(List<Device> inserts, List<Update> updates, List<Removal> removals,
                              StatsDelta statsDelta, Transaction.Work alongside, ImportMark.Writes importWrites) {

    public RegistryChanges(List<Device> inserts, List<Update> updates, List<Removal> removals, StatsDelta statsDelta) {
        this(inserts, updates, removals, statsDelta, null, null);
    }

    /**
     * The same writes, with another port's writes (a job's checkpoint, and the staging it counts) that go
     * last in the same transaction, once the rows are written: if they fail, nothing of the batch is written.
     */
    public RegistryChanges with(Transaction.Work work) {
        return new RegistryChanges(inserts, updates, removals, statsDelta, work, importWrites);
    }

    /** The same writes, made by a batch of an import: its rows carry its mark, and the keys that left no row are listed. */
    public RegistryChanges with(ImportMark.Writes writes) {
        return new RegistryChanges(inserts, updates, removals, statsDelta, alongside, writes);
    }

    /** Replace the row of {@code next.key()} if its device and twin versions are still the expected ones. */
    public record Update(Device next, long expectedVersion, long expectedTwinVersion) {}

    /** Remove the row if its version is still the expected one; removing a device removes its modules. */
    public record Removal(DeviceKey key, long expectedVersion) {}

    public record StatsDelta(long total, long enabled, long disabled) {
        public static final StatsDelta NONE = new StatsDelta(0, 0, 0);

        public StatsDelta plus(StatsDelta o) {
            return new StatsDelta(total + o.total, enabled + o.enabled, disabled + o.disabled);
        }
    }

    public boolean isEmpty() {
        return inserts.isEmpty() && updates.isEmpty() && removals.isEmpty() && alongside == null
                && (importWrites == null || importWrites.withoutRow().isEmpty());
    }
}

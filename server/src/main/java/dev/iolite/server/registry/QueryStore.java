package dev.iolite.server.registry;

import dev.iolite.server.query.GroupRow;
import dev.iolite.server.query.TwinQuery;
import dev.iolite.server.store.StillWanted;

import java.util.List;

/**
 * What the query language reads: the twins a compiled query selects, and an aggregate query's groups. Filtering,
 * counting and grouping run in the store, on connections of their own, each hub within its share of them.
 */
public interface QueryStore {

    /**
     * The twins a query selects, in (device id, module id) order, after the key {@code after} (null: from
     * the start), at most {@code limit}. Filtering runs in the store.
     *
     * @throws dev.iolite.server.store.StatementTimeoutException when the query ran past the store's deadline
     */
    default List<Device> queryTwins(String hub, TwinQuery query, DeviceKey after, int limit) {
        List<Device> out = new java.util.ArrayList<>();
        queryTwins(hub, query, after, limit, StillWanted.ALWAYS, d -> out.add(d));
        return out;
    }

    /**
     * As {@link #queryTwins(String, TwinQuery, DeviceKey, int)}, handing each twin to {@code sink} as the store
     * reads it, until the sink returns false or {@code limit} twins went by: a page is never held whole. The
     * statement stops when {@code wanted} says the caller went away.
     *
     * @throws dev.iolite.server.errors.ThrottledException when the hub's share of the store's query connections
     *         stays in use (429)
     * @throws dev.iolite.server.store.StatementTimeoutException when the query ran past the store's deadline
     */
    void queryTwins(String hub, TwinQuery query, DeviceKey after, int limit, StillWanted wanted,
                    java.util.function.Predicate<Device> sink);

    /**
     * An aggregate query's groups (one, without keys, for COUNT() alone) in key order, skipping the first
     * {@code offset}, at most {@code limit}. Counting and grouping run in the store.
     */
    default List<GroupRow> queryGroups(String hub, TwinQuery query, long offset, int limit) {
        return queryGroups(hub, query, offset, limit, StillWanted.ALWAYS);
    }

    /** As {@link #queryGroups(String, TwinQuery, long, int)}, stopped when {@code wanted} says the caller went away. */
    List<GroupRow> queryGroups(String hub, TwinQuery query, long offset, int limit, StillWanted wanted);

    /**
     * A page of the hub's twins of {@code source} after {@code after} (null: from the start) in key order, each with
     * the targets that select it: bit {@code i} of the set stands for {@code targets.get(i)} (its WHERE; a target
     * without one selects every twin). The configurations' evaluation reads the whole hub this way, all its
     * configurations in one pass.
     */
    void scanTargets(String hub, TwinQuery.Source source, List<TwinQuery> targets, DeviceKey after, int limit,
                     java.util.function.BiConsumer<Device, java.util.BitSet> sink);

    /**
     * The rows of {@code devices.jobs} the query selects, in (job id, device id) order after {@code after} (a key whose
     * device id is the job's id and whose module id is the device's; null: from the start), at most {@code limit}, each
     * as its JSON text to the sink while it returns true.
     */
    void queryDeviceJobs(String hub, TwinQuery query, DeviceKey after, int limit, StillWanted wanted,
                         java.util.function.BiPredicate<DeviceKey, String> sink);
}

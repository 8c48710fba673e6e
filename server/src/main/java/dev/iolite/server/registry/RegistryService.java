package dev.iolite.server.registry;

import dev.iolite.server.query.GroupRow;
import dev.iolite.server.query.TwinQuery;
import dev.iolite.server.store.StatementTimeoutException;
import dev.iolite.server.store.StillWanted;

import dev.iolite.server.errors.ErrorCode;
import dev.iolite.server.errors.IoliteException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iolite.server.store.Transaction;
import dev.iolite.server.store.StaleWriteException;

import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The identity registry: every device, module and twin operation of both surfaces, and the one
 * import-mode engine ({@link #applyBatch}) behind bulk {@code POST /devices}, single-device writes
 * and import jobs (docs/architecture.md, the {@code registry} package).
 */
public final class RegistryService {
    /**
     * Bulk {@code POST /devices} limit (https://learn.microsoft.com/rest/api/iothub/service/bulk-registry); past it,
     * 413 TooManyDevices.
     */
    public static final int MAX_BULK_DEVICES = 100;
    /**
     * {@code GET /devices?top=N}: values outside 1..1000 mean 1000
     * (https://learn.microsoft.com/rest/api/iothub/service/devices/get-devices).
     */
    public static final int MAX_LIST = 1000;
    /** Attempts of a batch that lost a race with another writer before giving up with 503. */
    private static final int MAX_ATTEMPTS = 8;

    private final RegistryStore store;
    private final QueryStore queries;
    private final Credentials credentials;
    private final Clock clock;
    private final RegistryListener listener;
    /** Told the hub of every committed write (the configurations' evaluation, which re-evaluates it). */
    private volatile java.util.function.Consumer<String> written = hub -> { };
    /**
     * Writes of watched identities hold their stripes from the commit until the listener has been told, so that
     * two writers of one twin tell their changes in the order they committed them.
     */
    private final java.util.concurrent.locks.ReentrantLock[] stripes = new java.util.concurrent.locks.ReentrantLock[64];

    public RegistryService(RegistryStore store, QueryStore queries, Credentials credentials, Clock clock) {
        this(store, queries, credentials, clock, RegistryListener.NONE);
    }

    /** A registry whose committed changes to the identities {@code listener} watches are told to it. */
    public RegistryService(RegistryStore store, QueryStore queries, Credentials credentials, Clock clock,
                           RegistryListener listener) {
        this.store = store;
        this.queries = queries;
        this.credentials = credentials;
        this.clock = clock;
        this.listener = listener;
        for (int i = 0; i < stripes.length; i++) stripes[i] = new java.util.concurrent.locks.ReentrantLock();
    }

    /**
     * Commits {@code changes} and tells the listener of {@code watched}, in commit order per identity when
     * {@code ordered} (an import job's batches are not: they hold no stripes, so that jobs of several hubs never wait
     * on each other, and a twin that an import and another writer change at the same moment may be told out of
     * order; the device drops a patch older than one it has).
     */
    private void commit(String hub, RegistryChanges changes, List<RegistryListener.Change> watched, boolean ordered) {
        commitQuietly(hub, changes, watched, ordered);
        written.accept(hub);
    }

    /** As {@link #commit}, without telling {@link #onWrite}'s listener (the configurations' own writes). */
    private void commitQuietly(String hub, RegistryChanges changes, List<RegistryListener.Change> watched, boolean ordered) {
        commitQuietly(hub, () -> store.apply(hub, changes), watched, ordered);
    }

    /** As {@link #commitQuietly(String, RegistryChanges, List, boolean)}, with the store's write {@code write}. */
    private void commitQuietly(String hub, Runnable write, List<RegistryListener.Change> watched, boolean ordered) {
        if (watched.isEmpty()) {
            write.run();
            return;
        }
        if (!ordered) {
            write.run();
            listener.changed(hub, watched);
            return;
        }
        java.util.TreeSet<Integer> held = new java.util.TreeSet<>();
        for (RegistryListener.Change c : watched) held.add(Math.floorMod(c.key().deviceId().hashCode(), stripes.length));
        for (int i : held) stripes[i].lock();
        try {
            write.run();
            listener.changed(hub, watched);
        } finally {
            for (int i : held.descendingSet()) stripes[i].unlock();
        }
    }

    /** Tells {@code listener} the hub of every write committed from now on, except {@link #replaceTwins}'s. */
    public void onWrite(java.util.function.Consumer<String> listener) {
        this.written = listener;
    }

    /**
     * Replaces the twins of identities read before ({@code current}) with {@code next}, one per identity, in one
     * transaction, and tells connected devices of their desired properties' changes; {@link #onWrite}'s listener
     * is not told (the configurations' evaluation writes this way, and must not wake itself).
     *
     * @throws dev.iolite.server.store.StaleWriteException when one of the identities changed since it was read
     *                                                    (nothing is written; read them again)
     */
    public void replaceTwins(String hub, List<Device> current, List<Twin> next) {
        replaceTwins(hub, current, next, null, false);
    }

    /**
     * As {@link #replaceTwins(String, List, List)}, with another port's writes ({@code alongside}, may be null) last in
     * the same transaction (a scheduled job's rows and checkpoint); {@code tellWrites} tells {@link #onWrite}'s
     * listener too (a scheduled job's twin updates, which configurations may target).
     */
    public void replaceTwins(String hub, List<Device> current, List<Twin> next, Transaction.Work alongside,
                             boolean tellWrites) {
        if (current.isEmpty()) return;
        // only twins change: each row's twin columns are written, under the versions it was read at
        java.time.Instant now = clock.instant();
        List<RegistryChanges.Update> updates = new ArrayList<>(current.size());
        List<RegistryListener.Change> watched = new ArrayList<>();
        for (int i = 0; i < current.size(); i++) {
            Device before = current.get(i);
            Device after = before.withTwin(next.get(i), now);
            updates.add(new RegistryChanges.Update(after, before.version(), before.twin().version()));
            if (listener.watches(hub, before.key())) watched.add(new RegistryListener.Change(before.key(), before, after));
        }
        commitQuietly(hub, () -> store.writeTwins(hub, updates, alongside), watched, true);
        if (tellWrites) written.accept(hub);
    }

    /** The devices of those ids with all their module identities, in one read; missing devices are absent. */
    public Map<DeviceKey, Device> findWithModules(String hub, java.util.Collection<String> deviceIds) {
        return store.findWithModules(hub, deviceIds);
    }

    /**
     * Writes the twins {@code next} of a device's modules in one transaction: a module among the identities read
     * before ({@code read}, which holds the device) gets its new twin; a module not among them is created first, as
     * a module PUT without a body would create it (SAS keys generated), managed by {@code managedBy}, with that
     * twin's tags and desired properties. Connected clients are told of their desired properties' changes, and
     * {@link #onWrite}'s listener of the write.
     *
     * @throws dev.iolite.server.store.StaleWriteException when an identity changed or a module was created since
     *                                                    {@code read} (nothing is written; read them again)
     */
    public void writeModuleTwins(String hub, Map<DeviceKey, Device> read, Map<DeviceKey, Twin> next, String managedBy) {
        ImportBatch batch = new ImportBatch(read, credentials, clock.instant());
        for (Map.Entry<DeviceKey, Twin> e : next.entrySet()) {
            Device cur = read.get(e.getKey());
            if (cur != null) {
                batch.replaceTwinOf(cur, e.getValue());
                continue;
            }
            ImportItem create = new ImportItem(1, e.getKey(), ImportMode.CREATE, null, null,
                    new ImportItem.Fields(null, null, null, null, null, null, managedBy), e.getValue().tags(),
                    e.getValue().desired());
            if (batch.decide(create) instanceof LineOutcome.Failed f) throw new IoliteException(f.code(), f.message());
        }
        commit(hub, batch.changes(), batch.watched(hub, listener), true);
    }

    /**
     * Applies the items in order, each by its import mode, in one transaction with the statistics
     * change. Returns one outcome per item, in order; a failed item changes nothing. Items must name
     * distinct identities (callers report duplicates as DeviceDefinedMultipleTimes).
     */
    public List<LineOutcome> applyBatch(String hub, List<ImportItem> items) {
        return applyBatch(hub, items, null);
    }

    /**
     * As {@link #applyBatch(String, List)}, and commits the writes that {@code progressFor} derives from the
     * outcomes (a job's checkpoint) last, in the same transaction (docs/architecture.md, "An import"), even when no item
     * changed anything. Whatever those writes throw (a job's lost lease) ends the batch with nothing written.
     */
    public List<LineOutcome> applyBatch(String hub, List<ImportItem> items,
                                        java.util.function.Function<List<LineOutcome>, Transaction.Work> progressFor) {
        return apply(hub, items, List.of(), null, progressFor, false);
    }

    /**
     * A batch of an import job's lines, in blob order: {@code items} to apply and {@code refused} lines that
     * already failed (parsed, but not valid). A line naming an identity that an earlier line of the same blob
     * named, in this batch or any before it (the store knows, by {@code mark}), fails as named twice
     * (400011) instead. Returns the outcome of every line, in line order.
     */
    public List<LineOutcome> applyImportBatch(String hub, ImportMark mark, List<ImportItem> items,
                                              List<LineOutcome.Failed> refused,
                                              java.util.function.Function<List<LineOutcome>, Transaction.Work> progressFor) {
        return apply(hub, items, refused, mark, progressFor, false);
    }

    /**
     * The one engine behind the entry points above. {@code checkParents} (single-device writes) makes a parent scope
     * name an existing edge device within the hierarchy's limits, reading the parents and their ancestors; bulk
     * requests and import jobs take scopes as given ({@link EdgeRules#decide}), so an import reads no more than its
     * items' rows and, for edge devices, their system modules.
     */
    private List<LineOutcome> apply(String hub, List<ImportItem> items, List<LineOutcome.Failed> refused,
                                    ImportMark mark,
                                    java.util.function.Function<List<LineOutcome>, Transaction.Work> progressFor,
                                    boolean checkParents) {
        Set<DeviceKey> keys = new HashSet<>();
        for (ImportItem item : items) {
            if (item.deviceId() == null) continue;
            keys.add(item.key());
            keys.add(item.key().parent());
            EdgeRules.addReads(item, keys, checkParents);
        }
        if (mark != null) {
            for (LineOutcome.Failed f : refused) {
                if (namesAnIdentity(f.item())) keys.add(f.item().key());
            }
        }
        for (int attempt = 1; ; attempt++) {
            ImportBatch batch;
            List<LineOutcome> outcomes;
            ImportMark.Writes writes = null;
            if (mark == null) {
                Map<DeviceKey, Device> rows = store.findAll(hub, keys);
                if (checkParents) rows = EdgeRules.withAncestors(rows, more -> store.findAll(hub, more));
                batch = new ImportBatch(rows, credentials, clock.instant(), checkParents);
                outcomes = new ArrayList<>(items.size());
                for (ImportItem item : items) outcomes.add(batch.decide(item));
            } else {
                ImportMark.View view = store.findForImport(hub, keys, mark);
                batch = new ImportBatch(view.devices(), credentials, clock.instant());
                outcomes = decideLines(batch, items, refused, view.namedAt());
                writes = marks(batch, mark, outcomes);
            }
            RegistryChanges changes = batch.changes();
            if (writes != null) changes = changes.with(writes);
            if (progressFor != null) changes = changes.with(progressFor.apply(outcomes));
            if (changes.isEmpty()) return outcomes;
            List<RegistryListener.Change> watched = batch.watched(hub, listener);
            try {
                commit(hub, changes, watched, mark == null);
                return outcomes;
            } catch (StaleWriteException e) {
                if (attempt == MAX_ATTEMPTS) {
                    throw new IoliteException(ErrorCode.SERVICE_UNAVAILABLE,
                            "the registry is changing too quickly; try again (" + e.getMessage() + ")");
                }
            }
        }
    }

    /**
     * Decides the lines in line order: a line whose identity an earlier line named (before this batch, as
     * {@code namedBefore} says, or within it) fails as named twice; the others are decided by their mode or
     * keep their failure.
     */
    private static List<LineOutcome> decideLines(ImportBatch batch, List<ImportItem> items,
                                                 List<LineOutcome.Failed> refused, Map<DeviceKey, Long> namedBefore) {
        List<LineOutcome> outcomes = new ArrayList<>(items.size() + refused.size());
        Map<DeviceKey, Long> namedHere = new HashMap<>();
        int i = 0;
        int r = 0;
        while (i < items.size() || r < refused.size()) {
            boolean takeItem = r == refused.size()
                    || (i < items.size() && items.get(i).lineNumber() < refused.get(r).item().lineNumber());
            ImportItem item = takeItem ? items.get(i++) : refused.get(r++).item();
            LineOutcome.Failed failed = takeItem ? null : refused.get(r - 1);
            if (!namesAnIdentity(item)) {
                outcomes.add(failed != null ? failed : batch.decide(item));
                continue;
            }
            DeviceKey key = item.key();
            Long before = namedBefore.get(key);
            if (before != null && before >= item.lineNumber()) before = null; // not an earlier line
            Long first = before != null ? before : namedHere.putIfAbsent(key, item.lineNumber());
            if (first != null) {
                outcomes.add(new LineOutcome.Failed(item, ErrorCode.DEVICE_DEFINED_MULTIPLE_TIMES, "'" + key
                        + "' is named more than once in the blob (first on line " + first + "); this line was not applied"));
            } else {
                outcomes.add(failed != null ? failed : batch.decide(item));
            }
        }
        return outcomes;
    }

    /** Whether the item's key is a valid identity (checked items are; refused ones may not be). */
    private static boolean namesAnIdentity(ImportItem item) {
        return item.checked() || IdRules.isValidKey(item.deviceId(), item.moduleId());
    }

    /** Which line wrote each row of the batch, and the identities named by lines that left no row. */
    private static ImportMark.Writes marks(ImportBatch batch, ImportMark mark, List<LineOutcome> outcomes) {
        Map<DeviceKey, Long> rowLines = new HashMap<>();
        List<ImportMark.Named> withoutRow = new ArrayList<>();
        for (LineOutcome o : outcomes) {
            ImportItem item = o.item();
            if (o instanceof LineOutcome.Applied) {
                DeviceKey key = item.key();
                if (batch.holds(key)) {
                    rowLines.put(key, item.lineNumber());
                    continue;
                }
            } else if (((LineOutcome.Failed) o).code() == ErrorCode.DEVICE_DEFINED_MULTIPLE_TIMES
                    || !namesAnIdentity(item)) {
                continue;
            }
            withoutRow.add(new ImportMark.Named(item.key(), item.lineNumber()));
        }
        return new ImportMark.Writes(mark, rowLines, withoutRow);
    }

    /**
     * Applies the content rules and resolves the credentials of an item ahead of its batch, so that
     * work can run on another thread than the one writing (an import's reader).
     *
     * @throws IoliteException the same failure the batch would report for the item
     */
    public ImportItem check(ImportItem item) {
        if (item.checked()) return item;
        ImportBatch.checkContent(item);
        // Deletes and twin-only modes never use credentials, so they are not checked for them either,
        // exactly as when the batch decides the item itself.
        boolean usesCredentials = !item.mode().isDelete() && !item.mode().isTwinOnly();
        return item.checked(usesCredentials && item.authentication() != null
                ? credentials.resolve(item.authentication()) : item.authentication());
    }

    /** Applies one item and returns the resulting identity, or throws the item's failure. */
    public Device apply(String hub, ImportItem item) {
        LineOutcome outcome = apply(hub, List.of(item), List.of(), null, null, true).get(0);
        if (outcome instanceof LineOutcome.Failed f) throw new IoliteException(f.code(), f.message());
        Device applied = ((LineOutcome.Applied) outcome).device();
        // the write read the identity without its connection (as an import does); the answer shows it as it is
        return applied == null || item.mode().isDelete() ? applied : applied.withConnection(store.connection(hub, applied.key()));
    }

    public Device get(String hub, DeviceKey key) {
        return store.find(hub, key).orElseThrow(() -> notFound(key));
    }

    public List<Device> listDevices(String hub, int top) {
        int limit = top < 1 || top > MAX_LIST ? MAX_LIST : top;
        return store.listDevices(hub, null, limit);
    }

    /**
     * The twins a query selects after {@code after} (null: from the start), at most {@code limit}, each handed to
     * {@code sink} as the store reads it until the sink returns false. A query that runs past the store's deadline
     * is a 400 that says so.
     */
    public void queryTwins(String hub, TwinQuery query, DeviceKey after, int limit, StillWanted wanted,
                           java.util.function.Predicate<Device> sink) {
        try {
            queries.queryTwins(hub, query, after, limit, wanted, sink);
        } catch (StatementTimeoutException e) {
            throw ranPastDeadline(e);
        }
    }

    /**
     * A page of an aggregate query's groups; past the store's deadline, a 400. COUNT() alone always has its one
     * row; GROUP BY has a group only where twins are (grouping by constants alone, SQL would give a group of none).
     */
    /** The rows of {@code devices.jobs} a query selects ({@link QueryStore#queryDeviceJobs}). */
    public void queryDeviceJobs(String hub, TwinQuery query, DeviceKey after, int limit, StillWanted wanted,
                                java.util.function.BiPredicate<DeviceKey, String> sink) {
        queries.queryDeviceJobs(hub, query, after, limit, wanted, sink);
    }

    public List<GroupRow> queryGroups(String hub, TwinQuery query, long offset, int limit, StillWanted wanted) {
        List<GroupRow> rows;
        try {
            rows = queries.queryGroups(hub, query, offset, limit, wanted);
        } catch (StatementTimeoutException e) {
            throw ranPastDeadline(e);
        }
        if (query.groupBy().isEmpty()) return rows;
        return rows.stream().filter(r -> r.count() > 0).toList();
    }

    private static IoliteException ranPastDeadline(StatementTimeoutException e) {
        return new IoliteException(ErrorCode.ARGUMENT_INVALID, "the query ran past the store's limit of "
                + (e.deadline().toMillis() % 1000 == 0 ? e.deadline().toSeconds() + " s" : e.deadline().toMillis() + " ms")
                + " and was stopped; narrow it with WHERE or TOP");
    }

    public List<Device> listModules(String hub, String deviceId) {
        get(hub, DeviceKey.device(deviceId));
        return store.listModules(hub, deviceId);
    }

    public RegistryCounts statistics(String hub) {
        return store.statistics(hub);
    }

    /**
     * Replaces ({@code patch} false) or merges ({@code patch} true; null values remove keys) the
     * twin's tags and desired properties when {@code ifMatch} (unquoted, {@code *} or null for
     * any) matches the twin etag.
     */
    public Device writeTwin(String hub, DeviceKey key, String ifMatch, ObjectNode tags, ObjectNode desired,
                            boolean patch) {
        String expected = ETags.unquote(ifMatch);
        for (int attempt = 1; ; attempt++) {
            Device cur = get(hub, key);
            if (expected != null && !ETags.isWildcard(expected) && !expected.equals(cur.twin().etag())) {
                throw new IoliteException(ErrorCode.PRECONDITION_FAILED,
                        "etag '" + expected + "' does not match the twin's etag '" + cur.twin().etag() + "'");
            }
            TwinDocument newTags = tags == null ? cur.twin().tags()
                    : TwinDocument.owning(patch ? merge(cur.twin().tags().view(), tags) : strip(tags));
            TwinDocument newDesired = desired == null ? cur.twin().desired()
                    : TwinDocument.owning(patch ? merge(cur.twin().desired().view(), desired) : strip(desired));
            TwinRules.validateTags(newTags.view());
            TwinRules.validateDesired(newDesired.view());
            Twin twin = new Twin(newTags, newDesired, cur.twin().reported(), cur.twin().version() + 1, cur.twin().configurations());
            ImportBatch batch = new ImportBatch(Map.of(key, cur), credentials, clock.instant());
            Device next = batch.replaceTwinOf(cur, twin);
            List<RegistryListener.Change> watched = batch.watched(hub, listener);
            try {
                commit(hub, batch.changes(), watched, true);
                return next;
            } catch (StaleWriteException e) {
                if (attempt == MAX_ATTEMPTS) {
                    throw new IoliteException(ErrorCode.SERVICE_UNAVAILABLE, "the twin is changing too quickly; try again");
                }
            }
        }
    }

    /**
     * Merges a device's reported-properties patch (null values remove keys) into its twin, under the same
     * rules as the service's writes, and returns the identity with its new twin version.
     */
    public Device patchReported(String hub, DeviceKey key, ObjectNode patch) {
        for (int attempt = 1; ; attempt++) {
            Device cur = get(hub, key);
            TwinDocument reported = TwinDocument.owning(merge(cur.twin().reported().view(), patch));
            TwinRules.validateReported(reported.view());
            Twin twin = new Twin(cur.twin().tags(), cur.twin().desired(), reported, cur.twin().version() + 1,
                    cur.twin().configurations());
            ImportBatch batch = new ImportBatch(Map.of(key, cur), credentials, clock.instant());
            Device next = batch.replaceTwinOf(cur, twin);
            try {
                store.apply(hub, batch.changes());
                written.accept(hub);
                return next;
            } catch (StaleWriteException e) {
                if (attempt == MAX_ATTEMPTS) {
                    throw new IoliteException(ErrorCode.SERVICE_UNAVAILABLE, "the twin is changing too quickly; try again");
                }
            }
        }
    }

    /** JSON merge: objects merge recursively, null removes, anything else replaces. */
    static ObjectNode merge(ObjectNode base, ObjectNode patch) {
        ObjectNode out = base.deepCopy();
        Iterator<Map.Entry<String, JsonNode>> it = patch.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode v = e.getValue();
            if (v == null || v.isNull()) {
                out.remove(e.getKey());
            } else if (v.isObject() && out.get(e.getKey()) instanceof ObjectNode existing) {
                out.set(e.getKey(), merge(existing, (ObjectNode) v));
            } else {
                out.set(e.getKey(), v.isObject() ? strip((ObjectNode) v) : v);
            }
        }
        return out;
    }

    /** A replacement document without null members (a null in a full replacement means "absent"). */
    static ObjectNode strip(ObjectNode doc) {
        ObjectNode out = doc.objectNode();
        Iterator<Map.Entry<String, JsonNode>> it = doc.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            if (e.getValue().isNull()) continue;
            out.set(e.getKey(), e.getValue().isObject() ? strip((ObjectNode) e.getValue()) : e.getValue());
        }
        return out;
    }

    private static IoliteException notFound(DeviceKey key) {
        return key.moduleId() != null
                ? new IoliteException(ErrorCode.MODULE_NOT_FOUND,
                        "module '" + key.moduleId() + "' on device '" + key.deviceId() + "' does not exist")
                : new IoliteException(ErrorCode.DEVICE_NOT_FOUND, "device '" + key.deviceId() + "' does not exist");
    }
}

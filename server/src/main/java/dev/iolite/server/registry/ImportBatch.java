package dev.iolite.server.registry;

import dev.iolite.server.errors.ErrorCode;
import dev.iolite.server.errors.IoliteException;
import dev.iolite.server.registry.RegistryChanges.StatsDelta;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One attempt at applying a batch: decides each item against the rows read at the start (and the
 * items before it), per the import modes of https://learn.microsoft.com/azure/iot-hub/iot-hub-bulk-identity-mgmt, and
 * collects the writes. Not thread-safe;
 * one instance per attempt.
 */
final class ImportBatch {
    private final Map<DeviceKey, Device> original;
    private final Map<DeviceKey, Device> current;
    private final Credentials credentials;
    private final Instant now;
    /** Whether a parent scope must name an existing edge device ({@link EdgeRules#decide}). */
    private final boolean checkParents;
    private long nextVersion;

    ImportBatch(Map<DeviceKey, Device> existing, Credentials credentials, Instant now) {
        this(existing, credentials, now, false);
    }

    ImportBatch(Map<DeviceKey, Device> existing, Credentials credentials, Instant now, boolean checkParents) {
        this.checkParents = checkParents;
        this.original = Map.copyOf(existing);
        this.current = new LinkedHashMap<>(existing);
        this.credentials = credentials;
        this.now = now;
        // Creation versions come from the clock (microseconds), so a re-created device never
        // repeats an etag its predecessor had; updates add one.
        this.nextVersion = now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000;
    }

    LineOutcome decide(ImportItem item) {
        try {
            return new LineOutcome.Applied(item, apply(item));
        } catch (IoliteException e) {
            return new LineOutcome.Failed(item, e.errorCode(), e.getMessage());
        }
    }

    private Device apply(ImportItem item) {
        if (!item.checked()) checkContent(item);

        DeviceKey key = item.key();
        Device cur = current.get(key);
        ImportMode mode = item.mode();
        return switch (mode) {
            case CREATE -> {
                if (cur != null) throw alreadyExists(key);
                yield create(item);
            }
            case CREATE_OR_UPDATE -> cur == null ? create(item) : update(cur, item);
            case CREATE_OR_UPDATE_IF_MATCH_ETAG -> {
                if (cur == null) yield create(item);
                requireETag(item.eTag(), cur.etag(), mode);
                yield update(cur, item);
            }
            case UPDATE -> update(requireExisting(key, cur), item);
            case UPDATE_IF_MATCH_ETAG -> {
                requireETag(item.eTag(), requireExisting(key, cur).etag(), mode);
                yield update(cur, item);
            }
            case DELETE -> remove(requireExisting(key, cur));
            case DELETE_IF_MATCH_ETAG -> {
                requireETag(item.eTag(), requireExisting(key, cur).etag(), mode);
                yield remove(cur);
            }
            case UPDATE_TWIN -> updateTwin(requireExisting(key, cur), item);
            case UPDATE_TWIN_IF_MATCH_ETAG -> {
                requireETag(item.twinETag(), requireExisting(key, cur).twin().etag(), mode);
                yield updateTwin(cur, item);
            }
        };
    }

    /**
     * The content rules of one item, the one place where they live for bulk requests, PUTs and import
     * lines alike: ids, the bounded text fields, twin limits (credentials are checked by resolve).
     */
    static void checkContent(ImportItem item) {
        IdRules.requireDeviceId(item.deviceId(), "id");
        if (item.moduleId() != null) IdRules.requireModuleId(item.moduleId(), "moduleId");
        requireAtMost(item.statusReason(), IdRules.MAX_STATUS_REASON, "statusReason");
        requireAtMost(item.deviceScope(), IdRules.MAX_SCOPE, "deviceScope");
        requireAtMost(item.managedBy(), IdRules.MAX_MANAGED_BY, "managedBy");
        if (item.parentScopes() != null) {
            if (item.parentScopes().size() > IdRules.MAX_PARENT_SCOPES) {
                throw new IoliteException(ErrorCode.ARGUMENT_INVALID, "'parentScopes' may hold at most "
                        + IdRules.MAX_PARENT_SCOPES + " scope, not " + item.parentScopes().size());
            }
            for (String scope : item.parentScopes()) requireAtMost(scope, IdRules.MAX_SCOPE, "parentScopes");
        }
        if (item.tags() != null) TwinRules.validateTags(item.tags().view());
        if (item.desired() != null) TwinRules.validateDesired(item.desired().view());
    }

    private static void requireAtMost(String value, int max, String field) {
        if (!StoredText.isStorable(value)) StoredText.require(value, "'" + field + "'");
        if (value != null && value.length() > max) {
            throw new IoliteException(ErrorCode.ARGUMENT_INVALID, "'" + field + "' is longer than " + max + " characters");
        }
    }

    /** The stored credentials for the item: already resolved when it was checked, else resolved now. */
    private Authentication auth(ImportItem item) {
        return item.checked() && item.authentication() != null ? item.authentication()
                : credentials.resolve(item.authentication());
    }

    private Device create(ImportItem item) {
        if (item.moduleId() != null && current.get(item.key().parent()) == null) {
            throw new IoliteException(ErrorCode.DEVICE_NOT_FOUND,
                    "device '" + item.deviceId() + "' of module '" + item.moduleId() + "' does not exist");
        }
        Twin empty = Twin.empty();
        Twin twin = new Twin(orElse(item.tags(), empty.tags()), orElse(item.desired(), empty.desired()),
                empty.reported(), 1);
        boolean edge = Boolean.TRUE.equals(item.iotEdge());
        String generationId = credentials.newGenerationId();
        Device.Scopes scopes = item.moduleId() != null ? new Device.Scopes(item.deviceScope(), item.parentScopes())
                : EdgeRules.decide(null, item, edge, generationId, current::get, checkParents);
        Device d = new Device(item.key(), nextVersion++, generationId,
                new Device.DeviceState(item.status() == null ? DeviceStatus.ENABLED : item.status(), item.statusReason(), now),
                auth(item), edge, scopes, item.moduleId() == null ? null : item.managedBy(), twin, now);
        current.put(d.key(), d);
        if (edge && item.moduleId() == null) addSystemModules(d);
        return d;
    }

    private Device update(Device cur, ImportItem item) {
        if (item.twinETag() != null) requireETag(item.twinETag(), cur.twin().etag(), item.mode());
        DeviceStatus status = item.status() == null ? cur.status() : item.status();
        boolean edge = item.iotEdge() == null ? cur.iotEdge() : item.iotEdge();
        Device.Scopes scopes = cur.isModule()
                ? new Device.Scopes(item.deviceScope() == null ? cur.deviceScope() : item.deviceScope(),
                        item.parentScopes() == null ? cur.parentScopes() : item.parentScopes())
                : EdgeRules.decide(cur, item, edge, cur.generationId(), current::get, checkParents);
        Device d = new Device(cur.key(), cur.version() + 1, cur.generationId(),
                new Device.DeviceState(status, item.statusReason() != null ? item.statusReason() : cur.statusReason(),
                        status == cur.status() ? cur.statusUpdatedTime() : now),
                item.authentication() == null ? cur.authentication() : auth(item), edge, scopes,
                item.managedBy() == null ? cur.managedBy() : item.managedBy(),
                replaceTwin(cur.twin(), item), now);
        current.put(d.key(), d);
        if (edge && !cur.iotEdge() && !cur.isModule()) addSystemModules(d);
        return d;
    }

    /**
     * Creates the system modules of a device that has just become an edge device, where no module of that name
     * exists (the batch read them: {@link EdgeRules#addReads}). A device that leaves IoT Edge keeps them, as any
     * other module (docs/architecture.md, "IoT Edge identities").
     */
    private void addSystemModules(Device device) {
        for (String moduleId : EdgeRules.SYSTEM_MODULES) {
            DeviceKey key = new DeviceKey(device.deviceId(), moduleId);
            if (current.containsKey(key)) continue;
            current.put(key, EdgeRules.systemModule(device, moduleId, nextVersion++, credentials.newGenerationId()));
        }
    }

    private Device updateTwin(Device cur, ImportItem item) {
        Device d = withTwin(cur, replaceTwin(cur.twin(), item));
        current.put(d.key(), d);
        return d;
    }

    private Device withTwin(Device cur, Twin twin) {
        return cur.withTwin(twin, now);
    }

    /** Tags and desired properties given in the item replace the stored ones (the import modes' "overwrite"). */
    private static Twin replaceTwin(Twin twin, ImportItem item) {
        if (item.tags() == null && item.desired() == null) return twin;
        return new Twin(orElse(item.tags(), twin.tags()), orElse(item.desired(), twin.desired()),
                twin.reported(), twin.version() + 1, twin.configurations());
    }

    private Device remove(Device cur) {
        current.remove(cur.key());
        if (!cur.isModule()) {
            current.keySet().removeIf(k -> k.deviceId().equals(cur.deviceId()));
        }
        return cur;
    }

    /** Whether the identity has a row once the batch is applied. */
    boolean holds(DeviceKey key) {
        return current.containsKey(key);
    }

    /** Applies a twin change decided outside the import modes (twin PUT/PATCH). */
    Device replaceTwinOf(Device cur, Twin twin) {
        Device d = withTwin(cur, twin);
        current.put(d.key(), d);
        return d;
    }

    /** The changes of the batch to the identities that {@code listener} watches. */
    List<RegistryListener.Change> watched(String hub, RegistryListener listener) {
        List<RegistryListener.Change> out = new ArrayList<>();
        for (Map.Entry<DeviceKey, Device> e : original.entrySet()) {
            Device after = current.get(e.getKey());
            if (after == e.getValue() || !listener.watches(hub, e.getKey())) continue;
            out.add(new RegistryListener.Change(e.getKey(), e.getValue(), after));
        }
        return out;
    }

    /** The writes that turn the rows read at the start into the current state. */
    RegistryChanges changes() {
        List<Device> inserts = new ArrayList<>();
        List<RegistryChanges.Update> updates = new ArrayList<>();
        List<RegistryChanges.Removal> removals = new ArrayList<>();
        StatsDelta delta = StatsDelta.NONE;
        Set<String> removedDevices = new HashSet<>();
        for (Map.Entry<DeviceKey, Device> e : original.entrySet()) {
            if (e.getKey().moduleId() == null && !current.containsKey(e.getKey())) {
                removedDevices.add(e.getKey().deviceId());
            }
        }
        Set<DeviceKey> keys = new HashSet<>(original.keySet());
        keys.addAll(current.keySet());
        for (DeviceKey key : keys) {
            Device before = original.get(key);
            Device after = current.get(key);
            if (before == after) continue;
            if (before == null) {
                inserts.add(after);
            } else if (after == null) {
                // A device's removal takes its modules with it; removing them again would find no row.
                if (key.moduleId() == null || !removedDevices.contains(key.deviceId())) {
                    removals.add(new RegistryChanges.Removal(key, before.version()));
                }
            } else {
                updates.add(new RegistryChanges.Update(after, before.version(), before.twin().version()));
            }
            if (key.moduleId() == null) delta = delta.plus(count(before, -1)).plus(count(after, 1));
        }
        return new RegistryChanges(inserts, updates, removals, delta);
    }

    private static StatsDelta count(Device d, int sign) {
        if (d == null) return StatsDelta.NONE;
        return new StatsDelta(sign, d.enabled() ? sign : 0, d.enabled() ? 0 : sign);
    }

    private static Device requireExisting(DeviceKey key, Device cur) {
        if (cur != null) return cur;
        if (key.moduleId() != null) {
            return fail(ErrorCode.MODULE_NOT_FOUND, "module '" + key.moduleId() + "' on device '"
                    + key.deviceId() + "' does not exist");
        }
        return fail(ErrorCode.DEVICE_NOT_FOUND, "device '" + key.deviceId() + "' does not exist");
    }

    private static IoliteException alreadyExists(DeviceKey key) {
        return key.moduleId() != null
                ? new IoliteException(ErrorCode.MODULE_ALREADY_EXISTS, "module '" + key.moduleId()
                        + "' already exists on device '" + key.deviceId() + "'")
                : new IoliteException(ErrorCode.DEVICE_ALREADY_EXISTS,
                        "a device with id '" + key.deviceId() + "' is already registered");
    }

    private static void requireETag(String given, String actual, ImportMode mode) {
        String g = ETags.unquote(given);
        if (g == null) {
            throw new IoliteException(ErrorCode.PRECONDITION_FAILED,
                    "importMode " + mode.wireName() + " needs an etag, and none was given");
        }
        if (!ETags.isWildcard(g) && !g.equals(actual)) {
            throw new IoliteException(ErrorCode.PRECONDITION_FAILED,
                    "etag '" + g + "' does not match the current etag '" + actual + "'");
        }
    }

    private static TwinDocument orElse(TwinDocument a, TwinDocument b) { return a != null ? a : b; }

    private static <T> T fail(ErrorCode code, String message) { throw new IoliteException(code, message); }
}

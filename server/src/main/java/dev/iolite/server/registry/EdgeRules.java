package dev.iolite.server.registry;

import dev.iolite.server.errors.ErrorCode;
import dev.iolite.server.errors.IoliteException;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * IoT Edge on the registry side (https://learn.microsoft.com/azure/iot-edge/how-to-connect-downstream-iot-edge-device):
 * an edge device's own generated scope, its system modules, and the parent rules of a gateway hierarchy. A device
 * names its parent by the parent's scope: a leaf in {@code deviceScope} (copied into {@code parentScopes}), an edge
 * device in {@code parentScopes}, since its {@code deviceScope} is its own.
 *
 * <p>IoT Hub documents no error codes for broken parent rules; every refusal here is 400004 ArgumentInvalid with a
 * message that names the rule (docs/architecture.md, "IoT Edge identities").
 */
final class EdgeRules {
    /** The prefix of an edge device's scope: {@code ms-azure-iot-edge://{deviceId}-{generationId}}. */
    static final String SCOPE_PREFIX = "ms-azure-iot-edge://";
    /** The module identities IoT Hub creates with an edge device, managed by the IoT Edge runtime. */
    static final List<String> SYSTEM_MODULES = List.of("$edgeAgent", "$edgeHub");
    static final String MANAGED_BY = "iotEdge";
    /** Levels of devices below the top of a hierarchy (https://learn.microsoft.com/azure/iot-edge/iot-edge-limits-and-restrictions). */
    static final int MAX_DEPTH = 5;

    private EdgeRules() {}

    /** The scope IoT Hub generates for an edge device: its id and its generation id. */
    static String ownScope(String deviceId, String generationId) {
        return SCOPE_PREFIX + deviceId + "-" + generationId;
    }

    /** The device id an edge scope names (what follows the prefix, up to its last dash), or null for another text. */
    static String deviceIdOf(String scope) {
        if (scope == null || !scope.startsWith(SCOPE_PREFIX)) return null;
        int dash = scope.lastIndexOf('-');
        return dash <= SCOPE_PREFIX.length() ? null : scope.substring(SCOPE_PREFIX.length(), dash);
    }

    /**
     * The identities a batch must read besides its items' own: an item that makes a device an edge device reads its
     * system modules (a module of that name may already exist); with {@code checkParents}, an item naming a parent
     * reads the device its scope names.
     */
    static void addReads(ImportItem item, Set<DeviceKey> keys, boolean checkParents) {
        if (item.moduleId() != null || item.deviceId() == null) return;
        if (Boolean.TRUE.equals(item.iotEdge())) {
            for (String m : SYSTEM_MODULES) keys.add(new DeviceKey(item.deviceId(), m));
        }
        if (!checkParents) return;
        List<String> named = new ArrayList<>();
        if (item.deviceScope() != null) named.add(item.deviceScope());
        if (item.parentScopes() != null) named.addAll(item.parentScopes());
        for (String scope : named) {
            String parent = deviceIdOf(scope);
            if (parent != null && IdRules.isValidKey(parent, null)) keys.add(DeviceKey.device(parent));
        }
    }

    /**
     * {@code found} with the ancestors of the devices in it, read a level at a time through {@code read} (one
     * read per level of the deepest hierarchy, none where no device found has a parent).
     */
    static Map<DeviceKey, Device> withAncestors(Map<DeviceKey, Device> found,
                                                Function<Collection<DeviceKey>, Map<DeviceKey, Device>> read) {
        Map<DeviceKey, Device> all = new HashMap<>(found);
        Set<DeviceKey> asked = new HashSet<>(found.keySet());
        Collection<Device> level = found.values();
        for (int i = 0; i <= MAX_DEPTH && !level.isEmpty(); i++) {
            Set<DeviceKey> next = new HashSet<>();
            for (Device d : level) {
                String parent = d.isModule() || d.parentScopes().isEmpty() ? null : deviceIdOf(d.parentScopes().get(0));
                if (parent != null && IdRules.isValidKey(parent, null) && asked.add(DeviceKey.device(parent))) {
                    next.add(DeviceKey.device(parent));
                }
            }
            if (next.isEmpty()) break;
            Map<DeviceKey, Device> got = read.apply(next);
            all.putAll(got);
            level = got.values();
        }
        return all;
    }

    /**
     * The scopes of a device once {@code item} is applied to {@code cur} (null when the item creates it), given
     * whether it is an edge device afterwards and its generation id. {@code rows} sees the batch's identities.
     * With {@code checkParents} a parent must be an existing edge device whose scope is the one named, within
     * {@link #MAX_DEPTH} levels and not below the device itself; without it (bulk requests and import jobs, whose
     * lines may come before their parent's) any scope is taken as it is, as IoT Hub's bulk path takes it.
     *
     * @throws IoliteException ArgumentInvalid for a broken rule, naming it
     */
    static Device.Scopes decide(Device cur, ImportItem item, boolean edge, String generationId,
                                Function<DeviceKey, Device> rows, boolean checkParents) {
        String id = item.deviceId();
        String requested = item.deviceScope();
        List<String> parents = item.parentScopes() == null || item.parentScopes().isEmpty() ? item.parentScopes()
                : item.parentScopes().stream().filter(s -> !s.isEmpty()).toList();
        boolean wasEdge = cur != null && cur.iotEdge();
        String ownBefore = wasEdge ? cur.deviceScope() : null;
        // a leaf's parent is its deviceScope (rows written before parentScopes was derived may lack the copy)
        List<String> parentsBefore = cur == null ? List.of()
                : !wasEdge && cur.parentScopes().isEmpty() && cur.deviceScope() != null ? List.of(cur.deviceScope())
                : cur.parentScopes();
        if (edge) {
            String own = ownBefore != null ? ownBefore
                    // an export's edge device keeps its scope when imported, so that its children's still name it
                    : cur == null && requested != null && id.equals(deviceIdOf(requested)) ? requested
                    : ownScope(id, generationId);
            // a client may send back the scope it read, and a leaf becoming an edge device its parent's scope
            boolean unchanged = requested == null || requested.isEmpty() || requested.equals(own)
                    || (cur != null && !wasEdge && requested.equals(cur.deviceScope()));
            if (!unchanged) {
                throw invalid("the deviceScope of IoT Edge device '" + id + "' is its own (" + own
                        + "), generated by the hub, and cannot be changed; an IoT Edge device names its parent in parentScopes");
            }
            List<String> next = parents != null ? parents : parentsBefore;
            if (!next.isEmpty() && !next.equals(parentsBefore)) checkParent(id, next.get(0), rows, checkParents);
            return new Device.Scopes(own, next);
        }
        // A leaf names its parent in deviceScope; a device leaving IoT Edge drops its own scope and keeps its parent.
        if (requested != null && requested.equals(ownBefore)) requested = null;
        String parent;
        if (requested != null) {
            parent = requested.isEmpty() ? null : requested;
            // parentScopes as read before (a client's update echoes them) give way to a new deviceScope
            if (parent != null && parents != null && !parents.isEmpty() && !parents.equals(List.of(parent))
                    && !parents.equals(parentsBefore)) {
                throw invalid("device '" + id + "' names two parents: deviceScope '" + parent + "' and parentScopes '"
                        + parents.get(0) + "'; a device that is not an IoT Edge device has its parent's scope in both");
            }
        } else if (parents != null && !parents.isEmpty()) {
            parent = parents.get(0);
        } else {
            parent = parentsBefore.isEmpty() ? null : parentsBefore.get(0);
        }
        boolean same = cur != null && parent != null && parentsBefore.equals(List.of(parent));
        if (parent != null && !same) checkParent(id, parent, rows, checkParents);
        return parent == null ? Device.Scopes.NONE : new Device.Scopes(parent, List.of(parent));
    }

    private static void checkParent(String id, String scope, Function<DeviceKey, Device> rows, boolean checkParents) {
        String parentId = deviceIdOf(scope);
        if (id.equals(parentId)) throw invalid("device '" + id + "' cannot be its own parent (scope '" + scope + "')");
        if (!checkParents) return;
        Device parent = parentId == null || !IdRules.isValidKey(parentId, null) ? null : rows.apply(DeviceKey.device(parentId));
        if (parent == null || (parent.iotEdge() && !scope.equals(parent.deviceScope()))) {
            throw invalid("the parent scope '" + scope + "' of device '" + id
                    + "' is no IoT Edge device's scope in this hub; a parent is named by its deviceScope");
        }
        if (!parent.iotEdge()) {
            throw invalid("device '" + parentId + "' cannot be the parent of device '" + id
                    + "': only IoT Edge devices (capabilities.iotEdge true) can be parents");
        }
        int above = 0; // levels above the parent
        for (Device d = parent; d != null && !d.parentScopes().isEmpty() && above < MAX_DEPTH; ) {
            String up = deviceIdOf(d.parentScopes().get(0));
            if (id.equals(up)) {
                throw invalid("device '" + parentId + "' is below device '" + id + "' in its hierarchy and cannot be its parent");
            }
            above++;
            d = up == null || !IdRules.isValidKey(up, null) ? null : rows.apply(DeviceKey.device(up));
        }
        if (above >= MAX_DEPTH) {
            throw invalid("device '" + parentId + "' is " + MAX_DEPTH + " levels below the top of its hierarchy and cannot"
                    + " have children: a hierarchy holds at most " + MAX_DEPTH + " levels below its top device");
        }
    }

    /** A system module of a new edge device: no credentials of its own (the edge runtime manages it), an empty twin. */
    static Device systemModule(Device device, String moduleId, long version, String generationId) {
        return new Device(new DeviceKey(device.deviceId(), moduleId), version, generationId,
                new Device.DeviceState(DeviceStatus.ENABLED, null, device.lastUpdated()),
                new Authentication(AuthType.NONE, null, null, null, null), false, Device.Scopes.NONE, MANAGED_BY,
                Twin.empty(), device.lastUpdated());
    }

    private static IoliteException invalid(String message) {
        return new IoliteException(ErrorCode.ARGUMENT_INVALID, message);
    }
}

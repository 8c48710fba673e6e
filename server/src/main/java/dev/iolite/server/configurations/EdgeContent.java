package dev.iolite.server.configurations;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iolite.server.errors.ErrorCode;
import dev.iolite.server.errors.IoliteException;
import dev.iolite.server.registry.Device;
import dev.iolite.server.registry.DeviceKey;
import dev.iolite.server.registry.RegistryService;
import dev.iolite.server.registry.Twin;
import dev.iolite.server.registry.TwinDocument;
import dev.iolite.server.registry.TwinRules;
import dev.iolite.server.store.StaleWriteException;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code POST /devices/{id}/applyConfigurationContent}
 * (https://learn.microsoft.com/rest/api/iothub/service/configuration/apply-on-edge-device): an IoT Edge deployment's
 * {@code modulesContent} written into one edge device's module twins at once, as {@code az iot edge set-modules}
 * does. Each named module's desired properties are replaced (a {@code properties.desired} key) or written at a path
 * ({@code properties.desired.x}). A named module without an identity is created, managed by {@code iotEdge}, as IoT
 * Hub does (its CLI's live test lists three modules after setting {@code $edgeAgent}, {@code $edgeHub} and one
 * more on a new edge device). All twins change in one transaction, or none.
 */
public final class EdgeContent {
    /** The {@code managedBy} of modules this creates, as of those the IoT Edge runtime manages. */
    static final String MANAGED_BY = "iotEdge";
    private static final int ATTEMPTS = 8;

    private final RegistryService registry;

    public EdgeContent(RegistryService registry) {
        this.registry = registry;
    }

    /**
     * Writes the content ({@code {"modulesContent":{module:{twin path:value}}}}) to the device's module twins.
     *
     * @throws IoliteException 404001 for a device that does not exist; 400402 for a content without
     *                         {@code modulesContent}, with another kind beside it, or whose paths or desired properties
     *                         are not valid; 400004 for a device that is not an IoT Edge device
     */
    public void apply(String hub, String deviceId, ObjectNode content) {
        ObjectNode modules = modulesContent(content);
        for (int attempt = 1; ; attempt++) {
            Map<DeviceKey, Device> read = registry.findWithModules(hub, java.util.List.of(deviceId));
            Device device = read.get(DeviceKey.device(deviceId));
            if (device == null) {
                throw new IoliteException(ErrorCode.DEVICE_NOT_FOUND, "device '" + deviceId + "' does not exist");
            }
            if (!device.iotEdge()) {
                throw new IoliteException(ErrorCode.ARGUMENT_INVALID, "device '" + deviceId + "' is not an IoT Edge device "
                        + "(capabilities.iotEdge); a configuration content is applied to an edge device's modules");
            }
            Map<DeviceKey, Twin> next = new LinkedHashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = modules.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> m = it.next();
                DeviceKey key = new DeviceKey(deviceId, m.getKey());
                Device cur = read.get(key);
                Twin twin = cur == null ? Twin.empty() : cur.twin();
                ObjectNode desired = ContentPaths.written(twin.desired().toTree(), (ObjectNode) m.getValue());
                try {
                    TwinRules.validateDesired(desired);
                } catch (IoliteException e) {
                    throw new IoliteException(ErrorCode.INVALID_CONFIGURATION_CONTENT, "modulesContent." + m.getKey()
                            + " would make desired properties past a twin's limits: " + e.getMessage());
                }
                next.put(key, new Twin(twin.tags(), TwinDocument.of(desired), twin.reported(), twin.version() + 1,
                        twin.configurations()));
            }
            try {
                registry.writeModuleTwins(hub, read, next, MANAGED_BY);
                return;
            } catch (StaleWriteException e) {
                if (attempt == ATTEMPTS) {
                    throw new IoliteException(ErrorCode.SERVICE_UNAVAILABLE, "the device's modules are changing too quickly; try again");
                }
            }
        }
    }

    /** The content's {@code modulesContent}, checked; the other kinds are configurations' and refused here. */
    private static ObjectNode modulesContent(ObjectNode content) {
        for (Configuration.ContentKind k : Configuration.ContentKind.values()) {
            JsonNode part = content.get(k.field());
            if (k == Configuration.ContentKind.MODULES || part == null || part.isNull() || (part.isObject() && part.isEmpty())) continue;
            throw new IoliteException(ErrorCode.INVALID_CONFIGURATION_CONTENT, "applyConfigurationContent writes "
                    + "modulesContent to an IoT Edge device's modules; " + k.field() + " is applied by a configuration");
        }
        JsonNode modules = content.get(Configuration.ContentKind.MODULES.field());
        if (modules == null || !modules.isObject() || modules.isEmpty()) {
            throw new IoliteException(ErrorCode.INVALID_CONFIGURATION_CONTENT,
                    "the content has no modulesContent: an object of module names to twin paths");
        }
        ConfigurationService.checkContent(Configuration.ContentKind.MODULES, (ObjectNode) modules, "");
        return (ObjectNode) modules;
    }
}

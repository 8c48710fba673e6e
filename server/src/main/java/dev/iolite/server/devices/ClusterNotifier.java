package dev.iolite.server.devices;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iolite.server.registry.Device;
import dev.iolite.server.registry.DeviceKey;
import dev.iolite.server.registry.RegistryListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.function.BiPredicate;

/**
 * {@link DeviceNotifier} for several nodes: what it does for this node's links, and, for identities that may be
 * connected to another node, the same news over the {@link NodeBus}, so that the node holding the connection
 * delivers the desired patch or closes the connection. With a bus that reaches no other node (SQLite) it watches
 * exactly what the local notifier watches, so a single node pays nothing for it.
 *
 * <p>A desired patch crosses only for an identity not connected here; a disconnect (disabled or deleted, which for
 * a device takes its modules along, and they may be connected elsewhere) always crosses. Inserts never do:
 * nothing can be connected as an identity that did not exist.
 */
public final class ClusterNotifier implements RegistryListener {
    private static final Logger LOG = LoggerFactory.getLogger(ClusterNotifier.class);
    static final String TOPIC = "registry";
    /** The bodies are cut at about this many characters, so that a bulk change makes several messages, not a huge one. */
    static final int BODY_CHARS = 64 * 1024;

    private final DeviceNotifier local;
    private final DeviceSessions sessions;
    private final NodeBus bus;
    private final ObjectMapper json;
    private final BiPredicate<String, DeviceKey> elsewhere;

    /** A notifier that takes every identity for possibly connected to another node. */
    public ClusterNotifier(DeviceSessions sessions, NodeBus bus, ObjectMapper json) {
        this(sessions, bus, json, (hub, key) -> true);
    }

    /**
     * A notifier that publishes only what may matter elsewhere.
     *
     * @param elsewhere whether {@code key} of {@code hub} may be connected to another node (for a device: the device
     *                  or any of its modules); it is asked for each written identity on the writer's thread, so it
     *                  must answer from memory. Without such knowledge, {@code (hub, key) -> true}: then on several
     *                  nodes a bulk change of many desired properties costs a message per about 64 KiB of patches.
     */
    public ClusterNotifier(DeviceSessions sessions, NodeBus bus, ObjectMapper json, BiPredicate<String, DeviceKey> elsewhere) {
        this.elsewhere = elsewhere;
        this.local = new DeviceNotifier(sessions);
        this.sessions = sessions;
        this.bus = bus;
        this.json = json;
        bus.subscribe(TOPIC, this::received);
    }

    @Override
    public boolean watches(String hub, DeviceKey key) {
        return local.watches(hub, key) || bus.reachesOthers() && elsewhere.test(hub, key);
    }

    @Override
    public void changed(String hub, List<Change> changes) {
        local.changed(hub, changes);
        if (!bus.reachesOthers()) return;
        ArrayNode items = json.createArrayNode();
        int chars = 0;
        for (Change c : changes) {
            if (!elsewhere.test(hub, c.key())) continue;
            ObjectNode item = remoteItem(hub, c);
            if (item == null) continue;
            items.add(item);
            chars += item.path("p").asText("").length() + 64;
            if (chars >= BODY_CHARS) {
                publish(hub, items);
                items = json.createArrayNode();
                chars = 0;
            }
        }
        if (!items.isEmpty()) publish(hub, items);
    }

    /** What another node must do about {@code c}, or null when nothing. */
    private ObjectNode remoteItem(String hub, Change c) {
        Device before = c.before();
        Device after = c.after();
        ObjectNode item = json.createObjectNode().put("d", c.key().deviceId());
        if (c.key().moduleId() != null) item.put("m", c.key().moduleId());
        if (after == null || !after.enabled()) {
            if (!before.enabled() && after != null) return null;  // was disabled already: nothing is connected as it
            return item.put("close", (after == null ? DeviceLink.CloseReason.DELETED : DeviceLink.CloseReason.DISABLED).name());
        }
        if (before.twin().desired().equals(after.twin().desired())) return null;
        if (sessions.find(hub, c.key()).isPresent()) return null;  // delivered here by the local notifier
        return item.put("v", after.twin().version()).put("p", before.twin().desired().patchTo(after.twin().desired()).toString());
    }

    private void publish(String hub, ArrayNode items) {
        ObjectNode body = json.createObjectNode().put("hub", hub);
        body.set("items", items);
        bus.publish(TOPIC, body.toString());
    }

    /** Another node's changes: deliver them to this node's links. */
    private void received(NodeBus.Envelope e) {
        JsonNode body;
        try {
            body = json.readTree(e.body());
        } catch (JsonProcessingException ex) {
            LOG.warn("node {} sent a registry change that is not JSON; ignored: {}", e.from(), ex.getOriginalMessage());
            return;
        }
        String hub = body.path("hub").asText();
        for (JsonNode item : body.path("items")) {
            DeviceKey key = new DeviceKey(item.path("d").asText(), item.hasNonNull("m") ? item.get("m").asText() : null);
            if (item.has("close")) {
                DeviceLink.CloseReason why = DeviceLink.CloseReason.valueOf(item.get("close").asText());
                if (key.moduleId() == null) {
                    for (DeviceLink l : sessions.ofDevice(hub, key.deviceId())) l.close(why);
                } else {
                    sessions.find(hub, key).ifPresent(l -> l.close(why));
                }
            } else {
                long version = item.path("v").asLong();
                String patch = item.path("p").asText();
                sessions.find(hub, key).filter(DeviceLink::acceptsDesired).ifPresent(l -> l.sendDesiredPatch(version, patch));
            }
        }
    }
}

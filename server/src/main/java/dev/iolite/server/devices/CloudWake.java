package dev.iolite.server.devices;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iolite.server.messages.CloudMessage;
import dev.iolite.server.messages.CloudMessages;
import dev.iolite.server.registry.DeviceKey;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells the link of an identity that its cloud-to-device queue gained a message: this node's link at once, and when
 * the identity is not connected here, the other nodes over the {@link NodeBus} (the node holding its connection
 * delivers). The bus delivers at most once; a wake it loses leaves the message in the store, delivered at the
 * device's next subscription or the next message's wake.
 */
public final class CloudWake implements CloudMessages.Wake {
    private static final Logger LOG = LoggerFactory.getLogger(CloudWake.class);
    static final String TOPIC = "c2d";

    private final DeviceSessions sessions;
    private final NodeBus bus;
    private final ObjectMapper json;

    public CloudWake(DeviceSessions sessions, NodeBus bus, ObjectMapper json) {
        this.sessions = sessions;
        this.bus = bus;
        this.json = json;
        bus.subscribe(TOPIC, this::received);
    }

    @Override
    public void stored(CloudMessage m) {
        DeviceKey key = new DeviceKey(m.deviceId(), m.moduleId());
        boolean here = sessions.find(m.hub(), key).map(link -> {
            link.cloudMessageStored(m);
            return true;
        }).orElse(false);
        if (here || !bus.reachesOthers()) return;
        ObjectNode n = json.createObjectNode().put("h", m.hub()).put("d", m.deviceId());
        if (m.moduleId() != null) n.put("m", m.moduleId());
        bus.publish(TOPIC, n.toString());
    }

    private void elsewhere(String hub, DeviceKey key) {
        sessions.find(hub, key).ifPresent(link -> link.cloudMessagesWaiting(true));
    }

    private void received(NodeBus.Envelope e) {
        try {
            JsonNode n = json.readTree(e.body());
            elsewhere(n.path("h").asText(), new DeviceKey(n.path("d").asText(), n.hasNonNull("m") ? n.get("m").asText() : null));
        } catch (JsonProcessingException | RuntimeException bad) {
            LOG.warn("a cloud-to-device wake from node {} could not be read: {}", e.from(), bad.toString());
        }
    }
}

package dev.iolite.server.hubapi;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iolite.server.errors.ErrorCode;
import dev.iolite.server.errors.IoliteException;
import dev.iolite.server.hubs.Hub;
import dev.iolite.server.json.JsonBodies;
import dev.iolite.server.messages.CloudMessage;
import dev.iolite.server.messages.CloudMessages;
import io.javalin.http.Context;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Base64;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Cloud-to-device messages over HTTPS: IoT Hub's purge ({@code DELETE /devices/{id}/commands}, answering
 * {@code {"deviceId": ..., "totalMessagesPurged": n}}), and, beyond IoT Hub (whose service clients send over AMQP),
 * {@code POST /iolite/devices/{id}/messages} for {@code iolite device send} and the Java client:
 * {@code {"body": TEXT | "bodyBase64": B64, "properties": {...}, "messageId", "correlationId", "contentType",
 * "contentEncoding", "ack", "expiryTimeUtc"}}, answering the queued message's ids and times. Both with ServiceConnect.
 */
public final class CloudMessagesHandler {
    public static final String SEND_PATH = "/iolite/devices/{id}/messages";

    private final CloudMessages cloud;
    private final ObjectMapper json;

    public CloudMessagesHandler(CloudMessages cloud, ObjectMapper json) {
        this.cloud = cloud;
        this.json = json;
    }

    void purge(Context ctx, Hub hub) {
        String deviceId = ctx.pathParam("id");
        int n = cloud.purge(hub.name(), deviceId, null);
        ObjectNode out = json.createObjectNode();
        out.put("deviceId", deviceId);
        out.put("totalMessagesPurged", n);
        ctx.json(out);
    }

    void send(Context ctx, Hub hub) {
        ObjectNode body = JsonBodies.requireObject(JsonBodies.parse(json, ctx.body()), "the message");
        String text = JsonBodies.text(body, "body", "body");
        String base64 = JsonBodies.text(body, "bodyBase64", "bodyBase64");
        if (text != null && base64 != null) throw new IoliteException(ErrorCode.ARGUMENT_INVALID, "give body or bodyBase64, not both");
        byte[] bytes;
        try {
            bytes = base64 != null ? Base64.getDecoder().decode(base64) : text == null ? new byte[0] : text.getBytes(StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new IoliteException(ErrorCode.ARGUMENT_INVALID, "bodyBase64 is not base64");
        }
        String deviceId = ctx.pathParam("id");
        Map<String, String> system = new LinkedHashMap<>();
        put(system, "message-id", JsonBodies.text(body, "messageId", "messageId"));
        put(system, "correlation-id", JsonBodies.text(body, "correlationId", "correlationId"));
        put(system, "content-type", JsonBodies.text(body, "contentType", "contentType"));
        put(system, "content-encoding", JsonBodies.text(body, "contentEncoding", "contentEncoding"));
        system.put("to", "/devices/" + deviceId + "/messages/devicebound");
        Map<String, String> application = new LinkedHashMap<>();
        ObjectNode props = JsonBodies.object(body, "properties", "properties");
        if (props != null) {
            for (Iterator<Map.Entry<String, JsonNode>> it = props.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (!e.getValue().isTextual()) {
                    throw new IoliteException(ErrorCode.ARGUMENT_INVALID, "properties." + e.getKey() + " must be a string");
                }
                application.put(e.getKey(), e.getValue().asText());
            }
        }
        String expiryText = JsonBodies.text(body, "expiryTimeUtc", "expiryTimeUtc");
        Instant expiry;
        try {
            expiry = expiryText == null ? null : Instant.parse(expiryText);
        } catch (DateTimeParseException e) {
            throw new IoliteException(ErrorCode.ARGUMENT_INVALID, "expiryTimeUtc must be a UTC time such as 2030-01-01T00:00:00Z");
        }
        CloudMessage m = cloud.send(hub.name(), deviceId, null, system, application, bytes, expiry,
                JsonBodies.text(body, "ack", "ack"));
        ObjectNode out = json.createObjectNode();
        out.put("deviceId", deviceId);
        if (m.messageId() != null) out.put("messageId", m.messageId());
        out.put("enqueuedTimeUtc", m.enqueued().toString());
        out.put("expiryTimeUtc", m.expiry().toString());
        out.put("ack", m.ack().wire());
        ctx.json(out);
    }

    private static void put(Map<String, String> system, String name, String value) {
        if (value != null) system.put(name, value);
    }
}

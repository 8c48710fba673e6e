package dev.iolite.client.models;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.List;

/**
 * Messages of a hub's built-in endpoint, as Iolite's {@code GET /iolite/messages} returns them (beyond IoT Hub),
 * and the cursor to read the next ones from.
 */
public final class MessagePage {
    private final String cursor;
    private final List<JsonNode> messages;

    /**
     * @param cursor   where the next read starts: each partition's next sequence number, separated by commas
     * @param messages the messages, each with {@code partition}, {@code sequenceNumber}, {@code offset},
     *                 {@code enqueuedTime}, {@code deviceId}, {@code moduleId} (modules only), {@code systemProperties},
     *                 {@code properties}, and {@code body} (UTF-8 text) or {@code bodyBase64}
     */
    public MessagePage(String cursor, List<JsonNode> messages) {
        this.cursor = cursor;
        this.messages = List.copyOf(messages);
    }

    /** @return the cursor to pass to the next read */
    public String getCursor() { return cursor; }

    /** @return the messages, oldest first within each partition */
    public List<JsonNode> getMessages() { return messages; }
}

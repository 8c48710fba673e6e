package dev.iolite.server.messages;

import java.util.List;

/** Messages read after a cursor, and the cursor to read the next ones from. */
public record MessagePage(List<StoredMessage> messages, MessageCursor cursor) {
    public MessagePage {
        messages = List.copyOf(messages);
    }
}

package dev.iolite.server.hubapi;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iolite.server.errors.ErrorCode;
import dev.iolite.server.errors.IoliteException;
import dev.iolite.server.hubs.Hub;
import dev.iolite.server.messages.MessageCursor;
import dev.iolite.server.messages.MessageFeed;
import dev.iolite.server.messages.MessagePage;
import dev.iolite.server.messages.StoredMessage;
import io.javalin.http.Context;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;

/**
 * Beyond IoT Hub: the built-in endpoint's messages over HTTPS, for {@code iolite messages tail} until an Event
 * Hubs-compatible reader exists. {@code GET /iolite/messages} with ServiceConnect returns
 * {@code {"cursor": "...", "messages": [...]}}: the messages after {@code cursor} (the partitions' next sequence
 * numbers, separated by commas, as a previous answer gave it), or without a cursor from {@code from=start} (the
 * oldest kept, the default) or {@code from=now}; only those of {@code deviceId} when given. With {@code wait}
 * (seconds, at most {@link #MAX_WAIT}) an empty answer waits until a message arrives or the time passes.
 */
public final class MessagesHandler {
    public static final String PATH = "/iolite/messages";
    /** The longest a read waits for a message, in seconds: below the HTTPS listener's 30 s idle timeout (Jetty's default). */
    public static final int MAX_WAIT = 25;
    /** Messages per answer: {@code maxItems} defaults to 100 and may be up to 1,000. */
    public static final int DEFAULT_ITEMS = 100;
    public static final int MAX_ITEMS = 1000;
    /** An answer stops after the message that takes it past 1 MiB of bodies and properties (4 of IoT Hub's largest). */
    public static final long MAX_PAGE_BYTES = 1L << 20;

    private final MessageFeed feed;
    private final ObjectMapper json;

    public MessagesHandler(MessageFeed feed, ObjectMapper json) {
        this.feed = feed;
        this.json = json;
    }

    void tail(Context ctx, Hub hub) {
        String cursorText = ctx.queryParam("cursor");
        String from = ctx.queryParam("from");
        MessageCursor cursor;
        if (cursorText != null) {
            if (from != null) throw invalid("give either cursor or from, not both");
            cursor = MessageCursor.parse(cursorText, feed.partitions(), "cursor");
        } else if (from == null || from.equalsIgnoreCase("start")) {
            cursor = feed.start();
        } else if (from.equalsIgnoreCase("now")) {
            cursor = feed.end(hub.name());
        } else {
            throw invalid("from must be start or now, not '" + from + "'");
        }
        String deviceId = ctx.queryParam("deviceId");
        if (deviceId != null && (deviceId.isEmpty() || deviceId.length() > 128)) throw invalid("deviceId must be 1 to 128 characters");
        int wait = number(ctx, "wait", 0, 0, MAX_WAIT);
        int maxItems = number(ctx, "maxItems", DEFAULT_ITEMS, 1, MAX_ITEMS);
        MessageFeed.Request request = new MessageFeed.Request(hub.name(), cursor, deviceId, maxItems, MAX_PAGE_BYTES);
        ctx.future(() -> feed.next(request, Duration.ofSeconds(wait)).thenAccept(page -> ctx.json(page(page))));
    }

    private static int number(Context ctx, String name, int otherwise, int min, int max) {
        String text = ctx.queryParam(name);
        if (text == null) return otherwise;
        if (!text.matches("[0-9]{1,9}") || Integer.parseInt(text) < min || Integer.parseInt(text) > max) {
            throw invalid(name + " must be a whole number from " + min + " to " + max + ", not '" + text + "'");
        }
        return Integer.parseInt(text);
    }

    private static IoliteException invalid(String message) { return new IoliteException(ErrorCode.ARGUMENT_INVALID, message); }

    private ObjectNode page(MessagePage page) {
        ObjectNode n = json.createObjectNode();
        n.put("cursor", page.cursor().text());
        ArrayNode messages = n.putArray("messages");
        for (StoredMessage m : page.messages()) messages.add(message(m));
        return n;
    }

    /** A message with the names an Event Hubs reader uses; a body that is not UTF-8 text comes as {@code bodyBase64}. */
    private ObjectNode message(StoredMessage m) {
        ObjectNode n = json.createObjectNode();
        n.put("partition", m.partition());
        n.put("sequenceNumber", m.sequence());
        n.put("offset", Long.toString(m.offset()));
        n.put("enqueuedTime", m.enqueued().toString());
        n.put("deviceId", m.deviceId());
        if (m.moduleId() != null) n.put("moduleId", m.moduleId());
        ObjectNode system = n.putObject("systemProperties");
        for (Map.Entry<String, String> e : m.system().entrySet()) system.put(e.getKey(), e.getValue());
        ObjectNode app = n.putObject("properties");
        for (Map.Entry<String, String> e : m.application().entrySet()) app.put(e.getKey(), e.getValue());
        String text = utf8(m.body());
        if (text != null) n.put("body", text);
        else n.put("bodyBase64", Base64.getEncoder().encodeToString(m.body()));
        return n;
    }

    private static String utf8(byte[] body) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(body)).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }
}

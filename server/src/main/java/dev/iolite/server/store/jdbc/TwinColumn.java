package dev.iolite.server.store.jdbc;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.io.JsonStringEncoder;
import dev.iolite.server.registry.Device;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.util.Arrays;

/**
 * The {@code twin} column of a device row: one JSON object shaped like the wire twin, holding what
 * queries filter and group by outside the key columns and the tags (which have their own column, the
 * one most queries read, kept small so that scanning it is fast), so that a query's path is the
 * column's path:
 *
 * <pre>{"properties":{"desired":{...},"reported":{...}},"statusReason":"..."|null,
 * "statusUpdateTime":EPOCH_MS,"authenticationType":"sas","capabilities":{"iotEdge":false},"deviceScope":"..."|null}</pre>
 *
 * <p>One column rather than seven: a bulk import binds every column of a million rows, and each bound
 * column costs about as much as its bytes. The documents are copied in as the UTF-8 they are stored as,
 * and read back as slices of the column's text, never parsed and re-serialized on the way.
 */
final class TwinColumn {
    private static final JsonFactory FACTORY = new JsonFactory();
    private static final JsonStringEncoder QUOTE = JsonStringEncoder.getInstance();
    private static final byte[] DESIRED = ascii("{\"properties\":{\"desired\":");
    private static final byte[] REPORTED = ascii(",\"reported\":");
    private static final byte[] REASON = ascii("},\"statusReason\":");
    private static final byte[] UPDATED = ascii(",\"statusUpdateTime\":");
    private static final byte[] AUTH = ascii(",\"authenticationType\":");
    private static final byte[] EDGE = ascii(",\"capabilities\":{\"iotEdge\":");
    private static final byte[] SCOPE = ascii("},\"deviceScope\":");
    private static final byte[] NULL = ascii("null");
    private static final byte[] TRUE = ascii("true");
    private static final byte[] FALSE = ascii("false");
    private static final byte[] MARK = ascii("\"");
    private static final byte[] END = ascii("}");

    private TwinColumn() {}

    /** What a row's twin column holds, read back. Documents are JSON text. */
    record Values(String desired, String reported, String statusReason, long statusUpdated, String authType,
                  boolean iotEdge, String deviceScope) {}

    /** Builds one column value; reusable. Not thread-safe. */
    static final class Writer {
        private byte[] buf = new byte[1024];
        private int len;

        byte[] write(Device d) {
            return write(d.twin().desired().utf8(), d.twin().reported().utf8(), d.statusReason(),
                    d.statusUpdatedTime().toEpochMilli(), d.authentication().type().wireName(), d.iotEdge(), d.deviceScope());
        }

        /** The column's value from its parts; the documents are JSON objects in UTF-8. */
        byte[] write(byte[] desired, byte[] reported, String statusReason, long statusUpdated, String authType,
                     boolean iotEdge, String deviceScope) {
            len = 0;
            put(DESIRED).put(desired);
            put(REPORTED).put(reported);
            put(REASON).string(statusReason);
            put(UPDATED).put(ascii(Long.toString(statusUpdated)));
            put(AUTH).string(authType);
            put(EDGE).put(iotEdge ? TRUE : FALSE);
            put(SCOPE).string(deviceScope);
            put(END);
            return Arrays.copyOf(buf, len);
        }

        private Writer string(String s) {
            if (s == null) return put(NULL);
            put(MARK);
            put(QUOTE.quoteAsUTF8(s));
            return put(MARK);
        }

        private Writer put(byte[] b) {
            if (len + b.length > buf.length) buf = Arrays.copyOf(buf, Math.max(buf.length * 2, len + b.length));
            System.arraycopy(b, 0, buf, len, b.length);
            len += b.length;
            return this;
        }
    }

    /** Reads a stored twin column (compact as written, or as the database renders it, as PostgreSQL's jsonb does). */
    static Values read(String text) throws SQLException {
        String desired = "{}";
        String reported = "{}";
        String reason = null;
        long updated = 0;
        String auth = "sas";
        boolean edge = false;
        String scope = null;
        try (JsonParser p = FACTORY.createParser(text)) {
            if (p.nextToken() != JsonToken.START_OBJECT) throw new SQLException("a stored twin is not a JSON object");
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken value = p.nextToken();
                switch (name) {
                    case "properties" -> {
                        while (p.nextToken() == JsonToken.FIELD_NAME) {
                            String inner = p.currentName();
                            p.nextToken();
                            if (inner.equals("desired")) desired = slice(p, text);
                            else if (inner.equals("reported")) reported = slice(p, text);
                            else p.skipChildren();
                        }
                    }
                    case "statusReason" -> reason = value == JsonToken.VALUE_NULL ? null : p.getText();
                    case "statusUpdateTime" -> updated = p.getLongValue();
                    case "authenticationType" -> auth = p.getText();
                    case "capabilities" -> {
                        while (p.nextToken() == JsonToken.FIELD_NAME) {
                            String inner = p.currentName();
                            p.nextToken();
                            if (inner.equals("iotEdge")) edge = p.getBooleanValue();
                            else p.skipChildren();
                        }
                    }
                    case "deviceScope" -> scope = value == JsonToken.VALUE_NULL ? null : p.getText();
                    default -> p.skipChildren();
                }
            }
        } catch (IOException e) {
            throw new SQLException("a stored twin is not valid JSON: " + e.getMessage(), e);
        }
        return new Values(desired, reported, reason, updated, auth, edge, scope);
    }

    /** The text of the object the parser is at, as stored; the parser ends after it. */
    private static String slice(JsonParser p, String text) throws IOException {
        if (p.currentToken() != JsonToken.START_OBJECT) throw new IOException("a twin document is not an object");
        int from = (int) p.currentTokenLocation().getCharOffset();
        p.skipChildren();
        int to = (int) p.currentLocation().getCharOffset();
        return text.substring(from, to);
    }

    private static byte[] ascii(String s) { return s.getBytes(StandardCharsets.US_ASCII); }
}

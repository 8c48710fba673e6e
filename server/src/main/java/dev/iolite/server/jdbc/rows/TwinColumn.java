package dev.iolite.server.jdbc.rows;

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
 * The {@code twin} column of a device row: one JSON object with what queries filter and group by
 * beside the tags (which have a column of their own, the one most queries read) and the status time
 * (a column too), under short names, since every byte of it is written a million times by a bulk import:
 *
 * <pre>{"d":{desired...},"r":{reported...},"c":{configurations...},"sr":"status reason","at":"selfSigned","e":true,"ds":"device scope"}</pre>
 *
 * <p>A field with its usual value is left out ({@code c} when no configuration targets the twin, {@code sr} and
 * {@code ds} when null, {@code at} when
 * {@code sas}, {@code e} when false); queries read such a field with its default ({@code QuerySql}, which
 * maps twin paths to these names). The documents are copied in as the UTF-8 they are stored as, and read
 * back as slices of the column's text, never parsed on the way. The identity fields here are copies of
 * the row's body, which reads take them from.
 */
public final class TwinColumn {
    private static final JsonFactory FACTORY = new JsonFactory();
    private static final JsonStringEncoder QUOTE = JsonStringEncoder.getInstance();
    /** The stored names, which {@code QuerySql} maps twin paths to. */
    public static final String DESIRED_KEY = "d";
    public static final String REPORTED_KEY = "r";
    public static final String CONFIGURATIONS_KEY = "c";
    public static final String REASON_KEY = "sr";
    public static final String AUTH_KEY = "at";
    public static final String EDGE_KEY = "e";
    public static final String SCOPE_KEY = "ds";
    private static final byte[] DESIRED = ascii("{\"" + DESIRED_KEY + "\":");
    private static final byte[] REPORTED = ascii(",\"" + REPORTED_KEY + "\":");
    private static final byte[] CONFIGURATIONS = ascii(",\"" + CONFIGURATIONS_KEY + "\":");
    private static final byte[] REASON = ascii(",\"" + REASON_KEY + "\":");
    private static final byte[] AUTH = ascii(",\"" + AUTH_KEY + "\":");
    private static final byte[] EDGE = ascii(",\"" + EDGE_KEY + "\":true");
    private static final byte[] SCOPE = ascii(",\"" + SCOPE_KEY + "\":");
    private static final byte[] NULL = ascii("null");
    /** The authentication type a row leaves out. */
    public static final String DEFAULT_AUTH = "sas";
    private static final byte[] MARK = ascii("\"");
    private static final byte[] END = ascii("}");

    private TwinColumn() {}

    /** Builds one column value; reusable. Not thread-safe. */
    public static final class Writer {
        private byte[] buf = new byte[1024];
        private int len;

        public byte[] write(Device d) {
            return write(d.twin().desired().utf8(), d.twin().reported().utf8(),
                    d.twin().configurations().isEmpty() ? null : d.twin().configurations().utf8(), d.statusReason(),
                    d.authentication().type().wireName(), d.iotEdge(), d.deviceScope());
        }

        /** The column's value from its parts; the documents are JSON objects in UTF-8 ({@code configurations} may be null). */
        public byte[] write(byte[] desired, byte[] reported, byte[] configurations, String statusReason, String authType,
                            boolean iotEdge, String deviceScope) {
            len = 0;
            put(DESIRED).put(desired);
            put(REPORTED).put(reported);
            if (configurations != null) put(CONFIGURATIONS).put(configurations);
            if (statusReason != null) put(REASON).string(statusReason);
            if (!DEFAULT_AUTH.equals(authType)) put(AUTH).string(authType);
            if (iotEdge) put(EDGE);
            if (deviceScope != null) put(SCOPE).string(deviceScope);
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

    /**
     * The desired and reported properties and the configurations section of a stored twin column (its UTF-8), as
     * JSON text. A column as
     * this class writes it (SQLite keeps it verbatim) is cut at its braces without a parse; any other
     * rendering (such as PostgreSQL's jsonb text) is parsed. Bytes of multi-byte characters are never
     * braces or quotes, so the cut works on the bytes.
     */
    public static String[] properties(byte[] utf8) throws SQLException {
        int desiredAt = DESIRED.length;
        if (startsWith(utf8, 0, DESIRED)) {
            int desiredEnd = objectEnd(utf8, desiredAt);
            if (desiredEnd > 0 && startsWith(utf8, desiredEnd, REPORTED)) {
                int reportedAt = desiredEnd + REPORTED.length;
                int reportedEnd = objectEnd(utf8, reportedAt);
                if (reportedEnd > 0) {
                    String configurations = "{}";
                    if (startsWith(utf8, reportedEnd, CONFIGURATIONS)) {
                        int at = reportedEnd + CONFIGURATIONS.length;
                        int end = objectEnd(utf8, at);
                        if (end < 0) return parsedProperties(new String(utf8, StandardCharsets.UTF_8));
                        configurations = new String(utf8, at, end - at, StandardCharsets.UTF_8);
                    }
                    return new String[] {new String(utf8, desiredAt, desiredEnd - desiredAt, StandardCharsets.UTF_8),
                            new String(utf8, reportedAt, reportedEnd - reportedAt, StandardCharsets.UTF_8), configurations};
                }
            }
        }
        return parsedProperties(new String(utf8, StandardCharsets.UTF_8));
    }

    private static boolean startsWith(byte[] b, int at, byte[] prefix) {
        if (at + prefix.length > b.length) return false;
        for (int i = 0; i < prefix.length; i++) if (b[at + i] != prefix[i]) return false;
        return true;
    }

    /** The index just after the JSON object starting at {@code from}, or -1 when there is none. */
    private static int objectEnd(byte[] b, int from) {
        if (from >= b.length || b[from] != '{') return -1;
        int depth = 0;
        boolean inString = false;
        for (int i = from; i < b.length; i++) {
            byte c = b[i];
            if (inString) {
                if (c == '\\') i++;
                else if (c == '"') inString = false;
            } else if (c == '"') {
                inString = true;
            } else if (c == '{' || c == '[') {
                depth++;
            } else if (c == '}' || c == ']') {
                if (--depth == 0) return i + 1;
            }
        }
        return -1;
    }

    private static String[] parsedProperties(String text) throws SQLException {
        String desired = "{}";
        String reported = "{}";
        String configurations = "{}";
        try (JsonParser p = FACTORY.createParser(text)) {
            if (p.nextToken() != JsonToken.START_OBJECT) throw new SQLException("a stored twin is not a JSON object");
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                p.nextToken();
                if (name.equals(DESIRED_KEY)) desired = slice(p, text);
                else if (name.equals(REPORTED_KEY)) reported = slice(p, text);
                else if (name.equals(CONFIGURATIONS_KEY)) configurations = slice(p, text);
                else p.skipChildren();
            }
        } catch (IOException e) {
            throw new SQLException("a stored twin is not valid JSON: " + e.getMessage(), e);
        }
        return new String[] {desired, reported, configurations};
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

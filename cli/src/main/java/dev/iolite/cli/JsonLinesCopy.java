package dev.iolite.cli;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.StreamWriteFeature;
import com.fasterxml.jackson.core.io.SerializedString;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.SequenceInputStream;

/**
 * Copies an import file into the blob an import reads, which is JSON Lines (one device per line). A
 * file that starts with {@code [} is a JSON array, as many tools print one on a line or over many:
 * it is converted while it is copied, element by element with Jackson's streaming parser, so no file
 * is held in memory. Anything else is copied byte for byte, and the server reports each line that is
 * not a device in the error log.
 */
final class JsonLinesCopy {
    /** How much of the file is looked at for its first character: past it, the file is taken as JSON Lines. */
    private static final int HEAD = 64 * 1024;
    private static final JsonFactory JSON = JsonFactory.builder()
            .disable(StreamWriteFeature.AUTO_CLOSE_TARGET).disable(StreamReadFeature.AUTO_CLOSE_SOURCE).build();

    /** What was copied: JSON Lines as they were, or the given number of a JSON array's elements. */
    record Copied(boolean array, long elements) {}

    /** A file that starts as a JSON array but is not one: its place and the parser's words. */
    static final class NotAnArray extends IOException {
        NotAnArray(String message) { super(message); }
    }

    private JsonLinesCopy() {}

    static Copied copy(InputStream in, OutputStream out) throws IOException {
        byte[] head = new byte[HEAD];
        int n = in.readNBytes(head, 0, head.length);
        if (first(head, n) != '[') {
            out.write(head, 0, n);
            in.transferTo(out);
            return new Copied(false, 0);
        }
        try (JsonParser p = JSON.createParser(new SequenceInputStream(new ByteArrayInputStream(head, 0, n), in));
             JsonGenerator g = JSON.createGenerator(out)) {
            g.setRootValueSeparator(new SerializedString("\n"));
            p.nextToken();  // the array's [
            long elements = 0;
            for (JsonToken t = p.nextToken(); t != JsonToken.END_ARRAY; t = p.nextToken()) {
                if (t == null) throw new NotAnArray("the JSON array ends before its closing ]");
                copyValue(p, g);
                elements++;
            }
            if (p.nextToken() != null) {
                throw new NotAnArray("more follows the JSON array's closing ] at " + where(p));
            }
            g.flush();
            if (elements > 0) out.write('\n');
            return new Copied(true, elements);
        } catch (JsonProcessingException e) {
            throw new NotAnArray("the file starts as a JSON array but is not valid JSON at "
                    + (e.getLocation() == null ? "an unknown place" : "line " + e.getLocation().getLineNr()
                    + ", column " + e.getLocation().getColumnNr()) + ": " + e.getOriginalMessage());
        }
    }

    /** Copies the value at the parser's token, token by token; numbers keep their written form. */
    private static void copyValue(JsonParser p, JsonGenerator g) throws IOException {
        int depth = 0;
        do {
            JsonToken t = p.currentToken();
            if (t == null) throw new NotAnArray("the JSON array ends inside an element");
            g.copyCurrentEventExact(p);
            if (t.isStructStart()) depth++;
            else if (t.isStructEnd()) depth--;
        } while (depth > 0 && p.nextToken() != JsonToken.NOT_AVAILABLE);
    }

    private static String where(JsonParser p) {
        return "line " + p.currentLocation().getLineNr() + ", column " + p.currentLocation().getColumnNr();
    }

    /** The first character that is not white space or a UTF-8 byte-order mark, or -1. */
    private static int first(byte[] b, int n) {
        for (int i = 0; i < n; i++) {
            if (i == 0 && n >= 3 && (b[0] & 0xff) == 0xEF && (b[1] & 0xff) == 0xBB && (b[2] & 0xff) == 0xBF) {
                i = 2;
                continue;
            }
            if (b[i] != ' ' && b[i] != '\t' && b[i] != '\r' && b[i] != '\n') return b[i];
        }
        return -1;
    }
}

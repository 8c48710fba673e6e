package dev.iolite.server.hubapi;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * One page of a query's answer, a JSON array written row by row as the store reads the rows, and cut at
 * {@link #BUDGET} bytes. The page waits in memory before it is sent because its {@code x-ms-continuation}
 * header, which goes before the body, depends on where it was cut; it is bounded all the same: the budget
 * plus one row, which the server's twin size limits bound (tags, desired and reported properties), and the
 * query connections that can fill pages at once are few (the store's query shares).
 */
final class QueryPage {
    /** Bytes of JSON per page: a page stops before the row that would take it past this, rows left for the next. */
    static final int BUDGET = 4 * 1024 * 1024;

    /** Writes one row (a JSON value) to the page's generator. */
    @FunctionalInterface
    interface Row {
        void write(JsonGenerator g) throws IOException;
    }

    private final Buffer out = new Buffer();
    private final JsonGenerator g;
    private int rows;

    QueryPage(ObjectMapper json) {
        try {
            g = json.getFactory().createGenerator(out);
            g.writeStartArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);  // writes to memory do not fail
        }
    }

    /** Adds a row; false, leaving it out, when it would take the page past its budget (a page holds at least one). */
    boolean add(Row row) {
        try {
            g.flush();
            int mark = out.size();
            row.write(g);
            g.flush();
            if (rows > 0 && out.size() > BUDGET) {
                out.truncate(mark);  // the separator and the row; the array's end follows in finish()
                return false;
            }
            rows++;
            return true;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    int rows() { return rows; }

    /** The page's bytes, the array closed. */
    InputStream finish() {
        try {
            g.writeEndArray();
            g.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.read();
    }

    private static final class Buffer extends ByteArrayOutputStream {
        Buffer() { super(64 * 1024); }

        void truncate(int size) { count = size; }

        InputStream read() { return new ByteArrayInputStream(buf, 0, count); }
    }
}

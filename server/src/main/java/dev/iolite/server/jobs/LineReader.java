package dev.iolite.server.jobs;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;

/**
 * Splits a byte stream into lines while counting byte offsets, so an import can checkpoint the
 * exact position of the next line. A line longer than {@code maxLine} is reported as too long and
 * skipped to its end, without holding it in memory.
 */
final class LineReader {
    /** One line: its number, the offset just after it, and its bytes (null when it was too long). */
    record Line(long number, long endOffset, byte[] bytes, int length) {
        boolean tooLong() { return bytes == null; }
    }

    private final InputStream in;
    private final int maxLine;
    private final byte[] buf = new byte[1 << 20];
    private int pos;
    private int limit;
    private long offset;
    private long lineNumber;
    private byte[] line = new byte[4096];

    LineReader(InputStream in, long startOffset, long linesBefore, int maxLine) {
        this.in = in;
        this.offset = startOffset;
        this.lineNumber = linesBefore;
        this.maxLine = maxLine;
    }

    /** The next line, or null at the end of the stream. The returned bytes are reused by the next call. */
    Line next() throws IOException {
        int len = 0;
        boolean tooLong = false;
        boolean any = false;
        while (true) {
            if (pos == limit) {
                limit = in.read(buf, 0, buf.length);
                pos = 0;
                if (limit <= 0) {
                    limit = 0;
                    if (!any) return null;
                    break;
                }
            }
            any = true;
            int start = pos;
            int nl = -1;
            for (int i = pos; i < limit; i++) {
                if (buf[i] == '\n') {
                    nl = i;
                    break;
                }
            }
            int end = nl < 0 ? limit : nl;
            int chunk = end - start;
            if (!tooLong) {
                if (len + chunk > maxLine) {
                    tooLong = true;
                } else {
                    if (len + chunk > line.length) line = Arrays.copyOf(line, Math.max(line.length * 2, len + chunk));
                    System.arraycopy(buf, start, line, len, chunk);
                    len += chunk;
                }
            }
            offset += chunk;
            pos = end;
            if (nl >= 0) {
                pos++;
                offset++;
                break;
            }
        }
        lineNumber++;
        if (tooLong) return new Line(lineNumber, offset, null, 0);
        if (len > 0 && line[len - 1] == '\r') len--;
        return new Line(lineNumber, offset, line, len);
    }
}

package dev.iolite.server.jdbc.rows;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The packed payload of a device row: every field that no query filters or sorts by, in one BLOB.
 *
 * <p>One column instead of sixteen: binding and reading a column through JDBC costs about as much as
 * its bytes, and a bulk import writes a million rows. The format is a format byte, then the fields
 * in a fixed order: strings as an unsigned varint of (UTF-8 length + 1), 0 meaning null, then the
 * bytes; times as unsigned varints of epoch milliseconds; flags as one byte.
 *
 * <p>Field order of format 1 (format 2 leaves out tags, desired and reported): generation id, status reason, status updated, authentication type,
 * primary key, secondary key, primary thumbprint, secondary thumbprint, IoT Edge flag, device scope,
 * parent scopes (JSON array text), managed by, tags, desired, reported (JSON object text), last updated.
 *
 * <p>A row an import wrote ends with the import's mark: its job tag (8 bytes, big-endian) and the blob
 * line that wrote the row (a varint). Rows without it simply end after the last field, so rows written
 * before marks existed read as unmarked.
 */
public final class DeviceBody {
    public static final int FORMAT = 1;
    /** Format 2: the same fields without the three twin documents (PostgreSQL's rows before schema 7). */
    public static final int FORMAT_WITHOUT_TWIN = 2;
    /**
     * Format 4, what both stores write since schema 7: format 2 without the status time, which is a
     * column of the row (queries compare it).
     */
    public static final int FORMAT_LEAN = 4;

    private DeviceBody() {}

    /** Builds one body; reusable after {@link #toBytes}. Not thread-safe. */
    public static final class Writer {
        private byte[] buf = new byte[512];
        private int len;

        public Writer begin() { return begin(FORMAT); }

        public Writer begin(int format) {
            len = 0;
            put(format);
            return this;
        }

        public Writer string(String s) {
            if (s == null) {
                put(0);
                return this;
            }
            // Ids, keys and etags are ASCII: copy chars straight, fall back to the encoder otherwise.
            int n = s.length();
            if (isAscii(s, n)) {
                varint(n + 1L);
                ensure(n);
                for (int i = 0; i < n; i++) buf[len++] = (byte) s.charAt(i);
            } else {
                bytes(s.getBytes(StandardCharsets.UTF_8));
            }
            return this;
        }

        /** A field already encoded as UTF-8 (a serialized twin document). */
        public Writer utf8(byte[] b, int from, int count) {
            varint(count + 1L);
            ensure(count);
            System.arraycopy(b, from, buf, len, count);
            len += count;
            return this;
        }

        public Writer bytes(byte[] b) { return utf8(b, 0, b.length); }

        public Writer time(long epochMillis) {
            if (epochMillis < 0) throw new IllegalArgumentException("time before 1970: " + epochMillis);
            varint(epochMillis);
            return this;
        }

        /** Eight bytes, big-endian (a number whose bits are all significant, such as a hash). */
        public Writer fixed64(long v) {
            ensure(8);
            for (int shift = 56; shift >= 0; shift -= 8) buf[len++] = (byte) (v >>> shift);
            return this;
        }

        /** An unsigned varint. */
        public Writer number(long v) {
            if (v < 0) throw new IllegalArgumentException("negative: " + v);
            varint(v);
            return this;
        }

        public Writer flag(boolean value) {
            put(value ? 1 : 0);
            return this;
        }

        public byte[] toBytes() { return Arrays.copyOf(buf, len); }

        private void varint(long v) {
            ensure(10);
            while ((v & ~0x7FL) != 0) {
                buf[len++] = (byte) ((v & 0x7F) | 0x80);
                v >>>= 7;
            }
            buf[len++] = (byte) v;
        }

        private void put(int b) {
            ensure(1);
            buf[len++] = (byte) b;
        }

        private void ensure(int more) {
            if (len + more > buf.length) buf = Arrays.copyOf(buf, Math.max(buf.length * 2, len + more));
        }

        private static boolean isAscii(String s, int n) {
            for (int i = 0; i < n; i++) {
                if (s.charAt(i) >= 0x80) return false;
            }
            return true;
        }
    }

    /** Reads one body's fields in order. */
    public static final class Reader {
        private final byte[] buf;
        private int pos;

        public Reader(byte[] buf) { this(buf, FORMAT); }

        public Reader(byte[] buf, int format) {
            if (buf == null || buf.length == 0) throw new IllegalStateException("a device row has no body");
            if (buf[0] != format) throw new IllegalStateException("a device row body has format " + buf[0] + ", not " + format);
            this.buf = buf;
            this.pos = 1;
        }

        public String string() {
            long n = varint();
            if (n == 0) return null;
            int count = (int) (n - 1);
            check(count);
            String s = new String(buf, pos, count, StandardCharsets.UTF_8);
            pos += count;
            return s;
        }

        public long time() { return varint(); }

        public boolean flag() {
            check(1);
            return buf[pos++] != 0;
        }

        public long fixed64() {
            check(8);
            long v = 0;
            for (int i = 0; i < 8; i++) v = (v << 8) | (buf[pos++] & 0xff);
            return v;
        }

        public long number() { return varint(); }

        /** Whether fields follow (an optional trailing section). */
        public boolean hasMore() { return pos < buf.length; }

        private long varint() {
            long v = 0;
            for (int shift = 0; shift < 64; shift += 7) {
                check(1);
                byte b = buf[pos++];
                v |= (long) (b & 0x7F) << shift;
                if (b >= 0) return v;
            }
            throw new IllegalStateException("a device row body has a malformed number");
        }

        private void check(int count) {
            if (count < 0 || pos + count > buf.length) throw new IllegalStateException("a device row body is truncated");
        }
    }
}

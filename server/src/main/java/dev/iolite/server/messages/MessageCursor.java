package dev.iolite.server.messages;

import dev.iolite.server.errors.ErrorCode;
import dev.iolite.server.errors.IoliteException;

import java.util.Arrays;

/**
 * Where a reader of a hub's messages stands: for each partition, the sequence number it reads next. On the wire it
 * is the partitions' positions in order, separated by commas ({@code 12,0,7,3}), so a reader can also start at
 * positions it chose.
 */
public record MessageCursor(long[] next) {
    /** The longest cursor text taken: 32 partitions of 19 digits. */
    static final int MAX_TEXT = 32 * 20;

    public MessageCursor {
        next = next.clone();
    }

    /** A cursor at sequence number 0 of every partition: the oldest kept messages. */
    public static MessageCursor start(int partitions) { return new MessageCursor(new long[partitions]); }

    /** Parses the wire form for a hub of {@code partitions}; a malformed one is a 400 naming {@code name}. */
    public static MessageCursor parse(String text, int partitions, String name) {
        if (text.length() > MAX_TEXT) throw bad(name, "is too long");
        String[] parts = text.split(",", -1);
        if (parts.length != partitions) {
            throw bad(name, "must hold " + partitions + " positions (one per partition, separated by commas), not " + parts.length);
        }
        long[] next = new long[partitions];
        for (int i = 0; i < partitions; i++) {
            String p = parts[i].strip();
            if (!p.matches("[0-9]{1,18}")) throw bad(name, "holds '" + p + "' for partition " + i + ": a sequence number (0 or more) is needed");
            next[i] = Long.parseLong(p);
        }
        return new MessageCursor(next);
    }

    private static IoliteException bad(String name, String problem) {
        return new IoliteException(ErrorCode.ARGUMENT_INVALID, name + " " + problem);
    }

    /** The sequence number partition {@code p} reads next. */
    public long at(int p) { return next[p]; }

    /** This cursor with partition {@code p} at {@code sequence}. */
    public MessageCursor with(int p, long sequence) {
        long[] n = next.clone();
        n[p] = sequence;
        return new MessageCursor(n);
    }

    public int partitions() { return next.length; }

    /** The wire form. */
    public String text() {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < next.length; i++) b.append(i == 0 ? "" : ",").append(next[i]);
        return b.toString();
    }

    @Override
    public boolean equals(Object o) { return o instanceof MessageCursor c && Arrays.equals(next, c.next); }

    @Override
    public int hashCode() { return Arrays.hashCode(next); }

    @Override
    public String toString() { return "MessageCursor[" + text() + "]"; }
}

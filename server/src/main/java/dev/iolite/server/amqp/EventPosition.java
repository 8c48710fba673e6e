package dev.iolite.server.amqp;

import java.time.Instant;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where an Event Hubs receiver starts in its partition, as the clients put it in the link source's selector filter
 * ({@code apache.org:selector-filter:string}): {@code amqp.annotation.x-opt-offset > '-1'} (the earliest event),
 * {@code ... > '@latest'} (only events enqueued from now), an offset, a sequence number or an enqueued time in epoch
 * milliseconds, each after ({@code >}) or at-or-after ({@code >=}) the value. Without a filter a receiver starts at
 * the earliest event, as Event Hubs does.
 */
sealed interface EventPosition {
    record Earliest() implements EventPosition {}

    record Latest() implements EventPosition {}

    /** The first event whose offset is above (or at, when inclusive) {@code offset}. */
    record Offset(long offset, boolean inclusive) implements EventPosition {}

    /** The first event numbered above (or at) {@code sequence}. */
    record Sequence(long sequence, boolean inclusive) implements EventPosition {}

    /** The first event enqueued after (or at) {@code time}. */
    record Enqueued(Instant time, boolean inclusive) implements EventPosition {}

    Pattern FILTER = Pattern.compile(
            "\\s*amqp\\.annotation\\.x-opt-(offset|sequence-number|enqueued-time)\\s*(>=|>)\\s*'([^']{1,40})'\\s*");

    /** Parses a selector filter's text; throws {@link IllegalArgumentException} with a sentence for a bad one. */
    static EventPosition parse(String filter) {
        if (filter == null) return new Earliest();
        Matcher m = FILTER.matcher(filter);
        if (!m.matches()) {
            throw new IllegalArgumentException("the selector filter must be amqp.annotation.x-opt-offset, "
                    + "x-opt-sequence-number or x-opt-enqueued-time compared with > or >= to a quoted value");
        }
        boolean inclusive = m.group(2).equals(">=");
        String v = m.group(3);
        switch (m.group(1)) {
            case "offset" -> {
                if (v.equals("@latest")) return new Latest();
                long o = number(v, "offset");
                if (o < 0) {
                    if (o == -1) return new Earliest();
                    throw new IllegalArgumentException("the offset must be -1 (the earliest event) or 0 or more");
                }
                return new Offset(o, inclusive);
            }
            case "sequence-number" -> {
                long s = number(v, "sequence number");
                if (s < -1) throw new IllegalArgumentException("the sequence number must be -1 or more");
                return new Sequence(s, inclusive);
            }
            default -> {
                long ms = number(v, "enqueued time");
                return new Enqueued(Instant.ofEpochMilli(ms), inclusive);
            }
        }
    }

    private static long number(String v, String what) {
        try {
            return Long.parseLong(v.strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("the " + what + " '" + v + "' is not a whole number");
        }
    }
}

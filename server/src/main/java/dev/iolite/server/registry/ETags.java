package dev.iolite.server.registry;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * The wire forms of etags (https://learn.microsoft.com/rest/api/iothub/service/devices) and the leniency clients need:
 * values arrive quoted
 * ({@code "\"*\""} from Node and C#) or bare (Java), so one pair of quotes is stripped first.
 */
public final class ETags {
    private ETags() {}

    /** Device etag: base64 of the ASCII decimal counter, e.g. {@code MA==} for 0. */
    public static String device(long version) {
        return Base64.getEncoder().encodeToString(Long.toString(version).getBytes(StandardCharsets.US_ASCII));
    }

    /** Twin etag: base64 of the 8-byte big-endian counter, e.g. {@code AAAAAAAAAAE=}. */
    public static String twin(long version) {
        return Base64.getEncoder().encodeToString(ByteBuffer.allocate(8).putLong(version).array());
    }

    /** Strips surrounding whitespace, a weak prefix {@code W/} and one pair of quotes; null or blank gives null. */
    public static String unquote(String value) {
        if (value == null) return null;
        String v = value.trim();
        if (v.startsWith("W/")) v = v.substring(2);
        if (v.length() >= 2 && v.startsWith("\"") && v.endsWith("\"")) v = v.substring(1, v.length() - 1);
        return v.isEmpty() ? null : v;
    }

    public static boolean isWildcard(String unquoted) { return "*".equals(unquoted); }
}

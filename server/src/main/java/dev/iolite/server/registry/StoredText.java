package dev.iolite.server.registry;

import dev.iolite.server.errors.ErrorCode;
import dev.iolite.server.errors.IoliteException;

/**
 * The one rule for free text that the registry stores (twin keys and string values at any depth, the
 * status reason, scopes, the manager's name) and that hubs store (location, tags): it must be Unicode text that every store can hold, so
 * neither the NUL character (U+0000) nor half of a surrogate pair. JSON lets a client write both as
 * {@code \u0000} and {@code \ud800}; SQLite would keep them, while PostgreSQL's {@code jsonb} refuses
 * them ("unsupported Unicode escape sequence", see PostgreSQL's documentation of JSON types). Deciding
 * here, above the store, gives the same 400 on both stores for every write path (PUT, twin PUT and PATCH,
 * bulk {@code POST /devices}, import lines, ARM's hub PUT and PATCH), before anything is written.
 */
public final class StoredText {
    private StoredText() {}

    /**
     * Whether {@code s} is text every store can hold: the check of the import's hot path, which builds no message
     * (call {@link #require} to get the error when it is not).
     */
    public static boolean isStorable(String s) {
        return s == null || firstUnstorable(s) < 0;
    }

    /** Throws 400 ArgumentInvalid naming {@code what} when {@code s} holds a NUL or an unpaired surrogate. */
    public static void require(String s, String what) {
        int at = s == null ? -1 : firstUnstorable(s);
        if (at < 0) return;
        char c = s.charAt(at);
        if (c == 0) {
            throw new IoliteException(ErrorCode.ARGUMENT_INVALID,
                    what + " contains the NUL character (U+0000), which the registry does not store");
        }
        throw new IoliteException(ErrorCode.ARGUMENT_INVALID, what + " contains an unpaired surrogate (U+"
                + Integer.toHexString(c).toUpperCase(java.util.Locale.ROOT) + "), which is not Unicode text");
    }

    /** Where {@code s} holds a NUL or half of a surrogate pair, or -1. */
    private static int firstUnstorable(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == 0) return i;
            if (!Character.isSurrogate(c)) continue;
            if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                i++;
            } else {
                return i;
            }
        }
        return -1;
    }
}

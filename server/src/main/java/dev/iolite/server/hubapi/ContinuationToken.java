package dev.iolite.server.hubapi;

import dev.iolite.server.errors.ErrorCode;
import dev.iolite.server.errors.IoliteException;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

/** The registry query's continuation token: the last device id of a page, base64url, with a format prefix. */
final class ContinuationToken {
    private static final String PREFIX = "d1:";

    private ContinuationToken() {}

    static String encode(String lastDeviceId) {
        return Base64.getUrlEncoder().withoutPadding()
                .encodeToString((PREFIX + lastDeviceId).getBytes(StandardCharsets.UTF_8));
    }

    /** The device id to continue after, or null for none; a token this server did not make is a 400. */
    static String decode(String token) {
        if (token == null || token.isBlank()) return null;
        try {
            String text = new String(Base64.getUrlDecoder().decode(token.trim()), StandardCharsets.UTF_8);
            if (text.startsWith(PREFIX) && text.length() > PREFIX.length()) return text.substring(PREFIX.length());
        } catch (IllegalArgumentException e) {
            // reported below
        }
        throw new IoliteException(ErrorCode.ARGUMENT_INVALID, "'x-ms-continuation' is not a token this server issued");
    }
}

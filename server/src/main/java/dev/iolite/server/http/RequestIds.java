package dev.iolite.server.http;

import java.util.UUID;

/**
 * A request's id: the one the caller sent ({@code x-ms-request-id}, else {@code Request-Id}), so that its
 * logs and ours name the same request, or a new UUID when it sent none or one that is not a plain token
 * (up to 128 letters, digits and {@code - _ . : { }}), which could forge a log line or flood a header.
 */
final class RequestIds {
    static final int MAX_LENGTH = 128;

    private RequestIds() {}

    static String from(String... sent) {
        for (String id : sent) {
            if (id != null && usable(id)) return id;
        }
        return UUID.randomUUID().toString();
    }

    private static boolean usable(String id) {
        if (id.isEmpty() || id.length() > MAX_LENGTH) return false;
        for (int i = 0; i < id.length(); i++) {
            char c = id.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '-' || c == '_' || c == '.' || c == ':' || c == '{' || c == '}';
            if (!ok) return false;
        }
        return true;
    }
}

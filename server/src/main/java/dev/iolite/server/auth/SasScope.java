package dev.iolite.server.auth;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The part of a hub a SAS token may reach: its {@code sr} is {@code HOST[/PATH]}, and a request is
 * covered when its path is at or under {@code PATH}, compared segment by segment after
 * percent-decoding (so {@code /devices/one} does not cover {@code /devices/one-more}, and
 * {@code %2F} inside a segment cannot climb out of it). A token whose {@code sr} is the bare host
 * covers the whole hub, as the SDKs' service tokens do.
 */
public final class SasScope {
    private SasScope() {}

    /** True when {@code requestPath} (as sent, possibly percent-encoded) is at or under the token's resource path. */
    public static boolean covers(String decodedResource, String requestPath) {
        List<String> scope = segments(resourcePath(decodedResource), true);
        List<String> path = segments(requestPath == null ? "" : requestPath, true);
        if (scope == null || path == null) return false;
        if (scope.size() > path.size()) return false;
        for (int i = 0; i < scope.size(); i++) {
            if (!scope.get(i).equals(path.get(i))) return false;
        }
        return true;
    }

    /** The path of {@code sr} after its host, without scheme, query or fragment. */
    static String resourcePath(String resource) {
        String r = resource;
        int scheme = r.indexOf("://");
        if (scheme >= 0) r = r.substring(scheme + 3);
        int slash = r.indexOf('/');
        if (slash < 0) return "";
        String p = r.substring(slash);
        int q = p.indexOf('?');
        return q >= 0 ? p.substring(0, q) : p;
    }

    /**
     * Non-empty segments, each percent-decoded on its own (the token's {@code sr} was decoded once as a
     * whole already; its segments are URL path segments like the request's); {@code .} and {@code ..} are refused (null)
     * rather than resolved, so a scope is never widened by dot segments.
     */
    static List<String> segments(String path, boolean decode) {
        List<String> out = new ArrayList<>();
        for (String raw : path.split("/")) {
            if (raw.isEmpty()) continue;
            String s;
            try {
                s = decode ? URLDecoder.decode(raw.replace("+", "%2B"), StandardCharsets.UTF_8) : raw;
            } catch (IllegalArgumentException e) {
                return null;
            }
            if (s.equals(".") || s.equals("..")) return null;
            out.add(s);
        }
        return out;
    }
}

package dev.iolite.server.hubapi;

import dev.iolite.server.errors.ErrorCode;
import dev.iolite.server.errors.IoliteException;
import dev.iolite.server.registry.DeviceKey;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Base64;
import java.util.Locale;

/**
 * Query continuation tokens: where the next page starts (how many rows came before it and, for twin
 * queries, the last key), signed with HMAC-SHA256 over the hub, the query's text and that position, so
 * a token is opaque, works only for the query and hub that issued it, and any change to it is refused.
 * The key is one the store's nodes share, so any node continues a query that another began.
 */
final class QueryTokens {
    private static final String FORMAT = "q1";
    private static final int MAC_BYTES = 16;

    private final SecretKeySpec key;

    QueryTokens(byte[] key) {
        this.key = new SecretKeySpec(key.clone(), "HmacSHA256");
    }

    /** Where a page starts: rows already returned, and the key after which twins continue (null for groups). */
    record Position(long returned, DeviceKey after) {
        static final Position START = new Position(0, null);
    }

    String issue(String hub, String query, Position p) {
        String payload = FORMAT + "\n" + p.returned() + (p.after() == null ? ""
                : "\n" + p.after().deviceId() + "\n" + (p.after().moduleId() == null ? "" : p.after().moduleId()));
        byte[] body = payload.getBytes(StandardCharsets.UTF_8);
        byte[] token = Arrays.copyOf(mac(hub, query, body), MAC_BYTES + body.length);
        System.arraycopy(body, 0, token, MAC_BYTES, body.length);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(token);
    }

    /** The position a token names; none (or blank) is the start. A token not issued for this hub and query is a 400. */
    Position read(String hub, String query, String token) {
        if (token == null || token.isBlank()) return Position.START;
        try {
            byte[] raw = Base64.getUrlDecoder().decode(token.trim());
            if (raw.length > MAC_BYTES) {
                byte[] body = Arrays.copyOfRange(raw, MAC_BYTES, raw.length);
                byte[] expected = Arrays.copyOf(mac(hub, query, body), MAC_BYTES);
                if (MessageDigest.isEqual(expected, Arrays.copyOf(raw, MAC_BYTES))) {
                    String[] parts = new String(body, StandardCharsets.UTF_8).split("\n", -1);
                    if (parts[0].equals(FORMAT) && (parts.length == 2 || parts.length == 4)) {
                        long returned = Long.parseLong(parts[1]);
                        DeviceKey after = parts.length == 2 ? null
                                : new DeviceKey(parts[2], parts[3].isEmpty() ? null : parts[3]);
                        return new Position(returned, after);
                    }
                }
            }
        } catch (IllegalArgumentException e) {
            // reported below
        }
        throw new IoliteException(ErrorCode.ARGUMENT_INVALID, "'x-ms-continuation' is not a token this hub issued "
                + "for this query; send the query's text unchanged with the token of its previous page");
    }

    private byte[] mac(String hub, String query, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(key);
            mac.update(hub.toLowerCase(Locale.ROOT).getBytes(StandardCharsets.UTF_8));
            mac.update((byte) 0);
            mac.update(query.getBytes(StandardCharsets.UTF_8));
            mac.update((byte) 0);
            return mac.doFinal(body);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every JDK; this indicates a broken runtime", e);
        }
    }
}

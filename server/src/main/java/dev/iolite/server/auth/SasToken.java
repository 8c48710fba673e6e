package dev.iolite.server.auth;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * A parsed {@code SharedAccessSignature} (https://learn.microsoft.com/azure/iot-hub/authenticate-authorize-sas).
 * Fields arrive in any order; {@code sr} is
 * kept exactly as sent, because the signature covers that text (C# and Node do not re-encode it).
 */
public record SasToken(String rawResource, String resource, String signature, long expiry, String keyName) {
    private static final String PREFIX = "SharedAccessSignature ";

    /** Parses the Authorization header value; empty when it is not a well-formed SAS token. */
    public static Optional<SasToken> parse(String header) {
        if (header == null || !header.regionMatches(true, 0, PREFIX, 0, PREFIX.length())) return Optional.empty();
        Map<String, String> fields = new HashMap<>();
        for (String part : header.substring(PREFIX.length()).trim().split("&")) {
            int eq = part.indexOf('=');
            if (eq <= 0) return Optional.empty();
            fields.put(part.substring(0, eq).trim().toLowerCase(Locale.ROOT), part.substring(eq + 1));
        }
        String sr = fields.get("sr");
        String sig = fields.get("sig");
        String se = fields.get("se");
        if (sr == null || sig == null || se == null) return Optional.empty();
        try {
            long expiry = Long.parseLong(decode(se).trim());
            String skn = fields.get("skn");
            return Optional.of(new SasToken(sr, decode(sr), decode(sig), expiry, skn == null ? null : decode(skn)));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /** The host named by {@code sr}, without port or path, lower case. */
    public String resourceHost() {
        String r = resource;
        int scheme = r.indexOf("://");
        if (scheme >= 0) r = r.substring(scheme + 3);
        int slash = r.indexOf('/');
        return (slash >= 0 ? r.substring(0, slash) : r).toLowerCase(Locale.ROOT);
    }

    /** True when the signature was made with {@code base64Key} over {@code sr + "\n" + se}. */
    public boolean signedWith(String base64Key) {
        String expected = sign(rawResource, expiry, base64Key);
        return MessageDigest.isEqual(expected.getBytes(StandardCharsets.US_ASCII),
                signature.getBytes(StandardCharsets.US_ASCII));
    }

    /**
     * True when the signature was made the way Event Hubs clients make it: the HMAC key is the key's text as UTF-8
     * bytes, not the bytes it encodes in base64 (the Java and JavaScript Event Hubs clients sign so, and IoT Hub's
     * built-in endpoint takes their tokens).
     */
    public boolean signedWithKeyText(String key) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            byte[] sig = mac.doFinal((rawResource + "\n" + expiry).getBytes(StandardCharsets.UTF_8));
            return MessageDigest.isEqual(Base64.getEncoder().encodeToString(sig).getBytes(StandardCharsets.US_ASCII),
                    signature.getBytes(StandardCharsets.US_ASCII));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every JDK; this indicates a broken runtime", e);
        }
    }

    public boolean expiredAt(Instant now, long skewSeconds) {
        return expiry + skewSeconds < now.getEpochSecond();
    }

    /** HMAC-SHA256 of {@code rawResource + "\n" + expiry} with the decoded key, base64. */
    public static String sign(String rawResource, long expiry, String base64Key) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(Base64.getDecoder().decode(base64Key), "HmacSHA256"));
            byte[] sig = mac.doFinal((rawResource + "\n" + expiry).getBytes(StandardCharsets.UTF_8));
            return Base64.getEncoder().encodeToString(sig);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every JDK; this indicates a broken runtime", e);
        }
    }

    /** A service token for {@code host} in the Java SDK's form (URL-encoded {@code sr}). */
    public static String create(String host, String keyName, String base64Key, Instant expiresAt) {
        return createFor(host.toLowerCase(Locale.ROOT), keyName, base64Key, expiresAt);
    }

    /**
     * A token for any resource URI, such as {@code {host}/devices/{id}} or {@code {host}/devices/{id}/modules/{mid}}
     * signed with that device's or module's own key: {@code sr} is the URL-encoded URI (its slashes become
     * {@code %2F}, as the device SDKs send it), and {@code skn} is left out when {@code keyName} is null, as
     * IoT Hub's documentation on SAS tokens says for device-key tokens.
     */
    public static String createFor(String resourceUri, String keyName, String base64Key, Instant expiresAt) {
        String sr = URLEncoder.encode(resourceUri, StandardCharsets.UTF_8);
        long se = expiresAt.getEpochSecond();
        return PREFIX + "sr=" + sr + "&sig=" + URLEncoder.encode(sign(sr, se, base64Key), StandardCharsets.UTF_8)
                + "&se=" + se + (keyName == null ? "" : "&skn=" + keyName);
    }

    private static String decode(String s) {
        return URLDecoder.decode(s, StandardCharsets.UTF_8);
    }
}

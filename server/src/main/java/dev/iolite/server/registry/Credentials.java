package dev.iolite.server.registry;

import dev.iolite.server.errors.ErrorCode;
import dev.iolite.server.errors.IoliteException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.regex.Pattern;

/**
 * Key generation and the credential rules (https://learn.microsoft.com/azure/iot-hub/iot-hub-bulk-identity-mgmt,
 * https://learn.microsoft.com/azure/iot-hub/iot-hub-devguide-identity-registry).
 */
public final class Credentials {
    public static final int GENERATED_KEY_BYTES = 32;
    public static final int MIN_KEY_BYTES = 16;
    public static final int MAX_KEY_BYTES = 64;
    private static final Pattern THUMBPRINT = Pattern.compile("[0-9A-Fa-f]{40}|[0-9A-Fa-f]{64}");

    private final SecureRandom random;

    public Credentials(SecureRandom random) { this.random = random; }

    /** 32 random bytes, base64: the length IoT Hub and the SDKs generate. */
    public String newKey() {
        byte[] b = new byte[GENERATED_KEY_BYTES];
        random.nextBytes(b);
        return Base64.getEncoder().encodeToString(b);
    }

    /** A hub-generated id in the shape of .NET ticks, as real generation ids look; not a secret. */
    public String newGenerationId() {
        return Long.toString(630_000_000_000_000_000L
                + java.util.concurrent.ThreadLocalRandom.current().nextLong(10_000_000_000_000_000L));
    }

    /**
     * Resolves requested credentials into stored ones: generates SAS keys when both are absent
     * or empty; refuses one key without the other, keys that are not 16 to 64 bytes of base64,
     * bad thumbprints, and keys mixed with thumbprints.
     */
    public Authentication resolve(Authentication requested) {
        if (requested == null) return Authentication.sas(newKey(), newKey());
        String pk = blankToNull(requested.primaryKey());
        String sk = blankToNull(requested.secondaryKey());
        String pt = blankToNull(requested.primaryThumbprint());
        String st = blankToNull(requested.secondaryThumbprint());
        AuthType type = requested.type() != null ? requested.type()
                : (pt != null || st != null) ? AuthType.SELF_SIGNED : AuthType.SAS;
        switch (type) {
            case SAS -> {
                if (pt != null || st != null) {
                    throw invalid("'authentication.x509Thumbprint' must be empty when 'authentication.type' is sas");
                }
                if ((pk == null) != (sk == null)) {
                    throw invalid("'authentication.symmetricKey' needs both primaryKey and secondaryKey, or neither");
                }
                if (pk == null) return Authentication.sas(newKey(), newKey());
                checkKey(pk, "authentication.symmetricKey.primaryKey");
                checkKey(sk, "authentication.symmetricKey.secondaryKey");
                return Authentication.sas(pk, sk);
            }
            case SELF_SIGNED -> {
                if (pk != null || sk != null) {
                    throw invalid("'authentication.symmetricKey' must be empty when 'authentication.type' is selfSigned");
                }
                if (pt == null) throw invalid("'authentication.x509Thumbprint.primaryThumbprint' is required for selfSigned");
                checkThumbprint(pt, "authentication.x509Thumbprint.primaryThumbprint");
                if (st != null) checkThumbprint(st, "authentication.x509Thumbprint.secondaryThumbprint");
                return new Authentication(AuthType.SELF_SIGNED, null, null, pt, st);
            }
            default -> {
                if (pk != null || sk != null || pt != null || st != null) {
                    throw invalid("'authentication' must carry no keys or thumbprints when its type is " + type.wireName());
                }
                return new Authentication(type, null, null, null, null);
            }
        }
    }

    /** Base64 well-formedness and decoded length, computed without decoding (a million keys per import). */
    private static void checkKey(String key, String field) {
        int len = key.length();
        int pad = len > 0 && key.charAt(len - 1) == '=' ? (len > 1 && key.charAt(len - 2) == '=' ? 2 : 1) : 0;
        // padding is optional, as for java.util.Base64; a lone trailing character never is
        boolean ok = len > 0 && (pad > 0 ? len % 4 == 0 : len % 4 != 1);
        for (int i = 0; ok && i < len - pad; i++) {
            char c = key.charAt(i);
            ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/';
        }
        if (!ok) throw invalid("'" + field + "' is not valid base64");
        int decoded = pad > 0 ? len / 4 * 3 - pad : len * 3 / 4;
        if (decoded < MIN_KEY_BYTES || decoded > MAX_KEY_BYTES) {
            throw invalid("'" + field + "' decodes to " + decoded + " bytes; keys must be "
                    + MIN_KEY_BYTES + " to " + MAX_KEY_BYTES + " bytes");
        }
    }

    private static void checkThumbprint(String t, String field) {
        if (!THUMBPRINT.matcher(t).matches()) {
            throw invalid("'" + field + "' must be 40 or 64 hexadecimal characters");
        }
    }

    private static String blankToNull(String s) { return s == null || s.isEmpty() ? null : s; }

    private static IoliteException invalid(String message) {
        return new IoliteException(ErrorCode.ARGUMENT_INVALID, message);
    }
}

package dev.iolite.server.registry;

import dev.iolite.server.errors.ErrorCode;
import dev.iolite.server.errors.IoliteException;
import java.util.regex.Pattern;

/** Identifier rules (https://learn.microsoft.com/azure/iot-hub/iot-hub-devguide-identity-registry). */
public final class IdRules {
    /** IDREG: ASCII alphanumerics and {@code - . % _ * ? ! ( ) , : = @ $ '}; 1 to 128 characters. */
    private static final Pattern DEVICE_ID = Pattern.compile("[A-Za-z0-9\\-.%_*?!(),:=@$']{1,128}");
    /** Module ids also allow {@code + #} (IDREG module table). */
    private static final Pattern MODULE_ID = Pattern.compile("[A-Za-z0-9\\-.%_*?!(),:=@$'+#]{1,128}");
    /** ARM {@code Resource.name} for hubs. */
    private static final Pattern HUB_NAME = Pattern.compile("(?![0-9]+$)(?!-)[a-zA-Z0-9-]{2,49}[a-zA-Z0-9]");
    public static final int MAX_STATUS_REASON = 128;
    /**
     * An edge device's scope, {@code ms-azure-iot-edge://{deviceId}-{generationId}}: a 128-character id, a
     * generation id and the prefix fit with room to spare. IoT Hub documents no figure; this bounds the
     * row and every page that carries it.
     */
    public static final int MAX_SCOPE = 256;
    /** IoT Hub lets a device have one parent (a module or a leaf device in a nested edge hierarchy). */
    public static final int MAX_PARENT_SCOPES = 1;
    /** {@code managedBy} names the managing service (e.g. {@code iotEdge}); bounded like a status reason. */
    public static final int MAX_MANAGED_BY = 128;

    private IdRules() {}

    private static final boolean[] DEVICE_CHARS = table("-.%_*?!(),:=@$'");

    private static boolean[] table(String punctuation) {
        boolean[] t = new boolean[128];
        for (char c = '0'; c <= '9'; c++) t[c] = true;
        for (char c = 'a'; c <= 'z'; c++) t[c] = true;
        for (char c = 'A'; c <= 'Z'; c++) t[c] = true;
        for (char c : punctuation.toCharArray()) t[c] = true;
        return t;
    }

    /** The device id rule by table lookup: the import checks a million of them. Same set as {@link #DEVICE_ID}. */
    private static boolean isDeviceId(String id) {
        if (id.length() > 128) return false;
        for (int i = 0; i < id.length(); i++) {
            char c = id.charAt(i);
            if (c >= 128 || !DEVICE_CHARS[c]) return false;
        }
        return true;
    }

    /** Whether the key's device id, and module id if any, follow the rules. */
    public static boolean isValidKey(String deviceId, String moduleId) {
        return deviceId != null && !deviceId.isEmpty() && isDeviceId(deviceId)
                && (moduleId == null || MODULE_ID.matcher(moduleId).matches());
    }

    public static String requireDeviceId(String id, String field) {
        if (id == null || id.isEmpty()) {
            throw new IoliteException(ErrorCode.ARGUMENT_NULL, "'" + field + "' is required");
        }
        if (!isDeviceId(id)) {
            throw new IoliteException(ErrorCode.ARGUMENT_INVALID, "'" + field + "' '" + printable(id)
                    + "' is invalid: use 1 to 128 ASCII letters, digits or - . % _ * ? ! ( ) , : = @ $ '");
        }
        return id;
    }

    public static String requireModuleId(String id, String field) {
        if (id == null || id.isEmpty()) {
            throw new IoliteException(ErrorCode.ARGUMENT_NULL, "'" + field + "' is required");
        }
        if (!MODULE_ID.matcher(id).matches()) {
            throw new IoliteException(ErrorCode.ARGUMENT_INVALID, "'" + field + "' '" + printable(id)
                    + "' is invalid: use 1 to 128 ASCII letters, digits or - . % _ * ? ! ( ) , : = @ $ ' + #");
        }
        return id;
    }

    public static boolean isHubName(String name) {
        return name != null && HUB_NAME.matcher(name).matches();
    }

    static String printable(String s) {
        String cut = s.length() > 140 ? s.substring(0, 140) + "..." : s;
        StringBuilder b = new StringBuilder();
        cut.codePoints().forEach(c -> {
            if (c < 0x20 || c == 0x7f) b.append(String.format("\\u%04x", c)); else b.appendCodePoint(c);
        });
        return b.toString();
    }
}

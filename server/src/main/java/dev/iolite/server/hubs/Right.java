package dev.iolite.server.hubs;

import java.util.EnumSet;
import java.util.Set;
import java.util.StringJoiner;

/**
 * Permissions of a shared access policy (https://learn.microsoft.com/azure/iot-hub/authenticate-authorize-sas), in
 * ARM's fixed order.
 */
public enum Right {
    REGISTRY_READ("RegistryRead"), REGISTRY_WRITE("RegistryWrite"),
    SERVICE_CONNECT("ServiceConnect"), DEVICE_CONNECT("DeviceConnect");

    private final String wireName;

    Right(String wireName) { this.wireName = wireName; }

    public String wireName() { return wireName; }

    /** ARM's form: names joined by comma and space in the fixed order, e.g. {@code "RegistryRead, RegistryWrite"}. */
    public static String format(Set<Right> rights) {
        StringJoiner j = new StringJoiner(", ");
        for (Right r : values()) if (rights.contains(r)) j.add(r.wireName);
        return j.toString();
    }

    /** Parses ARM's comma-separated form, any case and spacing; throws IllegalArgumentException naming the bad part. */
    public static Set<Right> parse(String text) {
        EnumSet<Right> out = EnumSet.noneOf(Right.class);
        if (text == null || text.isBlank()) throw new IllegalArgumentException("rights are empty");
        for (String part : text.split(",")) {
            String p = part.trim();
            Right found = null;
            for (Right r : values()) if (r.wireName.equalsIgnoreCase(p)) found = r;
            if (found == null) throw new IllegalArgumentException("unknown right '" + p + "'");
            out.add(found);
        }
        return out;
    }

    /**
     * RegistryWrite implies RegistryRead (the registryReadWrite policy of
     * https://learn.microsoft.com/azure/iot-hub/authenticate-authorize-sas).
     */
    public static boolean grants(Set<Right> held, Right needed) {
        return held.contains(needed) || (needed == REGISTRY_READ && held.contains(REGISTRY_WRITE));
    }
}

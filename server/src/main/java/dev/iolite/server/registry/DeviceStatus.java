package dev.iolite.server.registry;

import dev.iolite.server.errors.ErrorCode;
import dev.iolite.server.errors.IoliteException;
import java.util.Locale;

/** A device's status. Clients send any case ({@code Enabled}, {@code enabled}); the wire form is lower case. */
public enum DeviceStatus {
    ENABLED, DISABLED;

    public String wireName() { return name().toLowerCase(Locale.ROOT); }

    /** Parses any case; throws {@link IoliteException} naming the field for anything else. */
    public static DeviceStatus parse(String value, String field) {
        if (value != null) {
            for (DeviceStatus s : values()) {
                if (s.name().equalsIgnoreCase(value)) return s;
            }
        }
        throw new IoliteException(ErrorCode.ARGUMENT_INVALID,
                "'" + field + "' must be 'enabled' or 'disabled', not '" + value + "'");
    }
}

package dev.iolite.server.registry;

import dev.iolite.server.errors.ErrorCode;
import dev.iolite.server.errors.IoliteException;

/**
 * How a device authenticates. Parsed by its camelCase name, case-insensitively; IoT Hub refuses
 * other spellings such as {@code SELF_SIGNED} (IoT Hub's import refuses that spelling with 400012).
 */
public enum AuthType {
    SAS("sas"), SELF_SIGNED("selfSigned"), CERTIFICATE_AUTHORITY("certificateAuthority"), NONE("none");

    private final String wireName;

    AuthType(String wireName) { this.wireName = wireName; }

    public String wireName() { return wireName; }

    public static AuthType parse(String value, String field) {
        if (value != null) {
            for (AuthType t : values()) {
                if (t.wireName.equalsIgnoreCase(value)) return t;
            }
        }
        throw new IoliteException(ErrorCode.ARGUMENT_INVALID, "'" + field
                + "' must be one of sas, selfSigned, certificateAuthority, none; not '" + value + "'");
    }
}

package dev.iolite.server.blob;

import dev.iolite.server.errors.ErrorCode;
import dev.iolite.server.errors.IoliteException;

/** How the server authenticates to blob storage: the SAS in the URI, or its own configured credential. */
public enum StorageAuth {
    KEY_BASED("keyBased"), IDENTITY_BASED("identityBased");

    private final String wireName;

    StorageAuth(String wireName) { this.wireName = wireName; }

    public String wireName() { return wireName; }

    /** Any case ({@code IdentityBased} from Node, {@code identityBased} from Java); absent means keyBased. */
    public static StorageAuth parse(String value, String field) {
        if (value == null || value.isEmpty()) return KEY_BASED;
        for (StorageAuth a : values()) {
            if (a.wireName.equalsIgnoreCase(value)) return a;
        }
        throw new IoliteException(ErrorCode.ARGUMENT_INVALID,
                "'" + field + "' must be 'keyBased' or 'identityBased', not '" + value + "'");
    }
}

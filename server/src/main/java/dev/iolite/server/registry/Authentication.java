package dev.iolite.server.registry;

/**
 * A device's credentials. Keys and thumbprints are null when not set. As requested, an empty key
 * means "generate one" (Node sends {@code ""}); a stored value never holds an empty key.
 */
public record Authentication(AuthType type, String primaryKey, String secondaryKey,
                             String primaryThumbprint, String secondaryThumbprint) {

    public static Authentication sas(String primaryKey, String secondaryKey) {
        return new Authentication(AuthType.SAS, primaryKey, secondaryKey, null, null);
    }
}

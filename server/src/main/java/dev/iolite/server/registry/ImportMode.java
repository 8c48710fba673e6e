package dev.iolite.server.registry;

import dev.iolite.server.errors.ErrorCode;
import dev.iolite.server.errors.IoliteException;

/**
 * The nine import modes (https://learn.microsoft.com/azure/iot-hub/iot-hub-bulk-identity-mgmt), shared by bulk
 * {@code POST /devices} and import jobs.
 */
public enum ImportMode {
    CREATE_OR_UPDATE("createOrUpdate"),
    CREATE("create"),
    UPDATE("update"),
    UPDATE_IF_MATCH_ETAG("updateIfMatchETag"),
    CREATE_OR_UPDATE_IF_MATCH_ETAG("createOrUpdateIfMatchETag"),
    DELETE("delete"),
    DELETE_IF_MATCH_ETAG("deleteIfMatchETag"),
    UPDATE_TWIN("updateTwin"),
    UPDATE_TWIN_IF_MATCH_ETAG("updateTwinIfMatchETag");

    private final String wireName;

    ImportMode(String wireName) { this.wireName = wireName; }

    public String wireName() { return wireName; }

    public boolean isDelete() { return this == DELETE || this == DELETE_IF_MATCH_ETAG; }

    public boolean isTwinOnly() { return this == UPDATE_TWIN || this == UPDATE_TWIN_IF_MATCH_ETAG; }

    /** Absent means {@link #CREATE_OR_UPDATE}; any case is accepted (Node sends {@code UpdateIfMatchETag}). */
    public static ImportMode parse(String value) {
        if (value == null || value.isEmpty()) return CREATE_OR_UPDATE;
        for (ImportMode m : values()) {
            if (m.wireName.equalsIgnoreCase(value)) return m;
        }
        throw new IoliteException(ErrorCode.ARGUMENT_INVALID, "'importMode' has unknown value '" + value + "'");
    }
}

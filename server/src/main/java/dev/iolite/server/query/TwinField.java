package dev.iolite.server.query;

import java.util.List;

/**
 * The twin properties outside its documents that queries can filter and group by. Each is a column of
 * the device row (the store maps it); its type is fixed, and {@code nullable} ones may also be null.
 */
public enum TwinField {
    DEVICE_ID(Type.STRING, false, "deviceId"),
    MODULE_ID(Type.STRING, false, "moduleId"),
    STATUS(Type.STRING, false, "status"),
    STATUS_REASON(Type.STRING, true, "statusReason"),
    /** Compared only with a time literal, as epoch milliseconds: the wire's text is not ordered by time. */
    STATUS_UPDATE_TIME(Type.NUMBER, false, "statusUpdateTime"),
    /** The twin's version; the twin's etag is compared through it. */
    VERSION(Type.NUMBER, false, "version"),
    /** Compared only with an etag literal, which the compiler turns into the twin version it encodes. */
    ETAG(Type.STRING, false, "etag"),
    AUTHENTICATION_TYPE(Type.STRING, false, "authenticationType"),
    IOT_EDGE(Type.BOOL, false, "capabilities", "iotEdge"),
    DEVICE_SCOPE(Type.STRING, true, "deviceScope"),
    /** {@code Connected} or {@code Disconnected}, from the connections table rather than the device row. */
    CONNECTION_STATE(Type.STRING, false, "connectionState"),
    /** As {@link #STATUS_UPDATE_TIME}: compared only with a time literal; from the connections table. */
    LAST_ACTIVITY_TIME(Type.NUMBER, false, "lastActivityTime");

    /** The JSON types a query tells apart. */
    public enum Type { STRING, NUMBER, BOOL, NULL, OBJECT, ARRAY }

    private final Type type;
    private final boolean nullable;
    private final List<String> path;

    TwinField(Type type, boolean nullable, String... path) {
        this.type = type;
        this.nullable = nullable;
        this.path = List.of(path);
    }

    public Type type() { return type; }

    public boolean nullable() { return nullable; }

    /** The property's path in the twin. */
    public List<String> path() { return path; }
}

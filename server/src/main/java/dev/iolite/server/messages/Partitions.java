package dev.iolite.server.messages;

import java.nio.charset.StandardCharsets;

/**
 * Which partition of the built-in endpoint a device's messages go to. IoT Hub keeps a device's messages in one
 * partition, in the order they were accepted, but does not document its hash; here it is the 32-bit FNV-1a hash
 * of the device id's UTF-8 bytes (http://www.isthe.com/chongo/tech/comp/fnv/), taken modulo the partition count.
 * The hash is stable across versions and nodes: changing it would scatter a device's later messages to another
 * partition than its earlier ones. A module's messages go with its device's.
 */
public final class Partitions {
    private static final int FNV_OFFSET = 0x811c9dc5;
    private static final int FNV_PRIME = 0x01000193;

    private Partitions() {}

    /** The partition of {@code deviceId} among {@code count}, from 0. */
    public static int of(String deviceId, int count) {
        int h = FNV_OFFSET;
        for (byte b : deviceId.getBytes(StandardCharsets.UTF_8)) {
            h ^= b & 0xff;
            h *= FNV_PRIME;
        }
        return (int) Long.remainderUnsigned(h & 0xffffffffL, count);
    }
}

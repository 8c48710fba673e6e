package dev.iolite.server.jobs;

import java.nio.charset.StandardCharsets;

/**
 * The identities an import has seen, as 64-bit hashes in an open-addressing table: 16 bytes per
 * identity, so a million-line blob costs about 32 MiB instead of a set of strings. A false
 * "duplicate" needs a 64-bit collision (about 1 in 10^7 for a million distinct ids).
 */
final class KeyHashSet {
    private long[] table = new long[1 << 16];
    private int size;

    /** Adds the identity; false when it was already there. */
    boolean add(String deviceId, String moduleId) {
        long h = hash(deviceId, moduleId);
        if (h == 0) h = 1;
        if (size * 2 >= table.length) grow();
        int mask = table.length - 1;
        int i = (int) mix(h) & mask;
        while (table[i] != 0) {
            if (table[i] == h) return false;
            i = (i + 1) & mask;
        }
        table[i] = h;
        size++;
        return true;
    }

    int size() { return size; }

    private void grow() {
        long[] old = table;
        table = new long[old.length * 2];
        int mask = table.length - 1;
        for (long h : old) {
            if (h == 0) continue;
            int i = (int) mix(h) & mask;
            while (table[i] != 0) i = (i + 1) & mask;
            table[i] = h;
        }
    }

    /** FNV-1a over the UTF-8 of "deviceId/moduleId" (64-bit). */
    static long hash(String deviceId, String moduleId) {
        long h = 0xcbf29ce484222325L;
        h = fnv(h, deviceId);
        h = (h ^ 0x1F) * 0x100000001b3L;
        if (moduleId != null) h = fnv(h, moduleId);
        return h;
    }

    private static long fnv(long h, String s) {
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            h ^= (b & 0xff);
            h *= 0x100000001b3L;
        }
        return h;
    }

    private static long mix(long h) {
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        return h;
    }
}

package dev.iolite.server.blob;

/** Block ids of one fixed length, as the Blob API requires for all blocks of a blob. */
public final class BlockIds {
    private BlockIds() {}

    /** A three-letter kind and a number: {@code err-0000000000001234}. */
    public static String of(String kind, long n) {
        if (kind.length() != 3) throw new IllegalArgumentException("block kinds have three letters");
        return kind + "-" + String.format("%016d", n);
    }
}

package dev.iolite.server.blob;

/**
 * Names of local containers and of blobs, checked when a job is created (a 400 naming the field) so that
 * no name can reach a file system call, a log line or a later job step in a form that breaks it.
 */
public final class LocalNames {
    /** Azure's limit on blob names. */
    public static final int MAX_BLOB_NAME = 1024;
    private static final int MAX_SEGMENT = 63;
    private static final int MAX_SEGMENTS = 8;

    private LocalNames() {}

    /** {@code NAME} of {@code file:NAME}: 1 to 8 '/'-separated parts of 1 to 63 of {@code [A-Za-z0-9._-]}, none starting with '.'. */
    public static boolean isContainerName(String name) {
        if (name.isEmpty() || name.startsWith("/") || name.endsWith("/")) return false;
        String[] parts = name.split("/", -1);
        if (parts.length > MAX_SEGMENTS) return false;
        for (String p : parts) {
            if (p.isEmpty() || p.length() > MAX_SEGMENT || p.charAt(0) == '.') return false;
            for (int i = 0; i < p.length(); i++) {
                char c = p.charAt(i);
                boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                        || c == '-' || c == '_' || c == '.';
                if (!ok) return false;
            }
        }
        return true;
    }

    /**
     * Why a blob name cannot be used, or null when it can: 1 to 1024 characters, no control characters or
     * backslashes, no empty, '.' or '..' path segments, not starting with '/', and none of the server's own
     * staging names.
     */
    public static String blobNameProblem(String name) {
        if (name.isEmpty() || name.length() > MAX_BLOB_NAME) return "must be 1 to " + MAX_BLOB_NAME + " characters";
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0)) return "must not contain control characters";
            if (c == '\\') return "must not contain '\\'";
        }
        for (String seg : name.split("/", -1)) {
            if (seg.isEmpty() || seg.equals(".") || seg.equals("..")) return "must not have empty, '.' or '..' path segments";
            // staged blocks and partial commits live under these names; no job may read or write them
            if (seg.startsWith(".iolite-") || seg.endsWith(".iolite-commit")) return "must not name the server's own staging files";
        }
        return null;
    }
}

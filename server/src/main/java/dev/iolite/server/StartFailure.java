package dev.iolite.server;

/**
 * Why a server could not start, as one line for the operator and a distinct exit code for scripts
 * and service managers. The cause stays attached for {@code --verbose}.
 */
public final class StartFailure extends RuntimeException {
    /** What failed; the exit codes follow the command line's 0 (ok), 1 (failed operation) and 2 (usage). */
    public enum Kind {
        DATA_DIR_IN_USE(3),
        PORT_IN_USE(4),
        TLS_MATERIAL(5),
        DATA_DIR_UNWRITABLE(6),
        STORE_UNREACHABLE(7),
        MIGRATION_FAILED(8),
        /** {@code --local-blob-root}, or a hub's folder in it, holds what Iolite did not make. */
        FOREIGN_BLOB_ROOT(9);

        private final int exitCode;

        Kind(int exitCode) { this.exitCode = exitCode; }

        public int exitCode() { return exitCode; }
    }

    private final Kind kind;

    public StartFailure(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    public Kind kind() { return kind; }

    public int exitCode() { return kind.exitCode(); }
}

package dev.iolite.server.errors;

/**
 * A failure the caller can act on; each wire surface renders it in its own error format. The message
 * often quotes what the caller sent, so its control characters are escaped here, once, before it is
 * returned or logged ({@link LogText}).
 */
public class IoliteException extends RuntimeException {
    private final ErrorCode errorCode;

    public IoliteException(ErrorCode errorCode, String message) {
        super(message == null ? errorCode.defaultMessage() : LogText.escape(message));
        this.errorCode = errorCode;
    }

    public IoliteException(ErrorCode errorCode) {
        this(errorCode, null);
    }

    public ErrorCode errorCode() { return errorCode; }
}

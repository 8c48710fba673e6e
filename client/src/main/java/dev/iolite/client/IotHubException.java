package dev.iolite.client;

/**
 * A failed call: the HTTP status, the service's error code and its message. A service that could not
 * be reached at all gives status 0 and the code {@code ServiceUnreachable}.
 */
public final class IotHubException extends RuntimeException {
    private final int statusCode;
    private final String errorCode;

    /**
     * @param statusCode the HTTP status, or 0 when no response came
     * @param errorCode  the service's error code, such as {@code IotHubNotFound} or {@code 404001}
     * @param message    the service's message
     * @param cause      the underlying failure, may be null
     */
    public IotHubException(int statusCode, String errorCode, String message, Throwable cause) {
        super(message, cause);
        this.statusCode = statusCode;
        this.errorCode = errorCode;
    }

    /** @return the HTTP status, or 0 when the service could not be reached */
    public int getStatusCode() { return statusCode; }

    /** @return the service's error code */
    public String getErrorCode() { return errorCode; }

    @Override
    public String toString() {
        return "IotHubException{status=" + statusCode + ", code=" + errorCode + ", message=" + getMessage() + "}";
    }
}

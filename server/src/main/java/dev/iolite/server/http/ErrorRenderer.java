package dev.iolite.server.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iolite.server.errors.ErrorCode;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * Renders errors in each surface's format. Hub API
 * (https://learn.microsoft.com/azure/iot-hub/troubleshoot-error-codes): header {@code iothub-errorcode}
 * and {@code {"Message": "<json with errorCode, trackingId, message, timestampUtc>",
 * "ExceptionMessage": ""}}: C# and the Java SDK both find the numeric {@code errorCode} inside
 * {@code Message}. ARM (the {@code ErrorDetails} of https://learn.microsoft.com/rest/api/iothub/iot-hub-resource):
 * the spec's flat {@code ErrorDetails} with a string {@code code}, wrapped also as ARM's {@code error} object.
 */
public final class ErrorRenderer {
    public static final String ARM_PREFIX = "/subscriptions";
    private static final DateTimeFormatter LEGACY_TIME =
            DateTimeFormatter.ofPattern("MM/dd/yyyy HH:mm:ss", Locale.ROOT).withZone(ZoneOffset.UTC);

    private final ObjectMapper json;

    public ErrorRenderer(ObjectMapper json) { this.json = json; }

    public static boolean isArmPath(String path) {
        return path != null && path.regionMatches(true, 0, ARM_PREFIX, 0, ARM_PREFIX.length());
    }

    /** A rendered error: status, headers to set and the body. */
    public record Rendered(int status, String errorCodeHeader, String body) {}

    public Rendered render(String path, ErrorCode code, String message, String requestId, Instant now) {
        return isArmPath(path) ? arm(code, message, requestId) : hub(code, message, requestId, now);
    }

    public Rendered hub(ErrorCode code, String message, String requestId, Instant now) {
        String trackingId = requestId + "-TimeStamp:" + LEGACY_TIME.format(now);
        ObjectNode inner = json.createObjectNode();
        inner.put("errorCode", code.code());
        inner.put("trackingId", trackingId);
        inner.put("message", message);
        inner.put("info", json.createObjectNode());
        inner.put("timestampUtc", now.toString());
        ObjectNode outer = json.createObjectNode();
        outer.put("Message", inner.toString());
        // Empty on purpose: the Java SDK appends ExceptionMessage to the innermost Message and then
        // parses the result as JSON for errorCode, which only works when nothing but blanks follow.
        outer.put("ExceptionMessage", "");
        return new Rendered(code.httpStatus(), code.wireName(), write(outer));
    }

    public Rendered arm(ErrorCode code, String message, String requestId) {
        ObjectNode body = json.createObjectNode();
        body.put("code", Integer.toString(code.code()));
        body.put("httpStatusCode", reason(code.httpStatus()));
        body.put("message", message);
        body.put("details", "errorcode: IH" + code.code() + "; name: " + code.wireName() + "; request: " + requestId);
        ObjectNode error = body.putObject("error");
        error.put("code", code.wireName());
        error.put("message", message);
        return new Rendered(code.httpStatus(), null, write(body));
    }

    private String write(ObjectNode node) {
        try {
            return json.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("an error body must serialize; this indicates a bug", e);
        }
    }

    static String reason(int status) {
        return switch (status) {
            case 400 -> "BadRequest";
            case 401 -> "Unauthorized";
            case 403 -> "Forbidden";
            case 404 -> "NotFound";
            case 405 -> "MethodNotAllowed";
            case 409 -> "Conflict";
            case 412 -> "PreconditionFailed";
            case 413 -> "RequestEntityTooLarge";
            case 415 -> "UnsupportedMediaType";
            case 429 -> "TooManyRequests";
            case 503 -> "ServiceUnavailable";
            default -> "InternalServerError";
        };
    }

    /** The error code for an HTTP status raised below our handlers (routing, Jetty, size limits). */
    public static ErrorCode forStatus(int status) {
        return switch (status) {
            case 401 -> ErrorCode.UNAUTHORIZED;
            case 404 -> ErrorCode.NOT_FOUND;
            case 405 -> ErrorCode.METHOD_NOT_ALLOWED;
            case 413 -> ErrorCode.REQUEST_TOO_LARGE;
            case 415 -> ErrorCode.UNSUPPORTED_MEDIA_TYPE;
            case 503 -> ErrorCode.SERVICE_UNAVAILABLE;
            default -> status >= 500 ? ErrorCode.SERVER_ERROR : ErrorCode.ARGUMENT_INVALID;
        };
    }
}

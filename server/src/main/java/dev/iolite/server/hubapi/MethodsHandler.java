package dev.iolite.server.hubapi;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iolite.server.devices.MethodCalls;
import dev.iolite.server.errors.ErrorCode;
import dev.iolite.server.errors.IoliteException;
import dev.iolite.server.hubs.Hub;
import dev.iolite.server.json.JsonBodies;
import dev.iolite.server.registry.Device;
import dev.iolite.server.registry.DeviceKey;
import dev.iolite.server.registry.RegistryService;
import io.javalin.http.Context;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.function.IntConsumer;

/**
 * Direct method calls ({@code POST /twins/{id}/methods} and {@code /twins/{id}/modules/{mid}/methods},
 * https://learn.microsoft.com/rest/api/iothub/service/devices/invoke-method): the body {@code CloudToDeviceMethod}
 * checked as IoT Hub checks it, the identity looked up, and the answer {@code {"status", "payload"}} written when the
 * device gives it. The request waits without a thread: the route completes a future that {@link MethodCalls} completes.
 */
public final class MethodsHandler {
    /** IoT Hub's largest method payload, "a JSON document up to 128 KB" (the direct methods guide). */
    static final int MAX_PAYLOAD_BYTES = 128 * 1024;
    /** The response timeout when the call names none (or 0, as the C# SDK sends for "not set"), and its range. */
    static final int DEFAULT_RESPONSE_TIMEOUT_S = 30;
    static final int MIN_RESPONSE_TIMEOUT_S = 5;
    static final int MAX_RESPONSE_TIMEOUT_S = 300;
    /** The longest connect timeout; 0, the default, means the device must be connected already. */
    static final int MAX_CONNECT_TIMEOUT_S = 300;
    /**
     * The longest method name: IoT Hub documents none, but the name travels in an MQTT topic
     * ({@code $iothub/methods/POST/{name}/?$rid=...}), which holds at most 65,535 bytes.
     */
    static final int MAX_METHOD_NAME = 65_000;
    /** Printable US-ASCII characters that a method name may not hold (the direct methods guide). */
    private static final String FORBIDDEN = "$()<>@,;:\\\"/[]?={}";
    /** IoT Hub meters method traffic in 4 KB units. */
    private static final int METER_BYTES = 4096;

    private final RegistryService registry;
    private final MethodCalls calls;
    private final ObjectMapper json;

    public MethodsHandler(RegistryService registry, MethodCalls calls, ObjectMapper json) {
        this.registry = registry;
        this.calls = calls;
        this.json = json;
    }

    /** Invokes the method; {@code meter} counts the request's 4 KB units against the hub's throttle first. */
    void invoke(Context ctx, Hub hub, IntConsumer meter) {
        DeviceKey key = DevicesHandler.key(ctx);
        String body = ctx.body();
        MethodCalls.Call call = call(JsonBodies.requireObject(JsonBodies.parse(json, body), "the method call"));
        // a call refused for its body costs the hub nothing, like a refused token
        meter.accept(Math.max(1, (body.getBytes(StandardCharsets.UTF_8).length + METER_BYTES - 1) / METER_BYTES));
        requireEnabled(hub, key);
        ctx.future(() -> calls.invoke(hub.name(), key, call).thenAccept(answer -> ctx.json(result(key, answer))));
    }

    /** Reads {@code CloudToDeviceMethod}. */
    MethodCalls.Call call(ObjectNode body) {
        String name = JsonBodies.text(body, "methodName", "methodName");
        if (name == null || name.isEmpty()) {
            throw new IoliteException(ErrorCode.ARGUMENT_NULL, "'methodName' is required: the name of the method to call");
        }
        checkName(name);
        JsonNode payload = body.get("payload");
        String payloadText = null;
        if (payload != null && !payload.isNull()) {
            try {
                payloadText = json.writeValueAsString(payload);
            } catch (JsonProcessingException e) {
                throw new IllegalStateException("a parsed JSON value could not be written again; this indicates a bug", e);
            }
            int bytes = payloadText.getBytes(StandardCharsets.UTF_8).length;
            if (bytes > MAX_PAYLOAD_BYTES) {
                throw new IoliteException(ErrorCode.REQUEST_TOO_LARGE, "the method's payload is " + bytes
                        + " bytes of JSON; IoT Hub allows at most " + MAX_PAYLOAD_BYTES + " (128 KB)");
            }
        }
        Long response = JsonBodies.integer(body, "responseTimeoutInSeconds", "responseTimeoutInSeconds");
        long responseS = response == null || response == 0 ? DEFAULT_RESPONSE_TIMEOUT_S : response;
        if (responseS < MIN_RESPONSE_TIMEOUT_S || responseS > MAX_RESPONSE_TIMEOUT_S) {
            throw new IoliteException(ErrorCode.ARGUMENT_INVALID, "'responseTimeoutInSeconds' must be "
                    + MIN_RESPONSE_TIMEOUT_S + " to " + MAX_RESPONSE_TIMEOUT_S + " (or absent for "
                    + DEFAULT_RESPONSE_TIMEOUT_S + "), not " + response);
        }
        Long connect = JsonBodies.integer(body, "connectTimeoutInSeconds", "connectTimeoutInSeconds");
        long connectS = connect == null ? 0 : connect;
        if (connectS < 0 || connectS > MAX_CONNECT_TIMEOUT_S) {
            throw new IoliteException(ErrorCode.ARGUMENT_INVALID, "'connectTimeoutInSeconds' must be 0 to "
                    + MAX_CONNECT_TIMEOUT_S + " (0, the default: the device must be connected already), not " + connect);
        }
        return new MethodCalls.Call(name, payloadText, Duration.ofSeconds(responseS), Duration.ofSeconds(connectS));
    }

    private static void checkName(String name) {
        if (name.length() > MAX_METHOD_NAME) {
            throw new IoliteException(ErrorCode.ARGUMENT_INVALID, "'methodName' is " + name.length()
                    + " characters long; at most " + MAX_METHOD_NAME + " fit in a device's MQTT topic");
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c <= ' ' || c >= 0x7f || FORBIDDEN.indexOf(c) >= 0) {
                throw new IoliteException(ErrorCode.ARGUMENT_INVALID, "'methodName' may hold printable US-ASCII"
                        + " characters other than space and " + FORBIDDEN + ", not "
                        + (c < ' ' || c >= 0x7f ? String.format("U+%04X", (int) c) : "'" + c + "'")
                        + " (at position " + (i + 1) + ")");
            }
        }
    }

    /** The identity must exist and its device be enabled: IoT Hub answers 404001 for a disabled device too. */
    private void requireEnabled(Hub hub, DeviceKey key) {
        Device device = registry.get(hub.name(), key.parent());
        if (!device.enabled()) {
            throw new IoliteException(ErrorCode.DEVICE_NOT_FOUND, "device '" + key.deviceId()
                    + "' is disabled; a disabled device cannot be reached");
        }
        if (key.moduleId() != null) registry.get(hub.name(), key);
    }

    /**
     * {@code CloudToDeviceMethodResult}: the device's status, and its body as JSON (none: null). IoT Hub's own SDKs
     * fail on a device body that is not JSON (the C SDK's change "Change response to use JSON", azure-iot-sdk-c#6,
     * names the C# service client's InvalidResponseWhileProxying), so such a body is a 502 that says why.
     */
    private ObjectNode result(DeviceKey key, MethodCalls.Answer answer) {
        ObjectNode out = json.createObjectNode();
        out.put("status", answer.status());
        if (answer.payload().length == 0) {
            out.putNull("payload");
            return out;
        }
        try {
            JsonNode payload = json.readTree(answer.payload());
            out.set("payload", payload == null || payload.isMissingNode() ? out.nullNode() : payload);
        } catch (java.io.IOException e) {
            throw new IoliteException(ErrorCode.BAD_GATEWAY, "'" + key + "' answered with status " + answer.status()
                    + " and a body that is not JSON (" + answer.payload().length + " bytes); a direct method's answer"
                    + " must be a JSON document");
        }
        return out;
    }
}

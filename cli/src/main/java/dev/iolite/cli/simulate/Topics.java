package dev.iolite.cli.simulate;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;

/**
 * IoT Hub's MQTT topics as a device uses them (https://learn.microsoft.com/azure/iot/iot-mqtt-connect-to-iot-hub):
 * what it subscribes to, publishes, and how it reads what the hub sends.
 */
final class Topics {
    static final String METHODS = "$iothub/methods/POST/#";
    static final String TWIN_RESPONSES = "$iothub/twin/res/#";
    static final String DESIRED = "$iothub/twin/PATCH/properties/desired/#";

    private static final String METHOD_PREFIX = "$iothub/methods/POST/";
    private static final String TWIN_RESPONSE_PREFIX = "$iothub/twin/res/";
    private static final String DESIRED_PREFIX = "$iothub/twin/PATCH/properties/desired/";

    private Topics() {}

    /** Telemetry with a JSON body: the content type and encoding in the property bag, as the device SDKs send them. */
    static String telemetry(String deviceId) {
        return "devices/" + deviceId + "/messages/events/%24.ct=application%2Fjson&%24.ce=utf-8";
    }

    static String twinGet(String rid) { return "$iothub/twin/GET/?$rid=" + rid; }

    static String reportedPatch(String rid) { return "$iothub/twin/PATCH/properties/reported/?$rid=" + rid; }

    static String methodResponse(int status, String rid) { return "$iothub/methods/res/" + status + "/?$rid=" + rid; }

    /** What the hub sent on {@code topic}: a method call, a twin response, a desired patch, or something else. */
    sealed interface Inbound permits MethodCall, TwinResponse, DesiredPatch, Other {}

    /** {@code $iothub/methods/POST/{name}/?$rid={rid}}. */
    record MethodCall(String name, String rid) implements Inbound {}

    /** {@code $iothub/twin/res/{status}/?$rid={rid}[&$version={v}]}; version -1 when absent. */
    record TwinResponse(int status, String rid, long version) implements Inbound {}

    /** {@code $iothub/twin/PATCH/properties/desired/?$version={v}}; version -1 when absent. */
    record DesiredPatch(long version) implements Inbound {}

    record Other(String topic) implements Inbound {}

    static Inbound parse(String topic) {
        if (topic.startsWith(METHOD_PREFIX)) {
            String rest = topic.substring(METHOD_PREFIX.length());
            int slash = rest.indexOf('/');
            if (slash <= 0) return new Other(topic);
            return new MethodCall(rest.substring(0, slash), param(rest.substring(slash + 1), "$rid"));
        }
        if (topic.startsWith(TWIN_RESPONSE_PREFIX)) {
            String rest = topic.substring(TWIN_RESPONSE_PREFIX.length());
            int slash = rest.indexOf('/');
            if (slash <= 0) return new Other(topic);
            try {
                String bag = rest.substring(slash + 1);
                return new TwinResponse(Integer.parseInt(rest.substring(0, slash)), param(bag, "$rid"), number(param(bag, "$version")));
            } catch (NumberFormatException e) {
                return new Other(topic);
            }
        }
        if (topic.startsWith(DESIRED_PREFIX)) {
            return new DesiredPatch(number(param(topic.substring(DESIRED_PREFIX.length()), "$version")));
        }
        return new Other(topic);
    }

    /** The value of {@code key} in a topic's {@code ?k=v&k2=v2} tail (keys decoded, so {@code %24rid} is {@code $rid}), or null. */
    static String param(String tail, String key) {
        String q = tail.startsWith("?") ? tail.substring(1) : tail;
        for (String pair : q.split("&")) {
            int eq = pair.indexOf('=');
            String k = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            if (k.equals(key)) return eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
        }
        return null;
    }

    private static long number(String s) {
        if (s == null) return -1;
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}

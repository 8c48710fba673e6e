package dev.iolite.server.mqtt;

import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The property bag that rides at the end of IoT Hub's message topics
 * (https://learn.microsoft.com/azure/iot/iot-mqtt-connect-to-iot-hub): {@code k1=v1&k2=v2}, URL-encoded, with
 * IoT Hub's system properties under {@code $.} names ({@code $} itself often sent as {@code %24}).
 */
final class PropertyBag {
    /** The system properties a device may set, by their short names, and their names on the built-in endpoint. */
    private static final Map<String, String> SYSTEM = Map.ofEntries(
            Map.entry("$.mid", "message-id"), Map.entry("$.cid", "correlation-id"), Map.entry("$.uid", "user-id"),
            Map.entry("$.to", "to"), Map.entry("$.ct", "content-type"), Map.entry("$.ce", "content-encoding"),
            Map.entry("$.exp", "absolute-expiry-time"), Map.entry("$.ctime", "iothub-creation-time-utc"),
            Map.entry("$.on", "iothub-outputname"), Map.entry("$.ifid", "iothub-interface-id"),
            Map.entry("$.sub", "dt-subject"), Map.entry("$.schema", "dt-dataschema"),
            Map.entry("$.diagid", "iothub-diag-id"), Map.entry("$.diagctx", "iothub-diag-correlation-context"));

    /** The decoded bag: system properties by their built-in endpoint names, application properties as sent. */
    record Parsed(Map<String, String> system, Map<String, String> application) {}

    private PropertyBag() {}

    /**
     * Parses a bag; a trailing {@code /} (which some SDKs append) is ignored. Throws IllegalArgumentException
     * when an escape is malformed.
     */
    static Parsed parse(String bag) {
        Map<String, String> system = new LinkedHashMap<>();
        Map<String, String> app = new LinkedHashMap<>();
        String b = bag.endsWith("/") ? bag.substring(0, bag.length() - 1) : bag;
        if (b.isEmpty()) return new Parsed(system, app);
        for (String pair : b.split("&")) {
            if (pair.isEmpty()) continue;
            int eq = pair.indexOf('=');
            String k = decode(eq < 0 ? pair : pair.substring(0, eq));
            String v = eq < 0 ? "" : decode(pair.substring(eq + 1));
            if (k.startsWith("$.")) {
                system.put(SYSTEM.getOrDefault(k, k), v);
            } else {
                app.put(k, v);
            }
        }
        return new Parsed(system, app);
    }

    /** A query-string parameter of a twin or method topic ({@code $rid}, {@code $version}), or null. */
    static String param(String query, String name) {
        for (String pair : query.split("&")) {
            int eq = pair.indexOf('=');
            String k = decode(eq < 0 ? pair : pair.substring(0, eq));
            if (k.equals(name)) return eq < 0 ? "" : decode(pair.substring(eq + 1));
        }
        return null;
    }

    /**
     * The bag of a cloud-to-device message, as IoT Hub publishes it on {@code devices/{id}/messages/devicebound/}:
     * the system properties under their {@code $.} names, then {@code iothub-ack}, then the application properties.
     */
    static String encode(Map<String, String> system, String ack, Map<String, String> application) {
        StringBuilder b = new StringBuilder();
        for (Map.Entry<String, String> e : SYSTEM.entrySet()) {
            String v = system.get(e.getValue());
            if (v != null) append(b, e.getKey(), v);
        }
        if (ack != null) append(b, "iothub-ack", ack);
        for (Map.Entry<String, String> e : application.entrySet()) append(b, e.getKey(), e.getValue());
        return b.toString();
    }

    private static void append(StringBuilder b, String k, String v) {
        if (b.length() > 0) b.append('&');
        b.append(encode(k)).append('=').append(encode(v));
    }

    /** {@code value} URL-encoded for a topic. */
    static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static String decode(String s) {
        return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
    }
}

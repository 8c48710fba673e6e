package dev.iolite.server.amqp;

import dev.iolite.server.auth.SasToken;
import dev.iolite.server.hubs.Hub;
import dev.iolite.server.hubs.HubService;
import dev.iolite.server.hubs.Right;
import dev.iolite.server.hubs.SharedAccessPolicy;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * What the SAS tokens an AMQP connection put (on {@code $cbs}, or as its SASL PLAIN password) allow it to reach.
 * A token is checked once, when it arrives: its policy's key, its expiry, and that its {@code sr} covers the
 * audience it was put for. It then grants its policy's rights over the part of one hub that its {@code sr} names,
 * until it expires; a link is opened only under a grant that covers its address.
 *
 * <p>Which hub a token is for: the Event Hubs-compatible clients name the hub as the first segment of the path
 * ({@code amqp://HOST/HUB/ConsumerGroups/...}), the IoT Hub service clients name the hub's host
 * ({@code HUB.azure-devices.net}); a token for another host (an address such as {@code 127.0.0.1:5671}) is for the
 * hub that the connection's open frame names, or else for the server's default hub.
 */
final class Claims {
    /** A token's grant: the hub, the address segments it covers under the hub, its policy's rights, its expiry. */
    record Grant(String hub, List<String> scope, java.util.Set<Right> rights, long expiry, String keyName) {
        boolean covers(List<String> address) {
            if (scope.size() > address.size()) return false;
            for (int i = 0; i < scope.size(); i++) {
                if (!scope.get(i).equalsIgnoreCase(address.get(i))) return false;
            }
            return true;
        }
    }

    /** Why a token was refused: an AMQP status code (401, 403, 404) and a sentence that reveals no key. */
    static final class Refused extends Exception {
        final int status;

        Refused(int status, String message) {
            super(message, null, false, false);
            this.status = status;
        }
    }

    private final HubService hubs;
    private final String defaultHub;

    Claims(HubService hubs, String defaultHub) {
        this.hubs = hubs;
        this.defaultHub = defaultHub;
    }

    /**
     * Checks {@code token} (the text {@code SharedAccessSignature sr=...}) put for {@code audience} on a connection
     * whose open frame named {@code connectionHost}, at {@code now}.
     */
    Grant check(String token, String audience, String connectionHost, Instant now) throws Refused {
        SasToken sas = SasToken.parse(token).orElseThrow(() -> new Refused(401,
                "the token is not a SharedAccessSignature with sr, sig and se"));
        if (sas.expiredAt(now, 0)) throw new Refused(401, "the token has expired");
        if (sas.keyName() == null) throw new Refused(401, "the token names no shared access policy (skn)");
        List<String> path = segments(sas.resource());
        Hub hub = null;
        List<String> scope;
        if (!path.isEmpty() && (hub = hubs.find(path.get(0)).orElse(null)) != null) {
            scope = path;  // the Event Hubs form: the hub is the entity
        } else {
            hub = hubs.findByHost(sas.resourceHost()).or(() -> hubs.findByHost(connectionHost))
                    .or(() -> looksLikeHubHost(sas.resourceHost()) ? Optional.empty() : hubs.find(defaultHub))
                    .orElseThrow(() -> new Refused(404, "no hub here matches the token's resource"));
            scope = new ArrayList<>();
            scope.add(hub.name());
            scope.addAll(path);
        }
        SharedAccessPolicy policy = hub.policy(sas.keyName()).orElseThrow(() -> new Refused(401,
                "the token's shared access policy is not one of the hub's"));
        if (!signedBy(sas, policy.primaryKey()) && !signedBy(sas, policy.secondaryKey())) {
            throw new Refused(401, "the token's signature does not match its policy's keys");
        }
        if (audience != null && !audience.isBlank()) {
            Grant probe = new Grant(hub.name(), scope, policy.rights(), sas.expiry(), policy.keyName());
            if (!probe.covers(address(audience, hub.name()))) {
                throw new Refused(401, "the token's resource does not cover the audience it was put for");
            }
        }
        return new Grant(hub.name(), List.copyOf(scope), policy.rights(), sas.expiry(), policy.keyName());
    }

    /** IoT Hub's clients sign with the key's bytes, Event Hubs' clients with its text; either is the policy's key. */
    private static boolean signedBy(SasToken sas, String key) {
        try {
            if (sas.signedWith(key)) return true;
        } catch (IllegalArgumentException notBase64) {
            // a key that is not base64 cannot have signed the IoT Hub way
        }
        return sas.signedWithKeyText(key);
    }

    /**
     * A link address or audience as segments under its hub: {@code HUB/ConsumerGroups/...} stays as it is,
     * {@code /messages/devicebound} (an IoT Hub address, which names no hub) gets {@code hub} in front. Scheme and
     * host are dropped.
     */
    static List<String> address(String address, String hub) {
        List<String> s = segments(address);
        if (!s.isEmpty() && s.get(0).equalsIgnoreCase(hub)) return s;
        List<String> out = new ArrayList<>(s.size() + 1);
        out.add(hub);
        out.addAll(s);
        return out;
    }

    /** The non-empty, percent-decoded path segments of an address or resource, without scheme and host. */
    static List<String> segments(String text) {
        String r = text == null ? "" : text.strip();
        int scheme = r.indexOf("://");
        if (scheme >= 0) {
            r = r.substring(scheme + 3);
            int slash = r.indexOf('/');
            r = slash < 0 ? "" : r.substring(slash);
        } else if (!r.startsWith("/") && !r.startsWith("$") && r.contains("/") && looksLikeHost(r.substring(0, r.indexOf('/')))) {
            r = r.substring(r.indexOf('/'));  // "HOST/path", as a token's sr often is
        } else if (!r.startsWith("/") && !r.contains("/") && looksLikeHost(r)) {
            r = "";
        }
        int q = r.indexOf('?');
        if (q >= 0) r = r.substring(0, q);
        List<String> out = new ArrayList<>();
        for (String raw : r.split("/")) {
            if (raw.isEmpty()) continue;
            try {
                String s = URLDecoder.decode(raw.replace("+", "%2B"), StandardCharsets.UTF_8);
                if (s.equals(".") || s.equals("..")) return List.of("..");  // never a hub or a node: covers nothing
                out.add(s);
            } catch (IllegalArgumentException e) {
                return List.of("..");
            }
        }
        return out;
    }

    /** A host name or address (it has a dot or a port): {@code hub.azure-devices.net}, {@code 127.0.0.1:5671}. */
    private static boolean looksLikeHost(String s) {
        return s.contains(".") || s.contains(":") || s.equalsIgnoreCase("localhost");
    }

    private static boolean looksLikeHubHost(String host) {
        String h = host.contains(":") ? host.substring(0, host.indexOf(':')) : host;
        return h.toLowerCase(Locale.ROOT).endsWith("." + HubService.HOST_SUFFIX);
    }

    /**
     * Clock skew allowed past a token's expiry while a link is open under it: none, as IoT Hub closes a link when its
     * token expires (the clients put a new token well before: the Event Hubs clients at 90% of its life).
     */
    static final long SKEW_SECONDS = 0;
}

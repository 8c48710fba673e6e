package dev.iolite.server.devices;

import dev.iolite.server.auth.SasScope;
import dev.iolite.server.auth.SasToken;
import dev.iolite.server.errors.IoliteException;
import dev.iolite.server.errors.LogText;
import dev.iolite.server.hubs.Hub;
import dev.iolite.server.hubs.HubService;
import dev.iolite.server.hubs.Right;
import dev.iolite.server.hubs.SharedAccessPolicy;
import dev.iolite.server.registry.AuthType;
import dev.iolite.server.registry.Authentication;
import dev.iolite.server.registry.Device;
import dev.iolite.server.registry.DeviceKey;
import dev.iolite.server.registry.IdRules;
import dev.iolite.server.registry.RegistryService;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Locale;

/**
 * Authenticates a device or module that connects, as IoT Hub does on its device endpoints
 * (https://learn.microsoft.com/azure/iot/iot-mqtt-connect-to-iot-hub): the user name names the hub's host and
 * the identity, the password is a SAS token scoped to the identity (signed with its own key, or with a hub
 * policy that grants DeviceConnect), or absent when a self-signed X.509 identity shows its certificate. A
 * refusal never says why to the device (IoT Hub answers every failure alike); the reason goes to the log.
 */
public final class DeviceAuthenticator {
    private final HubService hubs;
    private final RegistryService registry;
    private final Clock clock;
    private final String defaultHub;

    public DeviceAuthenticator(HubService hubs, RegistryService registry, Clock clock) {
        this(hubs, registry, clock, null);
    }

    /**
     * @param defaultHub the hub of a device that names an address rather than a hub's host name in its user name
     *                   ({@code HostName=127.0.0.1:8443}, which the SDKs send as is); null: no such hub
     */
    public DeviceAuthenticator(HubService hubs, RegistryService registry, Clock clock, String defaultHub) {
        this.hubs = hubs;
        this.registry = registry;
        this.clock = clock;
        this.defaultHub = defaultHub;
    }

    /**
     * What a device presents.
     *
     * @param clientId    {@code deviceId} or {@code deviceId/moduleId}
     * @param username    {@code {host}/{clientId}/?api-version=...}
     * @param password    a SAS token, or null or empty for X.509
     * @param certificate the TLS client certificate, or null
     */
    public record Presented(String clientId, String username, String password, X509Certificate certificate) {}

    /**
     * Who connected.
     *
     * @param hub        the hub
     * @param identity   the identity as it is now
     * @param authMethod IoT Hub's {@code iothub-connection-auth-method} for its messages
     * @param expires    when the token expires (the connection ends then), or null for a certificate
     */
    public record Authenticated(Hub hub, Device identity, String authMethod, Instant expires) {
        public DeviceKey key() { return identity.key(); }
    }

    /** A refusal; the message is for the log only. */
    public static final class Refused extends Exception {
        public Refused(String reason) {
            super(reason, null, false, false);
        }
    }

    public Authenticated authenticate(Presented p) throws Refused {
        if (p.clientId() == null || p.clientId().isEmpty()) throw new Refused("no client id");
        String[] ids = p.clientId().split("/", -1);
        if (ids.length > 2 || !IdRules.isValidKey(ids[0], ids.length == 2 ? ids[1] : null)) {
            throw new Refused("client id '" + LogText.escape(p.clientId()) + "' is not a device id or deviceId/moduleId");
        }
        DeviceKey key = new DeviceKey(ids[0], ids.length == 2 ? ids[1] : null);
        String user = p.username() == null ? "" : p.username();
        int slash = user.indexOf('/');
        if (slash <= 0) throw new Refused("user name '" + LogText.escape(user) + "' does not start with the hub's host name");
        String host = user.substring(0, slash);
        String rest = user.substring(slash + 1);
        if (!(rest.startsWith(p.clientId() + "/") && (rest.length() == p.clientId().length() + 1
                || rest.charAt(p.clientId().length() + 1) == '?'))) {
            throw new Refused("user name '" + LogText.escape(user) + "' does not name client id '" + LogText.escape(p.clientId()) + "'");
        }
        // a hub's host name names the hub; an address (no hub's host name) stands for the default hub
        boolean address = !host.toLowerCase(Locale.ROOT).replaceFirst(":[0-9]+$", "").endsWith("." + HubService.HOST_SUFFIX);
        Hub hub = hubs.findByHost(host).or(() -> address ? hubs.find(defaultHub) : java.util.Optional.empty())
                .orElseThrow(() -> new Refused("no hub has host name '" + LogText.escape(host) + "'"));
        Device identity;
        Device device;
        try {
            identity = registry.get(hub.name(), key);
            device = key.moduleId() == null ? identity : registry.get(hub.name(), key.parent());
        } catch (IoliteException e) {
            throw new Refused(key + " is not registered in hub " + hub.name());
        }
        if (!device.enabled()) throw new Refused(key + " is disabled");
        String scope = key.moduleId() == null ? "device" : "module";
        if (p.password() == null || p.password().isEmpty()) {
            checkCertificate(identity, p.certificate());
            return new Authenticated(hub, identity, authMethod(scope, "x509Certificate"), null);
        }
        SasToken token = SasToken.parse(p.password()).orElseThrow(() -> new Refused("the password is not a SAS token"));
        if (!token.resourceHost().equalsIgnoreCase(hub.hostName()) && !(address && token.resourceHost().equalsIgnoreCase(host))) {
            throw new Refused("the token is for '" + LogText.escape(token.resourceHost()) + "', not hub " + hub.name());
        }
        String path = "/devices/" + key.deviceId() + (key.moduleId() == null ? "" : "/modules/" + key.moduleId());
        if (!SasScope.covers(token.resource(), path)) {
            throw new Refused("the token's resource '" + LogText.escape(token.resource()) + "' does not cover " + key);
        }
        // No skew here: a connection lasts while its token does, and ends when it expires, as IoT Hub's do.
        if (token.expiredAt(clock.instant(), 0)) throw new Refused("the token expired");
        if (token.keyName() == null) {
            Authentication a = identity.authentication();
            if (a.type() != AuthType.SAS) throw new Refused(key + " does not authenticate with keys");
            if (!signed(token, a.primaryKey()) && !signed(token, a.secondaryKey())) {
                throw new Refused("the token is not signed with a key of " + key);
            }
        } else {
            SharedAccessPolicy policy = hub.policy(token.keyName())
                    .orElseThrow(() -> new Refused("hub " + hub.name() + " has no policy named '" + LogText.escape(token.keyName()) + "'"));
            if (!Right.grants(policy.rights(), Right.DEVICE_CONNECT)) throw new Refused("policy " + policy.keyName() + " does not grant DeviceConnect");
            if (!signed(token, policy.primaryKey()) && !signed(token, policy.secondaryKey())) {
                throw new Refused("the token is not signed with a key of policy " + policy.keyName());
            }
            scope = "hub";
        }
        return new Authenticated(hub, identity, authMethod(scope, "sas"), Instant.ofEpochSecond(token.expiry()));
    }

    private static boolean signed(SasToken token, String key) {
        return key != null && !key.isEmpty() && token.signedWith(key);
    }

    /** A self-signed identity is who its certificate's SHA-1 or SHA-256 thumbprint says. */
    private static void checkCertificate(Device identity, X509Certificate cert) throws Refused {
        Authentication a = identity.authentication();
        if (cert == null) throw new Refused(identity.key() + " sent neither a password nor a client certificate");
        if (a.type() != AuthType.SELF_SIGNED) {
            throw new Refused(identity.key() + " is not a self-signed X.509 identity (" + a.type() + "); Iolite keeps no certificate authorities");
        }
        try {
            cert.checkValidity();
            byte[] der = cert.getEncoded();
            for (String alg : new String[] {"SHA-1", "SHA-256"}) {
                String thumb = HexFormat.of().withUpperCase().formatHex(MessageDigest.getInstance(alg).digest(der));
                if (thumb.equalsIgnoreCase(nonNull(a.primaryThumbprint())) || thumb.equalsIgnoreCase(nonNull(a.secondaryThumbprint()))) return;
            }
        } catch (java.security.cert.CertificateException e) {
            throw new Refused("the client certificate is not valid now: " + e.getMessage());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-1 and SHA-256 are part of every JDK", e);
        }
        throw new Refused("the client certificate's thumbprint is not one of " + identity.key() + "'s");
    }

    private static String nonNull(String s) { return s == null ? "" : s.toUpperCase(Locale.ROOT); }

    /** IoT Hub's {@code iothub-connection-auth-method}, as it writes it on telemetry. */
    private static String authMethod(String scope, String type) {
        return "{\"scope\":\"" + scope + "\",\"type\":\"" + type + "\",\"issuer\":\"iothub\",\"acceptingIpFilterRule\":null}";
    }
}

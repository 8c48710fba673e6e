package dev.iolite.server.auth;

import dev.iolite.server.hubs.SharedAccessPolicy;
import dev.iolite.server.hubs.Right;
import dev.iolite.server.hubs.Hub;
import dev.iolite.server.hubs.HubService;
import dev.iolite.server.errors.ErrorCode;
import dev.iolite.server.errors.IoliteException;
import dev.iolite.server.errors.LogText;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.util.Optional;

/**
 * Authenticates hub API calls by SAS token (https://learn.microsoft.com/azure/iot-hub/authenticate-authorize-sas) and
 * finds the hub they address: the
 * token's {@code sr} host (port ignored), then the Host header, else the default hub. The request
 * path must be at or under the token's resource path ({@link SasScope}).
 *
 * <p>A refusal tells the caller only which of four cases it is (missing, malformed, expired, not
 * authorized), never which hubs or policies exist; the detail goes to the server log.
 */
public final class HubAuthenticator {
    private static final Logger LOG = LoggerFactory.getLogger(HubAuthenticator.class);
    /** Clock skew allowed past a token's expiry, as the SDKs' own validator allows. */
    public static final long MAX_CLOCK_SKEW_SECONDS = 300;

    static final String MISSING = "the Authorization header is missing; send a SharedAccessSignature token";
    static final String MALFORMED = "the Authorization header is not a SharedAccessSignature token with sr, sig and se";
    static final String EXPIRED = "the SharedAccessSignature token has expired";
    static final String NOT_AUTHORIZED = "the SharedAccessSignature token does not authorize this request";

    private final HubService hubs;
    private final String defaultHub;
    private final Clock clock;

    public HubAuthenticator(HubService hubs, String defaultHub, Clock clock) {
        this.hubs = hubs;
        this.defaultHub = defaultHub;
        this.clock = clock;
    }

    /**
     * Returns the hub when the token is valid for it, covers {@code requestPath} and its policy grants
     * {@code needed}; else throws 401 with one of four generic messages.
     */
    public Hub authenticate(String authorization, String hostHeader, String requestPath, Right needed) {
        if (authorization == null || authorization.isBlank()) throw unauthorized(MISSING, "no Authorization header");
        SasToken token = SasToken.parse(authorization).orElseThrow(() -> unauthorized(MALFORMED, "unparseable token"));
        Optional<Hub> bySr = hubs.findByHost(token.resourceHost());
        Optional<Hub> byHost = hubs.findByHost(hostHeader);
        if (bySr.isEmpty() && looksLikeHubHost(token.resourceHost())) {
            throw unauthorized(NOT_AUTHORIZED, "the token is for '" + token.resourceHost() + "', not a hub here");
        }
        if (bySr.isPresent() && byHost.isPresent() && !bySr.get().name().equalsIgnoreCase(byHost.get().name())) {
            throw unauthorized(NOT_AUTHORIZED, "the token is for hub '" + bySr.get().name()
                    + "' but the request is addressed to hub '" + byHost.get().name() + "'");
        }
        Hub hub = bySr.or(() -> byHost).or(() -> hubs.find(defaultHub))
                .orElseThrow(() -> unauthorized(NOT_AUTHORIZED, "no hub matches the token"));
        if (token.expiredAt(clock.instant(), MAX_CLOCK_SKEW_SECONDS)) throw unauthorized(EXPIRED, "token expired");
        if (token.keyName() == null) {
            throw unauthorized(NOT_AUTHORIZED, "the token names no shared access policy (skn)");
        }
        SharedAccessPolicy policy = hub.policy(token.keyName()).orElseThrow(() -> unauthorized(NOT_AUTHORIZED,
                "hub '" + hub.name() + "' has no shared access policy named '" + token.keyName() + "'"));
        if (!token.signedWith(policy.primaryKey()) && !token.signedWith(policy.secondaryKey())) {
            throw unauthorized(NOT_AUTHORIZED, "the signature does not match policy '" + policy.keyName()
                    + "' of hub '" + hub.name() + "'");
        }
        if (!SasScope.covers(token.resource(), requestPath)) {
            throw unauthorized(NOT_AUTHORIZED, "the token's resource '" + token.resource()
                    + "' does not cover the path '" + requestPath + "'");
        }
        if (!Right.grants(policy.rights(), needed)) {
            throw unauthorized(NOT_AUTHORIZED, "policy '" + policy.keyName() + "' does not grant " + needed.wireName());
        }
        return hub;
    }

    /** A host that names a hub by convention ({@code name.azure-devices.net}) rather than an address. */
    private static boolean looksLikeHubHost(String host) {
        String h = host.contains(":") ? host.substring(0, host.indexOf(':')) : host;
        return h.endsWith("." + HubService.HOST_SUFFIX);
    }

    private static IoliteException unauthorized(String publicMessage, String detail) {
        LOG.info("hub API request refused (401): {}", LogText.escape(detail));
        return new IoliteException(ErrorCode.UNAUTHORIZED, publicMessage);
    }
}

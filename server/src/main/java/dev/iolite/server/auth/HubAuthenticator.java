package dev.iolite.server.auth;

import dev.iolite.server.hubs.Hub;
import dev.iolite.server.hubs.HubService;
import dev.iolite.server.registry.ErrorCode;
import dev.iolite.server.registry.IoliteException;

import java.time.Clock;
import java.util.Optional;

/**
 * Authenticates hub API calls by SAS token (SPEC §2.10) and finds the hub they address: the
 * token's {@code sr} host (port ignored), then the Host header, else the default hub.
 */
public final class HubAuthenticator {
    /** Clock skew allowed past a token's expiry, as the SDKs' own validator allows. */
    public static final long MAX_CLOCK_SKEW_SECONDS = 300;

    private final HubService hubs;
    private final String defaultHub;
    private final Clock clock;

    public HubAuthenticator(HubService hubs, String defaultHub, Clock clock) {
        this.hubs = hubs;
        this.defaultHub = defaultHub;
        this.clock = clock;
    }

    /** Returns the hub when the token is valid for it and its policy grants {@code needed}; else throws 401. */
    public Hub authenticate(String authorization, String hostHeader, Right needed) {
        if (authorization == null || authorization.isBlank()) {
            throw unauthorized("the Authorization header is missing; send a SharedAccessSignature token");
        }
        SasToken token = SasToken.parse(authorization).orElseThrow(() -> unauthorized(
                "the Authorization header is not a SharedAccessSignature token with sr, sig and se"));
        Optional<Hub> bySr = hubs.findByHost(token.resourceHost());
        Optional<Hub> byHost = hubs.findByHost(hostHeader);
        if (bySr.isEmpty() && looksLikeHubHost(token.resourceHost())) {
            throw unauthorized("the token is for '" + token.resourceHost() + "', which is not a hub on this server");
        }
        if (bySr.isPresent() && byHost.isPresent() && !bySr.get().name().equalsIgnoreCase(byHost.get().name())) {
            throw unauthorized("the token is for hub '" + bySr.get().name() + "' but the request is addressed to hub '"
                    + byHost.get().name() + "'");
        }
        Hub hub = bySr.or(() -> byHost).or(() -> hubs.find(defaultHub))
                .orElseThrow(() -> unauthorized("no hub matches the token"));
        if (token.expiredAt(clock.instant(), MAX_CLOCK_SKEW_SECONDS)) {
            throw unauthorized("the SharedAccessSignature token has expired");
        }
        if (token.keyName() == null) {
            throw unauthorized("the token names no shared access policy (skn); device tokens cannot call the service API");
        }
        SharedAccessPolicy policy = hub.policy(token.keyName()).orElseThrow(() -> unauthorized(
                "hub '" + hub.name() + "' has no shared access policy named '" + token.keyName() + "'"));
        if (!token.signedWith(policy.primaryKey()) && !token.signedWith(policy.secondaryKey())) {
            throw unauthorized("the token's signature does not match policy '" + policy.keyName() + "' of hub '"
                    + hub.name() + "'");
        }
        if (!Right.grants(policy.rights(), needed)) {
            throw unauthorized("policy '" + policy.keyName() + "' does not grant " + needed.wireName());
        }
        return hub;
    }

    /** A host that names a hub by convention ({@code name.azure-devices.net}) rather than an address. */
    private static boolean looksLikeHubHost(String host) {
        String h = host.contains(":") ? host.substring(0, host.indexOf(':')) : host;
        return h.endsWith("." + HubService.HOST_SUFFIX);
    }

    private static IoliteException unauthorized(String message) {
        return new IoliteException(ErrorCode.UNAUTHORIZED, message);
    }
}

package dev.iolite.server.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.source.ImmutableJWKSet;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import dev.iolite.server.files.PrivateFiles;
import dev.iolite.server.errors.ErrorCode;
import dev.iolite.server.errors.IoliteException;
import dev.iolite.server.errors.LogText;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/**
 * Bearer tokens for the ARM surface: tokens this server signs with its own key (kept in the data dir:
 * P-256, ES256, for data dirs made since start-up became a feature; RSA, RS256, for older ones), and
 * optionally tokens of an external OIDC issuer validated against its JWKS.
 */
public final class ArmTokens {
    private static final Logger LOG = LoggerFactory.getLogger(ArmTokens.class);
    public static final String ISSUER = "iolite";
    public static final String AUDIENCE = "https://management.azure.com/";
    private static final String KEY_FILE = "arm-signing-key.json";

    private final JWK signingKey;
    private final Clock clock;
    private final DefaultJWTProcessor<SecurityContext> own;
    private final DefaultJWTProcessor<SecurityContext> external;
    private final Set<String> externalSubjects;

    private ArmTokens(JWK signingKey, External external, Clock clock) {
        this.signingKey = signingKey;
        this.clock = clock;
        this.own = processor(new ImmutableJWKSet<>(new JWKSet(signingKey.toPublicJWK())), ISSUER, AUDIENCE);
        if (external != null) {
            if (external.audience() == null || external.audience().isBlank()) {
                throw new IllegalArgumentException("an external issuer needs an audience");
            }
            if (!"https".equalsIgnoreCase(external.jwksUrl().getProtocol())) {
                throw new IllegalArgumentException("the external issuer's JWKS URL must be https");
            }
            JWKSource<SecurityContext> remote = JWKSourceBuilder.create(external.jwksUrl()).retrying(true).build();
            this.external = processor(remote, external.issuer(), external.audience());
            this.externalSubjects = Set.copyOf(external.subjects());
        } else {
            this.external = null;
            this.externalSubjects = Set.of();
        }
    }

    /** Loads the data dir's signing key, generating it at first start. */
    public static ArmTokens open(Path dataDir, External external, Clock clock) throws IOException {
        Path file = dataDir.resolve(KEY_FILE);
        JWK key;
        try {
            if (Files.exists(file)) {
                key = JWK.parse(Files.readString(file));
                if (!(key instanceof RSAKey) && !(key instanceof ECKey)) throw new ParseException("neither an RSA nor an EC key", 0);
            } else {
                key = new ECKeyGenerator(Curve.P_256).keyID(UUID.randomUUID().toString()).generate();
                Path tmp = dataDir.resolve(KEY_FILE + ".tmp");
                Files.deleteIfExists(tmp);
                PrivateFiles.writeString(tmp, key.toJSONString());
                Files.move(tmp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            }
        } catch (ParseException | JOSEException e) {
            throw new IOException(file + " does not hold a usable signing key: " + e.getMessage(), e);
        }
        return new ArmTokens(key, external, clock);
    }

    /** A token this server accepts, valid for {@code ttl}. */
    public String mint(Duration ttl) {
        Instant now = clock.instant();
        JWTClaimsSet claims = new JWTClaimsSet.Builder().issuer(ISSUER).audience(AUDIENCE).subject("iolite-cli")
                .issueTime(Date.from(now)).notBeforeTime(Date.from(now.minusSeconds(60)))
                .expirationTime(Date.from(now.plus(ttl))).jwtID(UUID.randomUUID().toString()).build();
        boolean rsa = signingKey instanceof RSAKey;
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(rsa ? JWSAlgorithm.RS256 : JWSAlgorithm.ES256)
                .keyID(signingKey.getKeyID()).build(), claims);
        try {
            jwt.sign(rsa ? new RSASSASigner((RSAKey) signingKey) : new ECDSASigner((ECKey) signingKey));
        } catch (JOSEException e) {
            throw new IllegalStateException("signing with our own key failed; this indicates a bug", e);
        }
        return jwt.serialize();
    }

    /**
     * Validates an {@code Authorization: Bearer} header: a token of this server, or of the external
     * issuer with its audience and (when an allow-list is set) an allowed {@code sub} or {@code oid}.
     * Throws 401 with one generic message per case; the detail goes to the server log only.
     */
    public JWTClaimsSet verify(String authorization) {
        if (authorization == null || authorization.isBlank()) {
            throw unauthorized("the Authorization header is missing; send 'Bearer <token>' (see 'iolite token')",
                    "no Authorization header");
        }
        if (!authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            throw unauthorized("the Authorization header must be 'Bearer <token>'", "not a bearer token");
        }
        String token = authorization.substring(7).trim();
        String detail;
        try {
            return own.process(token, null);
        } catch (ParseException e) {
            throw unauthorized("the bearer token is not a signed JWT", "unparseable JWT");
        } catch (BadJOSEException | JOSEException e) {
            detail = "own key: " + e.getMessage();
        }
        if (external != null) {
            try {
                JWTClaimsSet claims = external.process(token, null);
                if (externalSubjects.isEmpty() || allowedSubject(claims)) return claims;
                detail = "subject '" + claims.getSubject() + "' (oid '" + claims.getClaim("oid")
                        + "') is not in --arm-subjects";
            } catch (ParseException | BadJOSEException | JOSEException e) {
                detail += "; external issuer: " + e.getMessage();
            }
        }
        throw unauthorized("the bearer token was refused", detail);
    }

    private boolean allowedSubject(JWTClaimsSet claims) {
        Object oid = claims.getClaim("oid");
        return (claims.getSubject() != null && externalSubjects.contains(claims.getSubject()))
                || (oid instanceof String o && externalSubjects.contains(o));
    }

    private DefaultJWTProcessor<SecurityContext> processor(JWKSource<SecurityContext> keys, String issuer, String audience) {
        DefaultJWTProcessor<SecurityContext> p = new DefaultJWTProcessor<>();
        p.setJWSKeySelector(new JWSVerificationKeySelector<>(
                Set.of(JWSAlgorithm.RS256, JWSAlgorithm.RS384, JWSAlgorithm.RS512, JWSAlgorithm.ES256), keys));
        DefaultJWTClaimsVerifier<SecurityContext> claims = new DefaultJWTClaimsVerifier<>(audience,
                new JWTClaimsSet.Builder().issuer(issuer).build(), Set.of("exp")) {
            @Override
            protected Date currentTime() { return Date.from(clock.instant()); }
        };
        claims.setMaxClockSkew(300);
        p.setJWTClaimsSetVerifier(claims);
        return p;
    }

    private static IoliteException unauthorized(String message, String detail) {
        LOG.info("ARM request refused (401): {}", LogText.escape(detail));
        return new IoliteException(ErrorCode.UNAUTHORIZED, message);
    }

    /**
     * An external OIDC issuer whose tokens the ARM surface also accepts: its https JWKS, the audience
     * its tokens must carry, and the {@code sub}/{@code oid} values allowed to act (empty: any).
     */
    public record External(String issuer, URL jwksUrl, String audience, List<String> subjects) {
        public External {
            subjects = subjects == null ? List.of() : List.copyOf(subjects);
        }
    }
}

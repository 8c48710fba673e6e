package dev.iolite.server.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
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
import dev.iolite.server.registry.ErrorCode;
import dev.iolite.server.registry.IoliteException;

import java.io.IOException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/**
 * Bearer tokens for the ARM surface: tokens this server signs with its own RSA key (kept in the
 * data dir), and optionally tokens of an external OIDC issuer validated against its JWKS.
 */
public final class ArmTokens {
    public static final String ISSUER = "iolite";
    public static final String AUDIENCE = "https://management.azure.com/";
    private static final String KEY_FILE = "arm-signing-key.json";

    private final RSAKey signingKey;
    private final Clock clock;
    private final List<DefaultJWTProcessor<SecurityContext>> verifiers = new ArrayList<>();

    private ArmTokens(RSAKey signingKey, External external, Clock clock) {
        this.signingKey = signingKey;
        this.clock = clock;
        verifiers.add(processor(new ImmutableJWKSet<>(new JWKSet(signingKey.toPublicJWK())), ISSUER, null));
        if (external != null) {
            JWKSource<SecurityContext> remote = JWKSourceBuilder.create(external.jwksUrl()).retrying(true).build();
            verifiers.add(processor(remote, external.issuer(), external.audience()));
        }
    }

    /** Loads the data dir's signing key, generating it at first start. */
    public static ArmTokens open(Path dataDir, External external, Clock clock) throws IOException {
        Path file = dataDir.resolve(KEY_FILE);
        RSAKey key;
        try {
            if (Files.exists(file)) {
                key = RSAKey.parse(Files.readString(file));
            } else {
                key = new RSAKeyGenerator(2048).keyID(UUID.randomUUID().toString()).generate();
                Path tmp = dataDir.resolve(KEY_FILE + ".tmp");
                Files.writeString(tmp, key.toJSONString());
                trySetOwnerOnly(tmp);
                Files.move(tmp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            }
        } catch (ParseException | JOSEException e) {
            throw new IOException(file + " does not hold a usable RSA key: " + e.getMessage(), e);
        }
        return new ArmTokens(key, external, clock);
    }

    /** A token this server accepts, valid for {@code ttl}. */
    public String mint(Duration ttl) {
        Instant now = clock.instant();
        JWTClaimsSet claims = new JWTClaimsSet.Builder().issuer(ISSUER).audience(AUDIENCE).subject("iolite-cli")
                .issueTime(Date.from(now)).notBeforeTime(Date.from(now.minusSeconds(60)))
                .expirationTime(Date.from(now.plus(ttl))).jwtID(UUID.randomUUID().toString()).build();
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(signingKey.getKeyID()).build(), claims);
        try {
            jwt.sign(new RSASSASigner(signingKey));
        } catch (JOSEException e) {
            throw new IllegalStateException("signing with our own RSA key failed; this indicates a bug", e);
        }
        return jwt.serialize();
    }

    /** Validates an {@code Authorization: Bearer} header; throws 401 with the reason otherwise. */
    public JWTClaimsSet verify(String authorization) {
        if (authorization == null || authorization.isBlank()) {
            throw unauthorized("the Authorization header is missing; send 'Bearer <token>' (see 'iolite token')");
        }
        if (!authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            throw unauthorized("the Authorization header must be 'Bearer <token>'");
        }
        String token = authorization.substring(7).trim();
        String reason = "the bearer token is not a signed JWT";
        for (DefaultJWTProcessor<SecurityContext> verifier : verifiers) {
            try {
                return verifier.process(token, null);
            } catch (ParseException e) {
                throw unauthorized(reason);
            } catch (BadJOSEException | JOSEException e) {
                reason = "the bearer token was refused: " + e.getMessage();
            }
        }
        throw unauthorized(reason);
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

    private static void trySetOwnerOnly(Path p) {
        try {
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException | IOException e) {
            // not a POSIX file system: the data dir's own permissions protect the key
        }
    }

    private static IoliteException unauthorized(String message) {
        return new IoliteException(ErrorCode.UNAUTHORIZED, message);
    }

    /** An external OIDC issuer whose tokens the ARM surface also accepts. */
    public record External(String issuer, URL jwksUrl, String audience) {}
}

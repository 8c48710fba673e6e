package dev.iolite.server.it;

import dev.iolite.server.testkit.ServerExtension;
import dev.iolite.server.testkit.Sdks;
import dev.iolite.server.testkit.TestTls;
import dev.iolite.server.testkit.SqliteOnly;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpServer;
import dev.iolite.server.ServerConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.InetSocketAddress;
import java.net.URL;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Date;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** ARM accepts tokens of an external OIDC issuer, validated against its JWKS; and refuses near misses. */
@SqliteOnly("OIDC tokens do not depend on the store")
class ArmOidcIT {
    private static final String ISSUER = "https://login.example.test/tenant/v2.0";
    private static final String AUDIENCE = "https://management.azure.com/";
    private static final RSAKey ISSUER_KEY;
    private static final HttpServer JWKS;

    static {
        try {
            ISSUER_KEY = new RSAKeyGenerator(2048).keyID("issuer-key-1").generate();
            JWKS = com.sun.net.httpserver.HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            ((com.sun.net.httpserver.HttpsServer) JWKS).setHttpsConfigurator(
                    new com.sun.net.httpserver.HttpsConfigurator(TestTls.serving()));
            byte[] body = new JWKSet(ISSUER_KEY.toPublicJWK()).toString().getBytes(StandardCharsets.UTF_8);
            JWKS.createContext("/keys", ex -> {
                ex.getResponseHeaders().add("Content-Type", "application/json");
                ex.sendResponseHeaders(200, body.length);
                ex.getResponseBody().write(body);
                ex.close();
            });
            JWKS.start();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @RegisterExtension
    static final ServerExtension server = new ServerExtension(c -> {
        try {
            return c.withArmIssuer(new ServerConfig.ArmIssuer(ISSUER,
                    new URL("https://127.0.0.1:" + JWKS.getAddress().getPort() + "/keys"), AUDIENCE,
                    List.of("operator", "object-id-of-a-group-member")));
        } catch (java.net.MalformedURLException e) {
            throw new IllegalStateException(e);
        }
    });

    @AfterAll
    static void stopJwks() {
        JWKS.stop(0);
    }

    private static String token(RSAKey key, String issuer, String audience, Instant expiry) throws Exception {
        return token(key, issuer, audience, expiry, "operator", null);
    }

    private static String token(RSAKey key, String issuer, String audience, Instant expiry, String subject, String oid)
            throws Exception {
        JWTClaimsSet.Builder b = new JWTClaimsSet.Builder().issuer(issuer).audience(audience).subject(subject)
                .expirationTime(Date.from(expiry)).issueTime(new Date());
        if (oid != null) b.claim("oid", oid);
        JWTClaimsSet claims = b.build();
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(key.getKeyID()).build(), claims);
        jwt.sign(new RSASSASigner(key));
        return jwt.serialize();
    }

    private HttpResponse<String> stats(String token) throws Exception {
        return server.send("GET", "/subscriptions/" + server.ready().get("subscriptionId").asText() + "/resourceGroups/"
                + server.ready().get("resourceGroup").asText() + "/providers/Microsoft.Devices/IotHubs/"
                + server.ready().get("hub").asText() + "/IotHubStats?api-version=2023-06-30", "Bearer " + token, null);
    }

    @Test
    void theIssuersTokensWorkThroughTheSdk() throws Exception {
        String t = token(ISSUER_KEY, ISSUER, AUDIENCE, Instant.now().plusSeconds(600));
        var stats = armManager(t).iotHubResources().getStats(server.ready().get("resourceGroup").asText(),
                server.ready().get("hub").asText());
        assertThat(stats.totalDeviceCount()).isZero();
        // the server's own tokens keep working beside the issuer's
        assertThat(stats(server.armToken()).statusCode()).isEqualTo(200);
    }

    @Test
    void wrongAudienceIssuerKeyOrExpiryIsRefused() throws Exception {
        RSAKey stranger = new RSAKeyGenerator(2048).keyID("issuer-key-1").generate();
        assertThat(stats(token(ISSUER_KEY, ISSUER, "api://other", Instant.now().plusSeconds(600))).statusCode()).isEqualTo(401);
        assertThat(stats(token(ISSUER_KEY, "https://evil.test/", AUDIENCE, Instant.now().plusSeconds(600))).statusCode())
                .isEqualTo(401);
        assertThat(stats(token(stranger, ISSUER, AUDIENCE, Instant.now().plusSeconds(600))).statusCode()).isEqualTo(401);
        HttpResponse<String> expired = stats(token(ISSUER_KEY, ISSUER, AUDIENCE, Instant.now().minusSeconds(900)));
        assertThat(expired.statusCode()).isEqualTo(401);
        assertThat(ServerExtension.JSON.readTree(expired.body()).get("message").asText()).contains("refused");
    }

    @Test
    void onlyTheAllowedSubjectsOfTheIssuerMayAct() throws Exception {
        Instant later = Instant.now().plusSeconds(600);
        HttpResponse<String> stranger = stats(token(ISSUER_KEY, ISSUER, AUDIENCE, later, "someone-else-in-the-tenant", null));
        assertThat(stranger.statusCode()).isEqualTo(401);
        // the body says the token was refused, and nothing of which subjects would be accepted
        assertThat(stranger.body()).contains("refused").doesNotContain("operator").doesNotContain("someone-else");
        HttpResponse<String> listKeys = server.send("POST", "/subscriptions/" + server.ready().get("subscriptionId").asText()
                + "/resourceGroups/" + server.ready().get("resourceGroup").asText() + "/providers/Microsoft.Devices/IotHubs/"
                + server.ready().get("hub").asText() + "/listkeys?api-version=2023-06-30",
                "Bearer " + token(ISSUER_KEY, ISSUER, AUDIENCE, later, "someone-else-in-the-tenant", null), null);
        assertThat(listKeys.statusCode()).isEqualTo(401);
        assertThat(listKeys.body()).doesNotContain("PrimaryKey").doesNotContain("primaryKey");
        assertThat(stats(token(ISSUER_KEY, ISSUER, AUDIENCE, later, "pairwise-subject", "object-id-of-a-group-member"))
                .statusCode()).as("allowed by object id").isEqualTo(200);
    }

    private static com.azure.resourcemanager.iothub.IotHubManager armManager(String token) {
        return Sdks.arm(server, token);
    }
}

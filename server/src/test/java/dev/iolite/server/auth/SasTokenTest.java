package dev.iolite.server.auth;

import dev.iolite.server.hubs.Right;
import org.junit.jupiter.api.Test;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * SAS tokens as the Java and Node SDKs send them
 * (https://learn.microsoft.com/azure/iot-hub/authenticate-authorize-sas).
 */
class SasTokenTest {
    private static final String KEY = "MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTIzNDU2Nzg5MDE=";

    @Test
    void javaOrderWithEncodedResourceVerifies() {
        String token = SasToken.create("Hub.Azure-Devices.net", "iothubowner", KEY, Instant.ofEpochSecond(1_900_000_000));
        SasToken t = SasToken.parse(token).orElseThrow();
        assertThat(t.resourceHost()).isEqualTo("hub.azure-devices.net");
        assertThat(t.keyName()).isEqualTo("iothubowner");
        assertThat(t.expiry()).isEqualTo(1_900_000_000L);
        assertThat(t.signedWith(KEY)).isTrue();
        assertThat(t.signedWith("AAAAAAAAAAAAAAAAAAAAAA==")).isFalse();
    }

    @Test
    void nodeOrderWithRawResourceAndPortVerifiesAgainstTheTextAsSent() {
        String sr = "127.0.0.1:1234";
        long se = 1_900_000_000L;
        String sig = URLEncoder.encode(SasToken.sign(sr, se, KEY), StandardCharsets.UTF_8);
        String header = "SharedAccessSignature sr=" + sr + "&sig=" + sig + "&skn=service&se=" + se;
        SasToken t = SasToken.parse(header).orElseThrow();
        assertThat(t.signedWith(KEY)).isTrue();
        assertThat(t.resourceHost()).isEqualTo("127.0.0.1:1234");
    }

    @Test
    void fieldNamesAreCaseInsensitiveAndOrderFree() {
        long se = 1_900_000_000L;
        String sig = URLEncoder.encode(SasToken.sign("h", se, KEY), StandardCharsets.UTF_8);
        assertThat(SasToken.parse("sharedaccesssignature SE=" + se + "&SKN=x&SIG=" + sig + "&SR=h").orElseThrow()
                .signedWith(KEY)).isTrue();
    }

    @Test
    void malformedTokensDoNotParse() {
        assertThat(SasToken.parse("Bearer x")).isEmpty();
        assertThat(SasToken.parse("SharedAccessSignature sr=a&sig=b")).isEmpty();
        assertThat(SasToken.parse("SharedAccessSignature sr=a&sig=b&se=soon")).isEmpty();
        assertThat(SasToken.parse("SharedAccessSignature noequals")).isEmpty();
        assertThat(SasToken.parse(null)).isEmpty();
    }

    @Test
    void expiryAllowsTheGivenSkew() {
        SasToken t = SasToken.parse(SasToken.create("h", "k", KEY, Instant.ofEpochSecond(1000))).orElseThrow();
        assertThat(t.expiredAt(Instant.ofEpochSecond(1200), 300)).isFalse();
        assertThat(t.expiredAt(Instant.ofEpochSecond(1301), 300)).isTrue();
    }

    @Test
    void rightsFormatInArmOrderAndWriteImpliesRead() {
        assertThat(Right.format(Right.parse("ServiceConnect, registryread"))).isEqualTo("RegistryRead, ServiceConnect");
        assertThat(Right.grants(java.util.Set.of(Right.REGISTRY_WRITE), Right.REGISTRY_READ)).isTrue();
        assertThat(Right.grants(java.util.Set.of(Right.REGISTRY_READ), Right.REGISTRY_WRITE)).isFalse();
    }
}

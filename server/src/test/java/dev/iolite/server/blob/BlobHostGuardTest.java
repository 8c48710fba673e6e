package dev.iolite.server.blob;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.net.InetAddress;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The SSRF guard's rules: which hosts match, and which addresses behind them may be connected to. */
class BlobHostGuardTest {
    private static final BlobHostGuard PUBLIC_SERVER = new BlobHostGuard(
            List.of("*.blob.core.windows.net", "storage.internal.example:10000", "10.20.0.0/16"), false);
    private static final BlobHostGuard LOOPBACK_SERVER = new BlobHostGuard(List.of("*.blob.core.windows.net"), true);

    @ParameterizedTest(name = "{0}:{1} -> {2}")
    @CsvSource({
            "acct.blob.core.windows.net,     443,   PUBLIC_ONLY",
            "evil.blob.core.windows.net.example, 443, NONE",
            "storage.internal.example,       10000, EXPLICIT",
            "storage.internal.example,       5432,  NONE",
            "10.20.3.4,                      80,    EXPLICIT",
            "10.21.3.4,                      80,    NONE",
            "127.0.0.1,                      10000, NONE",
            "localhost,                      10000, NONE",
            "example.com,                    443,   NONE",
    })
    void hostsMatchOnlyWhatIsListed(String host, int port, BlobHostGuard.Grant grant) {
        assertThat(PUBLIC_SERVER.grant(host, port)).isEqualTo(grant);
    }

    @Test
    void aServerOnLoopbackMayReachLoopbackOnly() throws Exception {
        assertThat(LOOPBACK_SERVER.grant("127.0.0.1", 10000)).isEqualTo(BlobHostGuard.Grant.PUBLIC_ONLY);
        assertThat(LOOPBACK_SERVER.grant("localhost", 10000)).isEqualTo(BlobHostGuard.Grant.PUBLIC_ONLY);
        assertThat(LOOPBACK_SERVER.grant("10.0.0.1", 80)).isEqualTo(BlobHostGuard.Grant.NONE);
        assertThat(LOOPBACK_SERVER.addressAllowed(InetAddress.getByName("127.0.0.1"), BlobHostGuard.Grant.PUBLIC_ONLY)).isTrue();
        assertThat(PUBLIC_SERVER.addressAllowed(InetAddress.getByName("127.0.0.1"), BlobHostGuard.Grant.PUBLIC_ONLY)).isFalse();
    }

    @ParameterizedTest
    @CsvSource({"10.0.0.1", "172.16.5.5", "192.168.1.1", "169.254.169.254", "100.64.0.1", "0.0.0.0", "::1", "fd00::1",
            "fe80::1", "::ffff:10.0.0.1", "::ffff:127.0.0.1", "224.0.0.1"})
    void aPatternNeverReachesAnInternalAddress(String address) throws Exception {
        // a public name (matched by *.blob.core.windows.net) that resolves to an internal address is refused
        assertThat(PUBLIC_SERVER.addressAllowed(InetAddress.getByName(address), BlobHostGuard.Grant.PUBLIC_ONLY)).isFalse();
    }

    @Test
    void publicAddressesPassAPattern() throws Exception {
        assertThat(PUBLIC_SERVER.addressAllowed(InetAddress.getByName("20.60.1.1"), BlobHostGuard.Grant.PUBLIC_ONLY)).isTrue();
        assertThat(PUBLIC_SERVER.addressAllowed(InetAddress.getByName("10.20.3.4"), BlobHostGuard.Grant.EXPLICIT)).isTrue();
    }

    @Test
    void theResolverRefusesANameWhoseAddressesAreInternal() {
        PinnedResolver resolver = new PinnedResolver(PUBLIC_SERVER, BlobHostGuard.Grant.PUBLIC_ONLY);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> resolver.allowed("localhost"))
                .isInstanceOf(java.net.UnknownHostException.class);
    }

    @Test
    void badHostNamesAreNotNames() {
        assertThat(BlobHostGuard.normalize("a".repeat(64) + ".example.com")).as("a 64-character label").isNull();
        assertThat(BlobHostGuard.normalize("bad\u0000host")).isNull();
        assertThat(BlobHostGuard.normalize("Acct.Blob.Core.Windows.Net")).isEqualTo("acct.blob.core.windows.net");
    }
}

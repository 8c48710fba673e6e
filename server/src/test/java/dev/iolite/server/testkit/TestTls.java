package dev.iolite.server.testkit;

import dev.iolite.server.http.TlsMaterial;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;

/**
 * One TLS certificate for every server a test JVM starts, trusted JVM-wide before any client
 * exists: the Java service SDK ({@code HttpsURLConnection}) and the ARM SDK (Netty) both read the
 * {@code javax.net.ssl.trustStore} properties once, when their first TLS context is made.
 */
public final class TestTls {
    public static final Path DIR;
    public static final Path CERT;
    public static final Path KEY;
    public static final Path TRUSTSTORE;

    static {
        try {
            DIR = Files.createTempDirectory("iolite-test-tls");
            TlsMaterial tls = TlsMaterial.load(DIR, null, null);
            CERT = DIR.resolve("cert.pem");
            KEY = DIR.resolve("key.pem");
            TRUSTSTORE = tls.truststore();
            System.setProperty("javax.net.ssl.trustStore", TRUSTSTORE.toString());
            System.setProperty("javax.net.ssl.trustStorePassword", TlsMaterial.TRUSTSTORE_PASSWORD);
            System.setProperty("javax.net.ssl.trustStoreType", "PKCS12");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private TestTls() {}

    public static void init() {
        // loading the class is what matters
    }

    /** An SSL context that trusts the given truststore (for servers started with their own certificate). */
    public static SSLContext trusting(Path truststore) {
        try (InputStream in = Files.newInputStream(truststore)) {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(in, TlsMaterial.TRUSTSTORE_PASSWORD.toCharArray());
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(ks);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, tmf.getTrustManagers(), null);
            return ctx;
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A server-side TLS context with the test certificate, for helper servers the server under test calls. */
    public static SSLContext serving() {
        try {
            char[] pw = "changeit".toCharArray();
            KeyStore ks = TlsMaterial.load(DIR, null, null).keyStore(pw);
            javax.net.ssl.KeyManagerFactory kmf = javax.net.ssl.KeyManagerFactory.getInstance(
                    javax.net.ssl.KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(ks, pw);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(kmf.getKeyManagers(), null, null);
            return ctx;
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}

package dev.iolite.server.http;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

import dev.iolite.server.files.PrivateFiles;

import java.io.IOException;
import java.io.OutputStream;
import java.io.Reader;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;

/**
 * The server's TLS certificate and key: the operator's PEM files, or a self-signed certificate for
 * localhost and 127.0.0.1 generated at first start and kept in the data dir. Also writes a PKCS12
 * truststore holding the certificate, for Java clients ({@code -Djavax.net.ssl.trustStore}).
 */
public final class TlsMaterial {
    public static final String TRUSTSTORE_PASSWORD = "changeit";
    private static final Duration SELF_SIGNED_VALIDITY = Duration.ofDays(3650);

    private final List<X509Certificate> chain;
    private final PrivateKey key;
    private final Path certificatePem;
    private final Path truststore;

    private TlsMaterial(List<X509Certificate> chain, PrivateKey key, Path certificatePem, Path truststore) {
        this.chain = chain;
        this.key = key;
        this.certificatePem = certificatePem;
        this.truststore = truststore;
    }

    /** Loads {@code certPem}/{@code keyPem} when given, else the data dir's self-signed pair (made once). */
    public static TlsMaterial load(Path dataDir, Path certPem, Path keyPem) throws IOException {
        Path cert = certPem;
        Path key = keyPem;
        if (cert == null) {
            cert = dataDir.resolve("cert.pem");
            key = dataDir.resolve("key.pem");
            if (!Files.exists(cert) || !Files.exists(key)) generateSelfSigned(cert, key);
        }
        List<X509Certificate> chain = readCertificates(cert);
        PrivateKey privateKey = readKey(key);
        Path trust = dataDir.resolve("truststore.p12");
        writeTruststore(chain.get(0), trust);
        Path publicCert = cert;
        if (certPem != null) {
            publicCert = dataDir.resolve("cert.pem");
            Files.deleteIfExists(publicCert);
            try (OutputStream out = PrivateFiles.newOutputStream(publicCert)) {
                Files.copy(certPem, out);
            }
        }
        return new TlsMaterial(chain, privateKey, publicCert.toAbsolutePath(), trust.toAbsolutePath());
    }

    /** An in-memory keystore for the HTTPS connector. */
    public KeyStore keyStore(char[] password) {
        try {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            ks.setKeyEntry("iolite", key, password, chain.toArray(new X509Certificate[0]));
            return ks;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("building an in-memory PKCS12 keystore failed", e);
        }
    }

    public Path certificatePem() { return certificatePem; }

    /** Key managers over this server's certificate and key, for the listeners outside Jetty (MQTT, AMQP). */
    public javax.net.ssl.KeyManagerFactory keyManagers() throws java.security.GeneralSecurityException {
        char[] password = java.util.UUID.randomUUID().toString().toCharArray();
        javax.net.ssl.KeyManagerFactory kmf = javax.net.ssl.KeyManagerFactory.getInstance(javax.net.ssl.KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(keyStore(password), password);
        return kmf;
    }

    public Path truststore() { return truststore; }

    private static void generateSelfSigned(Path certFile, Path keyFile) throws IOException {
        try {
            // P-256: every client of IoT Hub's APIs accepts it, and making the key takes milliseconds where RSA
            // takes a good part of a second (a test suite makes one per server; BENCHMARKS.md, "Start-up")
            KeyPairGenerator gen = KeyPairGenerator.getInstance("EC");
            gen.initialize(new java.security.spec.ECGenParameterSpec("secp256r1"));
            KeyPair pair = gen.generateKeyPair();
            X500Name subject = new X500Name("CN=localhost, O=Iolite");
            Instant now = Instant.now();
            JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(subject,
                    new BigInteger(64, new SecureRandom()), Date.from(now.minus(Duration.ofDays(1))),
                    Date.from(now.plus(SELF_SIGNED_VALIDITY)), subject, pair.getPublic());
            builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
                    new GeneralName(GeneralName.dNSName, "localhost"),
                    new GeneralName(GeneralName.iPAddress, "127.0.0.1"),
                    new GeneralName(GeneralName.iPAddress, "::1")}));
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            builder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth));
            X509CertificateHolder holder = builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(pair.getPrivate()));
            X509Certificate cert = new JcaX509CertificateConverter().getCertificate(holder);
            // PKCS#8 (PRIVATE KEY), which names the curve; the SEC1 form BouncyCastle writes for EC keys can leave it out
            writePem(keyFile, new org.bouncycastle.util.io.pem.PemObject("PRIVATE KEY", pair.getPrivate().getEncoded()), true);
            writePem(certFile, cert, false);
        } catch (GeneralSecurityException | OperatorCreationException e) {
            throw new IOException("generating a self-signed certificate failed: " + e.getMessage(), e);
        }
    }

    private static void writePem(Path file, Object object, boolean secret) throws IOException {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter w = new JcaPEMWriter(out)) {
            w.writeObject(object);
        }
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.deleteIfExists(tmp);
        PrivateFiles.writeString(tmp, out.toString());  // 0600 from creation, the key above all
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static List<X509Certificate> readCertificates(Path file) throws IOException {
        List<X509Certificate> out = new ArrayList<>();
        try (Reader r = Files.newBufferedReader(file); PEMParser p = new PEMParser(r)) {
            JcaX509CertificateConverter conv = new JcaX509CertificateConverter();
            for (Object o = p.readObject(); o != null; o = p.readObject()) {
                if (o instanceof X509CertificateHolder h) out.add(conv.getCertificate(h));
            }
        } catch (GeneralSecurityException e) {
            throw new IOException(file + ": " + e.getMessage(), e);
        }
        if (out.isEmpty()) throw new IOException(file + " holds no PEM certificate");
        return out;
    }

    private static PrivateKey readKey(Path file) throws IOException {
        if (file == null) throw new IOException("--tls-cert needs --tls-key");
        try (Reader r = Files.newBufferedReader(file); PEMParser p = new PEMParser(r)) {
            JcaPEMKeyConverter conv = new JcaPEMKeyConverter();
            for (Object o = p.readObject(); o != null; o = p.readObject()) {
                if (o instanceof PEMKeyPair kp) return conv.getPrivateKey(kp.getPrivateKeyInfo());
                if (o instanceof PrivateKeyInfo info) return conv.getPrivateKey(info);
            }
        }
        throw new IOException(file + " holds no unencrypted PEM private key");
    }

    private static void writeTruststore(X509Certificate cert, Path file) throws IOException {
        try {
            KeyStore ts = KeyStore.getInstance("PKCS12");
            ts.load(null, null);
            ts.setCertificateEntry("iolite", cert);
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            Files.deleteIfExists(tmp);
            try (OutputStream out = PrivateFiles.newOutputStream(tmp)) {
                ts.store(out, TRUSTSTORE_PASSWORD.toCharArray());
            }
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (GeneralSecurityException e) {
            throw new IOException("writing the truststore failed: " + e.getMessage(), e);
        }
    }
}

package dev.iolite.server.it;

import dev.iolite.server.testkit.ServerExtension;
import dev.iolite.server.testkit.Sdks;
import dev.iolite.server.testkit.TestTls;
import dev.iolite.server.testkit.SqliteOnly;
import com.fasterxml.jackson.databind.JsonNode;
import dev.iolite.server.Iolite;
import dev.iolite.server.ServerConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Secrets at rest are the owner's alone, and links do not follow the caller's Host (issue 9, findings 14, 15). */
@SqliteOnly("the data dir's files and ready.json do not depend on the store")
class SecretsIT {
    /** A server whose links name its public URL, whatever Host a caller sends. */
    @RegisterExtension
    static final ServerExtension server = new ServerExtension(c -> c.withJobs(c.jobs().withQueue(true)).withHttp(new ServerConfig.Http(c.http().bind(), c.http().port(),
            c.http().tlsCert(), c.http().tlsKey(), c.http().maxRequestBytes(), "https://iolite.example.test:9443", null)));

    private static final String API = "?api-version=2021-04-12";

    private static String mode(Path p) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS));
    }

    private static void assertPrivate(Path root) throws IOException {
        try (Stream<Path> all = Files.walk(root)) {
            for (Path p : (Iterable<Path>) all::iterator) {
                assertThat(mode(p)).as(root.relativize(p).toString())
                        .isEqualTo(Files.isDirectory(p) ? "rwx------" : "rw-------");
            }
        }
    }

    /** True when {@code user} can read the file (run as that user, as another person on the machine would). */
    private static boolean readableBy(String user, Path file) throws Exception {
        Process p = new ProcessBuilder("runuser", "-u", user, "--", "cat", file.toString())
                .redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        return p.exitValue() == 0;
    }

    private static boolean canSwitchUser() throws Exception {
        if (!"root".equals(System.getProperty("user.name"))) return false;
        Process p = new ProcessBuilder("runuser", "-u", "nobody", "--", "true").start();
        return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
    }

    @Test
    void aNewDataDirAndEverythingInItAreTheOwnersAlone(@TempDir Path parent) throws Exception {
        assumeTrue(dev.iolite.server.files.PrivateFiles.posix(), "POSIX permissions");
        // GIVEN a parent folder that everyone may enter, as a home or project folder is
        Files.setPosixFilePermissions(parent, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path dir = parent.resolve("data");
        try (Iolite iolite = Iolite.start(ServerConfig.of(dir, 0))) {
            // WHEN the server has written its keys, database and an export
            String sas = dev.iolite.server.auth.SasToken.create("iolite.azure-devices.net",
                    "iothubowner", keyOf(dir), java.time.Instant.now().plusSeconds(600));
            java.net.http.HttpClient http = java.net.http.HttpClient.newBuilder()
                    .sslContext(TestTls.trusting(dir.resolve("truststore.p12"))).build();
            java.net.http.HttpResponse<String> r = http.send(java.net.http.HttpRequest.newBuilder(
                    java.net.URI.create(iolite.url() + "/jobs/create" + API)).header("Authorization", sas)
                    .POST(java.net.http.HttpRequest.BodyPublishers.ofString(
                            "{\"type\":\"export\",\"outputBlobContainerUri\":\"file:backup\"}")).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            Path export = dir.resolve("blobs/iolite/backup/devices.txt");
            for (int i = 0; i < 200 && !Files.exists(export); i++) Thread.sleep(50);
            assertThat(export).exists();
            // THEN every folder is 0700 and every file 0600: keys, database and WAL, ready.json, blobs
            assertThat(dir.resolve("iolite.db-wal")).exists();
            assertPrivate(dir);
            // AND another user of the machine can read none of it
            if (canSwitchUser()) {
                assertThat(readableBy("nobody", dir.resolve("ready.json"))).isFalse();
                assertThat(readableBy("nobody", dir.resolve("key.pem"))).isFalse();
                assertThat(readableBy("nobody", export)).isFalse();
            }
        }
    }

    @Test
    void anOlderDataDirIsMadePrivateOnStart(@TempDir Path parent) throws Exception {
        assumeTrue(dev.iolite.server.files.PrivateFiles.posix(), "POSIX permissions");
        Path dir = parent.resolve("data");
        try (Iolite first = Iolite.start(ServerConfig.of(dir, 0))) {
            assertThat(first.port()).isPositive();
        }
        // GIVEN the modes an earlier version left: 0755 folders and 0644 files
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) all::iterator) {
                Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(Files.isDirectory(p) ? "rwxr-xr-x" : "rw-r--r--"));
            }
        }
        try (Iolite again = Iolite.start(ServerConfig.of(dir, 0))) {
            assertPrivate(dir);
        }
    }

    private static String keyOf(Path dir) throws IOException {
        JsonNode ready = ServerExtension.JSON.readTree(dir.resolve("ready.json").toFile());
        for (String part : ready.get("connectionString").asText().split(";")) {
            if (part.startsWith("SharedAccessKey=")) return part.substring("SharedAccessKey=".length());
        }
        throw new IllegalStateException("no key");
    }

    @Test
    void armNextLinksNameThePublicUrlNotTheCallersHost() throws Exception {
        String sas = server.ownerSas();
        for (int i = 0; i < 21; i++) {
            HttpResponse<String> r = server.send("POST", "/jobs/create" + API, sas,
                    "{\"type\":\"export\",\"outputBlobContainerUri\":\"file:many\"}");
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            Sdks.awaitJob(server, sas, ServerExtension.JSON.readTree(r.body()).get("jobId").asText());
        }
        HttpResponse<String> page = server.send("GET", server.armHub(server.ready().get("hub").asText())
                + "/jobs?api-version=2021-07-01", "Bearer " + server.armToken(), null, "Host", "attacker.example");
        assertThat(page.statusCode()).as(page.body()).isEqualTo(200);
        String next = ServerExtension.JSON.readTree(page.body()).get("nextLink").asText();
        assertThat(next).startsWith("https://iolite.example.test:9443/subscriptions/").doesNotContain("attacker");
    }

    @Test
    void readyJsonNamesBothBlobRoots() {
        assertThat(Path.of(server.ready().get("localBlobRoot").asText()))
                .isEqualTo(Path.of(server.ready().get("blobRoot").asText()).resolve("iolite"));
    }
}

package dev.iolite.server.it;

import dev.iolite.server.testkit.ServerExtension;
import dev.iolite.server.testkit.TestTls;
import dev.iolite.server.testkit.JobPolling;
import dev.iolite.server.testkit.SqliteOnly;
import dev.iolite.server.Iolite;
import dev.iolite.server.ServerConfig;
import dev.iolite.server.StartFailure;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@code --local-blob-root} outside the data dir: Iolite changes, uses and deletes only what it made there. A
 * non-empty folder it did not mark is refused at start, an empty one keeps its mode, and a folder that someone
 * else named like a hub is neither that hub's containers nor deleted with it.
 */
@SqliteOnly("the local blob root's files do not depend on the store")
class LocalBlobRootIT {
    private static final String API = "?api-version=2021-04-12";
    private static final Path ROOT;

    static {
        try {
            ROOT = Files.createTempDirectory("iolite-root-it");
            Files.setPosixFilePermissions(ROOT, PosixFilePermissions.fromString("rwxr-xr-x"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @RegisterExtension
    static final ServerExtension server = new ServerExtension(c -> c.withBlobs(new ServerConfig.Blobs(ROOT, null, null)));

    @org.junit.jupiter.api.AfterAll
    static void removeRoot() throws IOException {
        try (var all = Files.walk(ROOT)) {
            all.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    private static String mode(Path p) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS));
    }

    private static ServerConfig config(Path dataDir, Path root) {
        ServerConfig c = ServerConfig.of(dataDir, 0);
        return c.withHttp(c.http().withTls(TestTls.CERT, TestTls.KEY)).withBlobs(new ServerConfig.Blobs(root, null, null));
    }

    @Test
    void anEmptyRootIsClaimedWithoutChangingItsMode() throws Exception {
        assertThat(mode(ROOT)).isEqualTo("rwxr-xr-x");
        assertThat(ROOT.resolve(".iolite-layout")).isRegularFile();
        Path hub = ROOT.resolve(server.ready().get("hub").asText());
        assertThat(hub.resolve(".iolite-hub")).isRegularFile();
        assertThat(mode(hub)).isEqualTo("rwx------");
    }

    @Test
    void aNonEmptyFolderIoliteDidNotMarkIsRefusedAndLeftAsItWas(@TempDir Path tmp) throws Exception {
        // GIVEN a folder of someone's files, one of them named like the default hub
        Path theirs = Files.createDirectories(tmp.resolve("theirs"));
        Path file = Files.writeString(theirs.resolve("notes.txt"), "mine");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        Files.createDirectories(theirs.resolve("iolite/photos"));
        Files.setPosixFilePermissions(theirs, PosixFilePermissions.fromString("rwxr-xr-x"));

        // WHEN a server is pointed at it, THEN it refuses to start, with one line and exit code 9
        assertThatThrownBy(() -> Iolite.start(config(tmp.resolve("data"), theirs)).close())
                .isInstanceOfSatisfying(StartFailure.class, f -> {
                    assertThat(f.exitCode()).isEqualTo(9);
                    assertThat(f.getMessage()).contains("--local-blob-root " + theirs).contains("not empty").doesNotContain("\n");
                });

        // AND nothing there changed
        assertThat(mode(theirs)).isEqualTo("rwxr-xr-x");
        assertThat(mode(file)).isEqualTo("rw-r--r--");
        assertThat(theirs.resolve(".iolite-layout")).doesNotExist();
        assertThat(theirs.resolve("iolite/.iolite-hub")).doesNotExist();
        assertThat(theirs.resolve("iolite/photos")).isDirectory();
    }

    @Test
    void aFolderNamedLikeAHubIsNotItsContainersAndOutlivesIt() throws Exception {
        // GIVEN a folder that someone put into the root under the name of a hub that does not exist yet
        Path planted = Files.createDirectories(ROOT.resolve("planted/data"));
        Files.writeString(planted.resolve("devices.txt"), "{\"id\":\"from-elsewhere\"}\n");

        // WHEN that hub is created, and an import of the folder is attempted
        String sas = server.createHub("planted");
        HttpResponse<String> r = server.send("POST", "/jobs/create" + API, sas, "{\"type\":\"import\","
                + "\"inputBlobContainerUri\":\"file:data\",\"outputBlobContainerUri\":\"file:data\"}");

        // THEN the import is refused, naming why
        assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
        assertThat(ServerExtension.hubError(r).get("message").asText()).contains("not made by Iolite");

        // AND deleting the hub leaves the folder in place
        HttpResponse<String> deleted = server.send("DELETE", server.armHub("planted") + "?api-version=2021-07-01",
                "Bearer " + server.armToken(), null);
        assertThat(deleted.statusCode()).as(deleted.body()).isEqualTo(200);
        assertThat(planted.resolve("devices.txt")).hasContent("{\"id\":\"from-elsewhere\"}");
    }

    @Test
    void aHubIoliteMadeHasItsFolderAndLosesItWithTheHub() throws Exception {
        String sas = server.createHub("own-hub");
        Path folder = ROOT.resolve("own-hub");
        assertThat(folder.resolve(".iolite-hub")).isRegularFile();
        Files.createDirectories(folder.resolve("in"));
        Files.writeString(folder.resolve("in/devices.txt"), "{\"id\":\"own-1\"}\n");
        HttpResponse<String> r = server.send("POST", "/jobs/create" + API, sas, "{\"type\":\"import\","
                + "\"inputBlobContainerUri\":\"file:in\",\"outputBlobContainerUri\":\"file:in\"}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        String id = ServerExtension.JSON.readTree(r.body()).get("jobId").asText();
        JobPolling.until("the import", java.time.Duration.ofSeconds(60), java.time.Duration.ofMillis(100),
                () -> ServerExtension.JSON.readTree(server.send("GET", "/jobs/" + id + API, sas, null).body()), JobPolling::ended);

        assertThat(server.send("DELETE", server.armHub("own-hub") + "?api-version=2021-07-01", "Bearer " + server.armToken(), null)
                .statusCode()).isEqualTo(200);
        assertThat(folder).doesNotExist();
    }

    @Test
    void aDataDirsOwnRootOfTheEarlierLayoutKeepsWorking(@TempDir Path tmp) throws Exception {
        // GIVEN a data dir whose blobs folder an earlier version laid out (layout 2: hub folders without markers)
        Path data = tmp.resolve("data");
        try (Iolite first = Iolite.start(config(data, null))) {
            assertThat(first.hubName()).isEqualTo("iolite");
        }
        Path blobs = data.resolve("blobs");
        Files.writeString(blobs.resolve(".iolite-layout"), "per-hub 2\n");
        Files.delete(blobs.resolve("iolite/.iolite-hub"));
        Files.createDirectories(blobs.resolve("iolite/kept"));
        Files.createDirectories(blobs.resolve("other-hub/kept"));

        // WHEN this version starts on it, THEN it starts, and the hub folders it made before are its own again
        try (Iolite again = Iolite.start(config(data, null))) {
            assertThat(blobs.resolve("iolite/.iolite-hub")).isRegularFile();
            assertThat(blobs.resolve("other-hub/.iolite-hub")).isRegularFile();
            assertThat(blobs.resolve("iolite/kept")).isDirectory();
            assertThat(Files.readString(blobs.resolve(".iolite-layout")).strip()).isEqualTo("per-hub 3");
        }
    }
}

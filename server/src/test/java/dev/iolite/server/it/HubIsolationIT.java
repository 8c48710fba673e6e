package dev.iolite.server.it;

import dev.iolite.server.testkit.ServerExtension;
import dev.iolite.server.testkit.Azurite;
import dev.iolite.server.testkit.AzuriteExtension;
import dev.iolite.server.testkit.Sdks;
import dev.iolite.server.testkit.TestTls;
import dev.iolite.server.testkit.JobPolling;
import com.fasterxml.jackson.databind.JsonNode;
import dev.iolite.server.Iolite;
import dev.iolite.server.ServerConfig;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedWriter;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Hubs on one server cannot reach each other's data: local containers, deleted hubs' remains, and
 * storage credentials granted to other hubs (issue 9, findings 1 to 3).
 */
class HubIsolationIT {
    @RegisterExtension
    @Order(1)
    static final AzuriteExtension azurite = new AzuriteExtension();

    /** A storage account granted to hub 'granted' only. */
    @RegisterExtension
    @Order(2)
    static final ServerExtension server = new ServerExtension(c -> c.withBlobs(new ServerConfig.Blobs(null, null,
            List.of(new ServerConfig.StorageAccount(Azurite.ACCOUNT, Azurite.KEY, List.of("granted")))))
            .withJobs(c.jobs().withBatchLines(500)));

    private static final String API = "?api-version=2021-04-12";

    private static JsonNode json(HttpResponse<String> r) throws Exception {
        return ServerExtension.JSON.readTree(r.body());
    }

    private static HttpResponse<String> createJob(String sas, String body) throws Exception {
        return server.send("POST", "/jobs/create" + API, sas, body);
    }

    private static JsonNode runJob(String sas, String body) throws Exception {
        HttpResponse<String> r = createJob(sas, body);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return Sdks.awaitJob(server, sas, json(r).get("jobId").asText());
    }

    private static void putDevice(String sas, String id) throws Exception {
        HttpResponse<String> r = server.send("PUT", "/devices/" + id + API, sas, "{\"deviceId\":\"" + id + "\"}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    }

    @Test
    void aHubsLocalContainersAreItsOwn() throws Exception {
        // GIVEN hub A (the default) exports its devices, keys included, to file:handover
        String a = server.ownerSas();
        putDevice(a, "secret-keeper");
        JsonNode exported = runJob(a, "{\"type\":\"export\",\"outputBlobContainerUri\":\"file:handover\",\"excludeKeysInExport\":false}");
        assertThat(exported.get("status").asText()).isEqualTo("completed");
        Path aBlob = server.blobRoot().resolve("handover/devices.txt");
        String aExport = Files.readString(aBlob);
        assertThat(aExport).contains("secret-keeper").contains("primaryKey");

        // WHEN hub B names the same container
        String b = server.createHub("tenant-b");
        HttpResponse<String> steal = createJob(b, "{\"type\":\"import\",\"inputBlobContainerUri\":\"file:handover\","
                + "\"outputBlobContainerUri\":\"file:handover\"}");
        // THEN it reaches its own (empty) folder: there is no devices.txt to import A's keys from
        assertThat(steal.statusCode()).as(steal.body()).isEqualTo(400);
        assertThat(ServerExtension.hubError(steal).get("message").asText()).contains("devices.txt");
        // AND B's export goes to B's folder and leaves A's blob as it was
        assertThat(runJob(b, "{\"type\":\"export\",\"outputBlobContainerUri\":\"file:handover\"}").get("status").asText())
                .isEqualTo("completed");
        assertThat(Files.readString(aBlob)).isEqualTo(aExport);
        assertThat(server.blobRootOf("tenant-b").resolve("handover/devices.txt")).exists();
        // AND no spelling names A's folder from B
        for (String uri : List.of("file:../" + server.ready().get("hub").asText() + "/handover", "file:/handover",
                "file:" + server.blobRoot().resolve("handover").toUri().getPath(), "file:./handover", "file:..")) {
            HttpResponse<String> r = createJob(b, "{\"type\":\"import\",\"inputBlobContainerUri\":\"" + uri
                    + "\",\"outputBlobContainerUri\":\"file:out\"}");
            assertThat(r.statusCode()).as(uri + ": " + r.body()).isEqualTo(400);
            assertThat(ServerExtension.hubError(r).get("message").asText()).contains("inputBlobContainerUri");
        }
    }

    @Test
    void aDeletedHubsJobStopsAndARecreatedHubStartsEmpty() throws Exception {
        // GIVEN a hub with an import of 300,000 lines running
        String sas = server.createHub("doomed");
        putDevice(sas, "old-device");
        Path in = server.blobRootOf("doomed").resolve("big-in");
        Files.createDirectories(in);
        try (BufferedWriter w = Files.newBufferedWriter(in.resolve("devices.txt"))) {
            for (int i = 0; i < 300_000; i++) w.write("{\"id\":\"bulk-" + i + "\"}\n");
        }
        HttpResponse<String> created = createJob(sas, "{\"type\":\"import\",\"inputBlobContainerUri\":\"file:big-in\","
                + "\"outputBlobContainerUri\":\"file:big-in\"}");
        assertThat(created.statusCode()).as(created.body()).isEqualTo(200);
        String jobId = json(created).get("jobId").asText();
        JsonNode job = JobPolling.until("the import starts", java.time.Duration.ofSeconds(60), java.time.Duration.ofMillis(10),
                () -> json(server.send("GET", "/jobs/" + jobId + API, sas, null)), JobPolling.processedAtLeast(1));
        assertThat(job.get("status").asText()).as("the import is under way when its hub is deleted").isEqualTo("running");

        // WHEN the hub is deleted and re-created under the same name
        HttpResponse<String> deleted = server.send("DELETE", server.armHub("doomed") + "?api-version=2021-07-01",
                "Bearer " + server.armToken(), null);
        assertThat(deleted.statusCode()).as(deleted.body()).isEqualTo(200);
        String fresh = server.createHub("doomed");
        assertThat(fresh).as("new keys").isNotEqualTo(sas);

        // THEN the old token is refused, and the new hub has no devices, no jobs and no old job ids ...
        assertThat(server.send("GET", "/statistics/devices" + API, sas, null).statusCode()).isEqualTo(401);
        Thread.sleep(1500); // longer than a batch takes: a job that kept writing would show here
        JsonNode stats = json(server.send("GET", "/statistics/devices" + API, fresh, null));
        assertThat(stats.get("totalDeviceCount").asLong()).isZero();
        assertThat(server.send("GET", "/devices/old-device" + API, fresh, null).statusCode()).isEqualTo(404);
        assertThat(server.send("GET", "/devices/bulk-1" + API, fresh, null).statusCode()).isEqualTo(404);
        HttpResponse<String> oldJob = server.send("GET", "/jobs/" + jobId + API, fresh, null);
        assertThat(oldJob.statusCode()).isEqualTo(404);
        assertThat(json(server.send("GET", "/jobs" + API, fresh, null))).isEmpty();
        // ... and none of the old hub's local containers
        assertThat(server.blobRootOf("doomed").resolve("big-in")).doesNotExist();
        assertThat(json(server.send("GET", "/statistics/devices" + API, fresh, null)).get("totalDeviceCount").asLong())
                .as("still nothing written after a while").isZero();
    }

    @Test
    void anIdentityBasedCredentialServesOnlyTheHubsItIsGrantedTo() throws Exception {
        String container = azurite.get().container("granted-only", "racwdl");
        String plain = container.substring(0, container.indexOf('?'));
        String body = "{\"type\":\"export\",\"outputBlobContainerUri\":\"" + plain
                + "\",\"storageAuthenticationType\":\"identityBased\"}";
        // a hub without the grant gets the error of a hub without an identity, naming nothing it may not know
        HttpResponse<String> refused = createJob(server.ownerSas(), body);
        assertThat(refused.statusCode()).as(refused.body()).isEqualTo(400);
        assertThat(refused.headers().firstValue("iothub-errorcode")).contains("BlobContainerValidationError");
        assertThat(ServerExtension.hubError(refused).get("message").asText()).contains("identityBased")
                .doesNotContain(Azurite.KEY);
        // the granted hub uses it
        String granted = server.createHub("granted");
        putDevice(granted, "by-grant");
        assertThat(runJob(granted, body).get("status").asText()).isEqualTo("completed");
        assertThat(azurite.get().read("granted-only", "devices.txt")).contains("by-grant");
    }

    @Test
    void anOlderDataDirsContainersMoveIntoTheDefaultHubOnFirstStart(@TempDir Path dir) throws Exception {
        // GIVEN a data dir of the earlier layout: containers side by side under blobs/
        Files.writeString(dir.resolve("server.json"), "{\"subscriptionId\":\"00000000-0000-0000-0000-000000000001\"}");
        Path old = dir.resolve("blobs/legacy-export");
        Files.createDirectories(old);
        Files.writeString(old.resolve("devices.txt"), "{\"id\":\"migrated-1\"}\n");
        // WHEN a server starts on it
        try (Iolite iolite = Iolite.start(ServerConfig.of(dir, 0).withHttp(ServerConfig.Http.DEFAULTS.withPort(0).withTls(TestTls.CERT, TestTls.KEY)))) {
            // THEN the container is the default hub's, and stays so across restarts
            assertThat(dir.resolve("blobs/iolite/legacy-export/devices.txt")).hasContent("{\"id\":\"migrated-1\"}");
            assertThat(old).doesNotExist();
        }
        Files.createDirectories(dir.resolve("blobs/iolite/second"));
        try (Iolite again = Iolite.start(ServerConfig.of(dir, 0).withHttp(ServerConfig.Http.DEFAULTS.withPort(0).withTls(TestTls.CERT, TestTls.KEY)))) {
            assertThat(dir.resolve("blobs/iolite/second")).isDirectory();
            assertThat(dir.resolve("blobs/iolite/iolite")).doesNotExist();
        }
    }
}

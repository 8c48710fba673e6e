package dev.iolite.server.it;

import dev.iolite.server.testkit.ServerExtension;
import dev.iolite.server.testkit.Azurite;
import dev.iolite.server.testkit.AzuriteExtension;
import dev.iolite.server.testkit.Sdks;
import dev.iolite.server.testkit.JobPolling;
import com.azure.core.credential.AzureSasCredential;
import com.azure.resourcemanager.iothub.IotHubManager;
import com.azure.resourcemanager.iothub.models.ExportDevicesRequest;
import com.azure.resourcemanager.iothub.models.ImportDevicesRequest;
import com.azure.resourcemanager.iothub.models.JobResponse;
import com.azure.resourcemanager.iothub.models.JobStatus;
import com.azure.resourcemanager.iothub.models.JobType;
import com.fasterxml.jackson.databind.JsonNode;
import com.microsoft.azure.sdk.iot.service.configurations.Configuration;
import com.microsoft.azure.sdk.iot.service.configurations.ConfigurationContent;
import com.microsoft.azure.sdk.iot.service.configurations.ConfigurationMetrics;
import com.microsoft.azure.sdk.iot.service.configurations.ConfigurationsClient;
import com.microsoft.azure.sdk.iot.service.exceptions.IotHubException;
import com.microsoft.azure.sdk.iot.service.registry.RegistryClient;
import com.microsoft.azure.sdk.iot.service.registry.RegistryJob;
import com.microsoft.azure.sdk.iot.service.registry.StorageAuthenticationType;
import dev.iolite.server.ServerConfig;
import dev.iolite.server.auth.SasToken;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Import and export jobs through Azurite containers, driven by the official ARM and service SDKs:
 * every import mode, the error log line by line, the export's line shape, the round trip, the
 * one-active-job rule, cancel, the probes, and the SSRF and path-escape refusals.
 */
class JobsIT {
    @RegisterExtension
    @Order(1)
    static final AzuriteExtension azurite = new AzuriteExtension();

    @RegisterExtension
    @Order(2)
    static final ServerExtension server = new ServerExtension(c -> c.withBlobs(new ServerConfig.Blobs(null, null,
            List.of(new ServerConfig.StorageAccount(Azurite.ACCOUNT, Azurite.KEY, List.of("iolite")))))
            .withJobs(c.jobs().withBatchLines(500)));

    private static final String API = "?api-version=2021-04-12";
    private static IotHubManager arm;
    private static String rg;
    private static String hub;

    @BeforeAll
    static void connect() throws Exception {
        arm = Sdks.arm(server, server.armToken());
        rg = server.ready().get("resourceGroup").asText();
        hub = server.ready().get("hub").asText();
    }

    private static Azurite blobs() { return azurite.get(); }

    private static String sas() { return server.ownerSas(); }

    private static JsonNode json(HttpResponse<String> r) throws Exception {
        return ServerExtension.JSON.readTree(r.body());
    }

    private static JsonNode awaitArmJob(String hubName, String jobId) throws Exception {
        JobPolling.until("job " + jobId + " ends", java.time.Duration.ofSeconds(120), java.time.Duration.ofMillis(50),
                () -> arm.iotHubResources().getJob(rg, hubName, jobId),
                j -> JobPolling.ended(j.status().toString()));
        return null;
    }

    private static void bulkCreate(String prefix, int n, String sasToken) throws Exception {
        for (int from = 0; from < n; from += 100) {
            StringBuilder b = new StringBuilder("[");
            for (int i = from; i < Math.min(n, from + 100); i++) {
                if (i > from) b.append(',');
                b.append("{\"id\":\"").append(prefix).append(i).append("\",\"status\":\"")
                        .append(i % 10 == 0 ? "disabled" : "enabled").append("\",\"tags\":{\"n\":").append(i)
                        .append("},\"properties\":{\"desired\":{\"rate\":").append(i % 7).append("}}}");
            }
            HttpResponse<String> r = server.send("POST", "/devices" + API, sasToken, b.append(']').toString());
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        }
    }

    @Test
    void armExportWritesTheExactLineShape() throws Exception {
        bulkCreate("arm-exp-", 30, sas());
        server.send("PUT", "/devices/arm-exp-0/modules/mod" + API, sas(), "{}");
        String container = blobs().container("arm-export", "racwdl");

        JobResponse job = arm.iotHubResources().exportDevices(rg, hub, new ExportDevicesRequest()
                .withExportBlobContainerUri(container).withExcludeKeys(false).withExportBlobName("device-export.json"));
        assertThat(job.type()).isEqualTo(JobType.EXPORT);
        assertThat(job.startTimeUtc()).isNotNull();
        awaitArmJob(hub, job.jobId());
        JobResponse done = arm.iotHubResources().getJob(rg, hub, job.jobId());
        assertThat(done.status()).isEqualTo(JobStatus.COMPLETED);
        assertThat(done.endTimeUtc()).isNotNull();

        List<String> lines = blobs().lines("arm-export", "device-export.json");
        List<JsonNode> ours = new ArrayList<>();
        for (String l : lines) {
            JsonNode n = ServerExtension.JSON.readTree(l);
            if (n.get("id").asText().startsWith("arm-exp-")) ours.add(n);
        }
        assertThat(ours).hasSize(31);
        JsonNode device = ours.stream().filter(n -> n.get("id").asText().equals("arm-exp-0") && !n.has("moduleId"))
                .findFirst().orElseThrow();
        assertThat(device.get("status").asText()).isEqualTo("disabled");
        assertThat(device.get("eTag").asText()).isNotBlank();
        assertThat(device.at("/authentication/type").asText()).isEqualTo("sas");
        assertThat(device.at("/authentication/symmetricKey/primaryKey").asText()).hasSize(44);
        assertThat(device.at("/authentication/x509Thumbprint").has("primaryThumbprint")).isTrue();
        assertThat(device.get("twinETag").asText()).isNotBlank();
        assertThat(device.at("/tags/n").asInt()).isZero();
        assertThat(device.at("/properties/desired/rate").asInt()).isZero();
        assertThat(device.at("/properties/reported").isObject()).isTrue();
        assertThat(device.at("/capabilities/iotEdge").asBoolean()).isFalse();
        JsonNode module = ours.stream().filter(n -> n.has("moduleId")).findFirst().orElseThrow();
        assertThat(module.get("id").asText()).isEqualTo("arm-exp-0");
        assertThat(module.get("moduleId").asText()).isEqualTo("mod");
    }

    @Test
    void excludeKeysExportsNullKeysButKeepsTheAuthenticationObject() throws Exception {
        bulkCreate("nokeys-", 3, sas());
        String container = blobs().container("no-keys", "racwdl");
        RegistryClient client = new RegistryClient(server.hostPort(), new AzureSasCredential(sas()));
        RegistryJob job = client.exportDevices(container, true);
        assertThat(job.getJobId()).isNotBlank();
        assertThat(Sdks.awaitJob(server, sas(), job.getJobId()).get("status").asText()).isEqualTo("completed");
        assertThat(client.getJob(job.getJobId()).getStatus()).isEqualTo(RegistryJob.JobStatus.COMPLETED);
        for (String l : blobs().lines("no-keys", "devices.txt")) {
            JsonNode n = ServerExtension.JSON.readTree(l);
            assertThat(n.get("authentication").isObject()).isTrue();
            assertThat(n.at("/authentication/symmetricKey/primaryKey").isNull()).isTrue();
            assertThat(n.get("status").isTextual()).isTrue();
        }
    }

    @Test
    void exportThenImportIntoAnEmptyHubReproducesEveryIdentity() throws Exception {
        bulkCreate("trip-", 250, sas());
        // characters that the stores must escape (SQLite binds; PostgreSQL's COPY text format escapes)
        HttpResponse<String> tricky = server.send("PATCH", "/twins/trip-137" + API, sas(), "{\"tags\":{\"path\":"
                + "\"C:\\\\dir\\\\file\",\"quote\":\"say \\\"hi\\\"\",\"ctl\":\"a\\tb\\nc\\r\",\"uni\":\"Zürich ✓\"}}");
        assertThat(tricky.statusCode()).as(tricky.body()).isEqualTo(200);
        assertThat(json(server.send("GET", "/twins/trip-137" + API, sas(), null)).at("/tags/path").asText())
                .isEqualTo("C:\\dir\\file");
        server.send("PUT", "/devices/trip-1/modules/m1" + API, sas(), "{}");
        server.send("PUT", "/devices/trip-x509" + API, sas(), "{\"authentication\":{\"type\":\"selfSigned\","
                + "\"x509Thumbprint\":{\"primaryThumbprint\":\"" + "ab".repeat(20) + "\"}}}");
        String container = blobs().container("round-trip", "racwdl");
        RegistryClient source = new RegistryClient(server.hostPort(), new AzureSasCredential(sas()));
        RegistryJob export = source.exportDevices(container, false);
        assertThat(Sdks.awaitJob(server, sas(), export.getJobId()).get("status").asText()).isEqualTo("completed");

        // an empty hub, created through ARM
        HttpResponse<String> created = server.send("PUT", "/subscriptions/" + server.ready().get("subscriptionId").asText()
                + "/resourceGroups/" + rg + "/providers/Microsoft.Devices/IotHubs/restored?api-version=2021-07-01",
                "Bearer " + server.armToken(), "{\"location\":\"westus\",\"sku\":{\"name\":\"S1\",\"capacity\":1}}");
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        String restoredKey = arm.iotHubResources().getKeysForKeyName(rg, "restored", "iothubowner").primaryKey();
        String restoredSas = SasToken.create("restored.azure-devices.net", "iothubowner", restoredKey,
                Instant.now().plusSeconds(3600));
        RegistryClient target = new RegistryClient(server.hostPort(), new AzureSasCredential(restoredSas));
        RegistryJob imp = target.importDevices(container, container);
        JsonNode done = Sdks.awaitJob(server, restoredSas, imp.getJobId());
        assertThat(done.get("status").asText()).as(done.toString()).isEqualTo("completed");
        assertThat(done.get("devicesFailed").asLong()).isZero();
        assertThat(blobs().read("round-trip", "importErrors.log")).isEmpty();

        JsonNode a = json(server.send("GET", "/statistics/devices" + API, sas(), null));
        JsonNode b = json(server.send("GET", "/statistics/devices" + API, restoredSas, null));
        assertThat(b).isEqualTo(a);
        for (String id : List.of("trip-0", "trip-1", "trip-137", "trip-249", "trip-x509")) {
            JsonNode d1 = json(server.send("GET", "/devices/" + id + API, sas(), null));
            JsonNode d2 = json(server.send("GET", "/devices/" + id + API, restoredSas, null));
            assertThat(d2.get("authentication")).isEqualTo(d1.get("authentication"));
            assertThat(d2.get("status")).isEqualTo(d1.get("status"));
            JsonNode t1 = json(server.send("GET", "/twins/" + id + API, sas(), null));
            JsonNode t2 = json(server.send("GET", "/twins/" + id + API, restoredSas, null));
            assertThat(t2.get("tags")).isEqualTo(t1.get("tags"));
            assertThat(t2.at("/properties/desired/rate")).isEqualTo(t1.at("/properties/desired/rate"));
        }
        JsonNode m1 = json(server.send("GET", "/devices/trip-1/modules/m1" + API, sas(), null));
        JsonNode m2 = json(server.send("GET", "/devices/trip-1/modules/m1" + API, restoredSas, null));
        assertThat(m2.get("authentication")).isEqualTo(m1.get("authentication"));
    }

    @Test
    void everyImportModeAndEveryBadLineIsLoggedWithItsLineNumber() throws Exception {
        // GIVEN existing devices to update, delete and conflict with
        bulkCreate("mode-old-", 6, sas());
        String etag4 = json(server.send("GET", "/devices/mode-old-4" + API, sas(), null)).get("etag").asText();
        String twin5 = json(server.send("GET", "/twins/mode-old-5" + API, sas(), null)).get("etag").asText();
        String k16 = "MDEyMzQ1Njc4OTAxMjM0NQ==";
        StringBuilder deep = new StringBuilder();
        for (int i = 0; i < 11; i++) deep.append("{\"l").append(i).append("\":");
        deep.append("1").append("}".repeat(11));
        String[] lines = {
                "{\"id\":\"mode-new-1\"}",                                                           // 1 createOrUpdate: new
                "{\"id\":\"mode-new-2\",\"importMode\":\"create\",\"status\":\"Disabled\"}",          // 2 create
                "{\"id\":\"mode-old-0\",\"importMode\":\"create\"}",                                  // 3 -> 409001
                "{\"id\":\"mode-ghost\",\"importMode\":\"update\"}",                                  // 4 -> 404001
                "{\"id\":\"mode-old-1\",\"importMode\":\"updateIfMatchETag\",\"eTag\":\"bad\"}",      // 5 -> 412001
                "{\"id\":\"mode-new-3\",\"importMode\":\"createOrUpdateIfMatchETag\"}",               // 6 created
                "{\"id\":\"mode-old-2\",\"importMode\":\"delete\"}",                                  // 7 deleted
                "{\"id\":\"mode-old-4\",\"importMode\":\"deleteIfMatchETag\",\"eTag\":\"" + etag4 + "\"}", // 8 deleted
                "{\"id\":\"mode-old-3\",\"importMode\":\"updateTwin\",\"tags\":{\"set\":1}}",         // 9 twin
                "{\"id\":\"mode-old-5\",\"importMode\":\"updateTwinIfMatchETag\",\"twinETag\":\"AAAAAAAAAAA=\"}", // 10 -> 412001
                "{not json",                                                                           // 11 -> 400012
                "{\"id\":\"mode-types\",\"status\":7}",                                               // 12 -> 400012
                "{\"id\":\"mode-enum\",\"importMode\":\"upsert\"}",                                   // 13 -> 400012
                "{\"id\":\"mode bad id\"}",                                                            // 14 -> 400004
                "{\"id\":\"mode-short-key\",\"authentication\":{\"symmetricKey\":{\"primaryKey\":\"AAAA\",\"secondaryKey\":\"AAAA\"}}}", // 15
                "{\"id\":\"mode-one-key\",\"authentication\":{\"symmetricKey\":{\"primaryKey\":\"" + k16 + "\"}}}", // 16
                "{\"id\":\"mode-deep\",\"tags\":" + deep + "}",                                       // 17 -> 400004
                "{\"id\":\"mode-new-1\"}",                                                             // 18 -> 400011
                "{\"id\":\"mode-new-1\",\"moduleId\":\"m\",\"importMode\":\"create\"}",               // 19 module created
                "[1,2]",                                                                               // 20 -> 400012
                "{\"id\":\"mode-old-5\",\"importMode\":\"updateTwinIfMatchETag\",\"twinETag\":\"" + twin5 + "\",\"tags\":{\"ok\":true}}", // 21
        };
        // line 21 names mode-old-5 again (line 10 did too), so it is a duplicate: the log shows it
        String container = blobs().container("modes", "racwdl");
        blobs().upload("modes", "modes.json", String.join("\n", lines) + "\n");
        JsonNode before = json(server.send("GET", "/statistics/devices" + API, sas(), null));

        JobResponse job = arm.iotHubResources().importDevices(rg, hub, new ImportDevicesRequest()
                .withInputBlobContainerUri(container).withOutputBlobContainerUri(container)
                .withInputBlobName("modes.json").withOutputBlobName("modes-errors.log"));
        JsonNode done = Sdks.awaitJob(server, sas(), job.jobId());
        assertThat(done.get("status").asText()).isEqualTo("completed");

        Map<Long, JsonNode> errors = new HashMap<>();
        for (String l : blobs().lines("modes", "modes-errors.log")) {
            JsonNode e = ServerExtension.JSON.readTree(l);
            errors.put(e.get("lineNumber").asLong(), e);
        }
        Map<Long, Integer> expected = Map.ofEntries(Map.entry(3L, 409001), Map.entry(4L, 404001), Map.entry(5L, 412001),
                Map.entry(10L, 412001), Map.entry(11L, 400012), Map.entry(12L, 400012), Map.entry(13L, 400012),
                Map.entry(14L, 400004), Map.entry(15L, 400004), Map.entry(16L, 400004), Map.entry(17L, 400004),
                Map.entry(18L, 400011), Map.entry(20L, 400012), Map.entry(21L, 400011));
        assertThat(errors.keySet()).containsExactlyInAnyOrderElementsOf(expected.keySet());
        expected.forEach((line, code) -> assertThat(errors.get(line).get("errorCode").asInt()).as("line " + line).isEqualTo(code));
        assertThat(errors.get(3L).get("deviceId").asText()).isEqualTo("mode-old-0");
        assertThat(errors.get(12L).get("errorStatus").asText()).contains("'status'");
        assertThat(errors.get(16L).get("errorStatus").asText()).contains("both primaryKey and secondaryKey");
        assertThat(done.get("devicesFailed").asLong()).isEqualTo(expected.size());
        assertThat(done.get("devicesProcessed").asLong()).isEqualTo(lines.length);

        // THEN the registry holds exactly the applied lines, and the counters agree
        assertThat(server.send("GET", "/devices/mode-new-2" + API, sas(), null).body()).contains("\"disabled\"");
        assertThat(server.send("GET", "/devices/mode-new-3" + API, sas(), null).statusCode()).isEqualTo(200);
        assertThat(server.send("GET", "/devices/mode-old-2" + API, sas(), null).statusCode()).isEqualTo(404);
        assertThat(server.send("GET", "/devices/mode-old-4" + API, sas(), null).statusCode()).isEqualTo(404);
        assertThat(json(server.send("GET", "/twins/mode-old-3" + API, sas(), null)).at("/tags/set").asInt()).isEqualTo(1);
        assertThat(json(server.send("GET", "/twins/mode-old-5" + API, sas(), null)).at("/tags/ok").isMissingNode()).isTrue();
        assertThat(server.send("GET", "/devices/mode-new-1/modules/m" + API, sas(), null).statusCode()).isEqualTo(200);
        JsonNode after = json(server.send("GET", "/statistics/devices" + API, sas(), null));
        // +3 created (new-1, new-2 disabled, new-3), -2 deleted (old-2 enabled, old-4 enabled)
        assertThat(after.get("totalDeviceCount").asLong()).isEqualTo(before.get("totalDeviceCount").asLong() + 1);
        assertThat(after.get("disabledDeviceCount").asLong()).isEqualTo(before.get("disabledDeviceCount").asLong() + 1);
    }

    @Test
    void anImportWithoutErrorsWritesAnEmptyLogAndSkipsABlankLine() throws Exception {
        String container = blobs().container("clean", "racwdl");
        blobs().upload("clean", "devices.txt", "{\"id\":\"clean-1\"}\n\n{\"id\":\"clean-2\"}");
        RegistryClient client = new RegistryClient(server.hostPort(), new AzureSasCredential(sas()));
        RegistryJob job = client.importDevices(container, container);
        JsonNode done = Sdks.awaitJob(server, sas(), job.getJobId());
        assertThat(done.get("status").asText()).isEqualTo("completed");
        assertThat(done.get("devicesSucceeded").asLong()).isEqualTo(2);
        assertThat(blobs().client("clean").getBlobClient("importErrors.log").exists()).isTrue();
        assertThat(blobs().read("clean", "importErrors.log")).isEmpty();
        assertThat(client.getDevice("clean-2").getDeviceId()).isEqualTo("clean-2");
    }

    @Test
    void aSecondActiveJobIsRefusedWith403003UntilTheFirstEnds() throws Exception {
        String container = blobs().container("quota", "racwdl");
        StringBuilder big = new StringBuilder();
        for (int i = 0; i < 30_000; i++) big.append("{\"id\":\"quota-").append(i).append("\"}\n");
        blobs().upload("quota", "devices.txt", big.toString());
        HttpResponse<String> first = server.send("POST", "/jobs/create" + API, sas(),
                "{\"type\":\"import\",\"inputBlobContainerUri\":\"" + container + "\",\"outputBlobContainerUri\":\""
                        + container + "\"}");
        assertThat(first.statusCode()).as(first.body()).isEqualTo(200);
        HttpResponse<String> second = server.send("POST", "/jobs/create" + API, sas(),
                "{\"type\":\"export\",\"outputBlobContainerUri\":\"" + container + "\"}");
        assertThat(second.statusCode()).isEqualTo(403);
        assertThat(second.headers().firstValue("iothub-errorcode")).contains("JobQuotaExceeded");
        assertThat(ServerExtension.hubError(second).get("errorCode").asInt()).isEqualTo(403003);
        assertThat(ServerExtension.hubError(second).get("message").asText()).contains("--job-queue");
        // the SDK surfaces it too
        RegistryClient client = new RegistryClient(server.hostPort(), new AzureSasCredential(sas()));
        assertThatThrownBy(() -> client.exportDevices(container, false))
                .isInstanceOfSatisfying(IotHubException.class, e -> assertThat(e.getErrorCode()).isEqualTo(403003));

        Sdks.awaitJob(server, sas(), json(first).get("jobId").asText());
        HttpResponse<String> third = server.send("POST", "/jobs/create" + API, sas(),
                "{\"type\":\"export\",\"outputBlobContainerUri\":\"" + container + "\"}");
        assertThat(third.statusCode()).isEqualTo(200);
        Sdks.awaitJob(server, sas(), json(third).get("jobId").asText());
    }

    @Test
    void cancelStopsAtABatchBoundaryAndKeepsTheCounts() throws Exception {
        String container = blobs().container("cancel", "racwdl");
        StringBuilder big = new StringBuilder();
        for (int i = 0; i < 200_000; i++) big.append("{\"id\":\"cancel-").append(i).append("\"}\n");
        blobs().upload("cancel", "devices.txt", big.toString());
        HttpResponse<String> created = server.send("POST", "/jobs/create" + API, sas(),
                "{\"type\":\"import\",\"inputBlobContainerUri\":\"" + container + "\",\"outputBlobContainerUri\":\""
                        + container + "\"}");
        String id = json(created).get("jobId").asText();
        // WHEN it is cancelled while running (after its first batches)
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (json(server.send("GET", "/jobs/" + id + API, sas(), null)).get("devicesProcessed").asLong() == 0) {
            assertThat(System.nanoTime()).as("the job starts").isLessThan(deadline);
            Thread.sleep(5);
        }
        // C# sends If-Match with the job id on cancel; it is ignored
        HttpResponse<String> cancel = server.send("DELETE", "/jobs/" + id + API, sas(), null, "If-Match", "\"" + id + "\"");
        assertThat(cancel.statusCode()).isEqualTo(200);
        JsonNode done = Sdks.awaitJob(server, sas(), id);
        assertThat(done.get("status").asText()).isEqualTo("cancelled");
        long processed = done.get("devicesProcessed").asLong();
        assertThat(processed).isLessThan(200_000).isEqualTo(done.get("devicesSucceeded").asLong());
        assertThat(processed % 500).as("stops at a batch boundary").isZero();
        JsonNode stats = json(server.send("GET", "/statistics/devices" + API, sas(), null));
        HttpResponse<String> last = server.send("GET", "/devices/cancel-" + (processed - 1) + API, sas(), null);
        assertThat(last.statusCode()).isEqualTo(200);
        assertThat(server.send("GET", "/devices/cancel-" + processed + API, sas(), null).statusCode()).isEqualTo(404);
        assertThat(stats.get("totalDeviceCount").asLong()).isGreaterThanOrEqualTo(processed);
    }

    @Test
    void probesRefuseMissingContainersBlobsAndPermissionsBeforeAJobExists() throws Exception {
        int jobsBefore = ServerExtension.JSON.readTree(server.send("GET", "/jobs" + API, sas(), null).body()).size();
        String missing = blobs().sasUri("never-created", "racwdl");
        assertRefused("{\"type\":\"import\",\"inputBlobContainerUri\":\"" + missing + "\",\"outputBlobContainerUri\":\""
                + missing + "\"}", "could not be reached");
        String empty = blobs().container("empty-in", "racwdl");
        assertRefused("{\"type\":\"import\",\"inputBlobContainerUri\":\"" + empty + "\",\"outputBlobContainerUri\":\""
                + empty + "\",\"inputBlobName\":\"nope.txt\"}", "'nope.txt' does not exist");
        blobs().container("read-only", "racwdl");
        String readOnly = blobs().sasUri("read-only", "rl");
        assertRefused("{\"type\":\"export\",\"outputBlobContainerUri\":\"" + readOnly + "\"}", "SAS grants");
        String noSas = blobs().client("read-only").getBlobContainerUrl();
        assertRefused("{\"type\":\"export\",\"outputBlobContainerUri\":\"" + noSas + "\"}", "no SAS token");
        assertRefused("{\"type\":\"backup\",\"outputBlobContainerUri\":\"" + readOnly + "\"}", "'type' must be");
        assertRefused("{\"type\":\"export\"}", "'outputBlobContainerUri' is required");
        assertRefused("{\"type\":\"export\",\"outputBlobContainerUri\":\"" + noSas
                + "\",\"storageAuthenticationType\":\"certificate\"}", "'storageAuthenticationType'");
        int jobsAfter = ServerExtension.JSON.readTree(server.send("GET", "/jobs" + API, sas(), null).body()).size();
        assertThat(jobsAfter).isEqualTo(jobsBefore);
    }

    @Test
    void ssrfAndPathEscapesAreRefused() throws Exception {
        assertRefused("{\"type\":\"export\",\"outputBlobContainerUri\":\"http://10.1.2.3/acct/c?sig=x\"}", "may not contact");
        assertRefused("{\"type\":\"export\",\"outputBlobContainerUri\":\"https://example.com/c?sig=x\"}", "may not contact");
        assertRefused("{\"type\":\"export\",\"outputBlobContainerUri\":\"http://169.254.169.254/metadata?sig=x\"}", "may not contact");
        assertRefused("{\"type\":\"export\",\"outputBlobContainerUri\":\"ftp://host/c\"}", "must be an http(s)");
        assertRefused("{\"type\":\"export\",\"outputBlobContainerUri\":\"file:../escape\"}", "must be file:NAME");
        assertRefused("{\"type\":\"export\",\"outputBlobContainerUri\":\"file:///etc\"}", "must be file:NAME");
        assertRefused("{\"type\":\"export\",\"outputBlobContainerUri\":\"file:a/../../escape\"}", "must be file:NAME");
        Path root = Path.of(server.ready().get("localBlobRoot").asText());
        Path outside = Files.createTempDirectory("iolite-outside");
        // the hub's own folder is a link target too: a link inside it must not lead out
        Files.createSymbolicLink(root.resolve("sneaky"), outside);
        assertRefused("{\"type\":\"export\",\"outputBlobContainerUri\":\"file:sneaky\"}", "link");
        assertThat(outside.toFile().list()).isEmpty();
    }

    @Test
    void identityBasedJobsUseTheConfiguredStorageAccount() throws Exception {
        bulkCreate("ident-", 2, sas());
        blobs().container("by-identity", "racwdl");
        String plain = blobs().client("by-identity").getBlobContainerUrl();
        RegistryClient client = new RegistryClient(server.hostPort(), new AzureSasCredential(sas()));
        RegistryJob job = client.exportDevices(RegistryJob.createForExportJob(plain, false,
                StorageAuthenticationType.IDENTITY));
        JsonNode done = Sdks.awaitJob(server, sas(), job.getJobId());
        assertThat(done.get("status").asText()).as(done.toString()).isEqualTo("completed");
        assertThat(done.get("storageAuthenticationType").asText()).isEqualTo("identityBased");
        assertThat(blobs().read("by-identity", "devices.txt")).contains("\"ident-1\"");
    }

    @Test
    void aLocalFolderContainerServesTheEmbeddedDefault() throws Exception {
        Path root = Path.of(server.ready().get("localBlobRoot").asText());
        Files.createDirectories(root.resolve("local-in"));
        Files.writeString(root.resolve("local-in/devices.txt"), "{\"id\":\"local-1\"}\n{\"id\":\"local-2\"}\n");
        HttpResponse<String> r = server.send("POST", "/jobs/create" + API, sas(),
                "{\"type\":\"import\",\"inputBlobContainerUri\":\"file:local-in\",\"outputBlobContainerUri\":\"file:local-out\"}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode done = Sdks.awaitJob(server, sas(), json(r).get("jobId").asText());
        assertThat(done.get("status").asText()).isEqualTo("completed");
        assertThat(Files.readString(root.resolve("local-out/importErrors.log"))).isEmpty();
        assertThat(server.send("GET", "/devices/local-2" + API, sas(), null).statusCode()).isEqualTo(200);
    }

    @Test
    void unknownJobsAre404() throws Exception {
        HttpResponse<String> r = server.send("GET", "/jobs/no-such-job" + API, sas(), null);
        assertThat(r.statusCode()).isEqualTo(404);
        assertThat(ServerExtension.hubError(r).get("errorCode").asInt()).isEqualTo(404002);
        assertThatThrownBy(() -> arm.iotHubResources().getJob(rg, hub, "no-such-job"))
                .isInstanceOfSatisfying(com.azure.resourcemanager.iothub.models.ErrorDetailsException.class,
                        e -> assertThat(e.getResponse().getStatusCode()).isEqualTo(404));
    }

    private static void assertRefused(String body, String messagePart) throws Exception {
        HttpResponse<String> r = server.send("POST", "/jobs/create" + API, sas(), body);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
        assertThat(ServerExtension.hubError(r).get("message").asText()).contains(messagePart);
    }

    @Test
    void aJobAskingForTheSecondaryStorageIsRefusedAndOneSendingTheSdksDefaultsIsAccepted() throws Exception {
        String container = blobs().container("secondary", "racwdl");
        // GIVEN a hub API export asking for the secondary storage
        HttpResponse<String> secondary = server.send("POST", "/jobs/create?api-version=2021-04-12", sas(),
                "{\"type\":\"export\",\"outputBlobContainerUri\":\"" + container + "\",\"useSecondaryStorageAsSource\":true}");
        // THEN it is a 400 that says why, and no job was made
        assertThat(secondary.statusCode()).isEqualTo(400);
        assertThat(ServerExtension.hubError(secondary).get("message").asText()).contains("'useSecondaryStorageAsSource'");
        assertThat(arm.iotHubResources().listJobs(rg, hub).stream()
                .noneMatch(j -> j.status() == JobStatus.ENQUEUED || j.status() == JobStatus.RUNNING)).isTrue();

        // WHEN an export sends the defaults the SDKs send (false, and a blob name that only matters with true)
        JobResponse accepted = arm.iotHubResources().exportDevices(rg, hub, new ExportDevicesRequest()
                .withExportBlobContainerUri(container).withExcludeKeys(false).withIncludeConfigurations(false)
                .withConfigurationsBlobName("cfg.txt"));
        // THEN it runs, and writes no configurations
        awaitArmJob(hub, accepted.jobId());
        assertThat(arm.iotHubResources().getJob(rg, hub, accepted.jobId()).status()).isEqualTo(JobStatus.COMPLETED);
        assertThat(blobs().client("secondary").getBlobClient("cfg.txt").exists()).isFalse();
    }

    @Test
    void configurationsLeaveWithAnExportAndComeBackWithAnImportWhichLogsTheLinesItCouldNotApply() throws Exception {
        ConfigurationsClient configs = new ConfigurationsClient(server.hostPort(), new AzureSasCredential(sas()));
        // GIVEN two configurations made by the official client (their conditions select no device of these tests)
        Configuration a = new Configuration("travel-a");
        ConfigurationContent content = new ConfigurationContent();
        content.setDeviceContent(Map.of("properties.desired.travel", 1));
        a.setContent(content);
        a.setTargetCondition("tags.travel = 'nowhere'");
        a.setPriority(3);
        a.setLabels(new HashMap<>(Map.of("team", "a")));
        ConfigurationMetrics metrics = new ConfigurationMetrics();
        metrics.setQueries(Map.of("arrived", "SELECT deviceId FROM devices WHERE properties.reported.travel = 1"));
        a.setMetrics(metrics);
        configs.create(a);
        Configuration b = new Configuration("travel-b");
        ConfigurationContent bContent = new ConfigurationContent();
        bContent.setDeviceContent(Map.of("properties.desired.other", Map.of("x", 2)));
        b.setContent(bContent);
        b.setTargetCondition("tags.travel = 'elsewhere'");
        b.setPriority(1);
        configs.create(b);
        String container = blobs().container("travel", "racwdl");

        try {
            // WHEN an ARM export includes them, in a blob it names
            JobResponse export = arm.iotHubResources().exportDevices(rg, hub, new ExportDevicesRequest()
                    .withExportBlobContainerUri(container).withExcludeKeys(false).withIncludeConfigurations(true)
                    .withConfigurationsBlobName("cfg-out.txt"));
            awaitArmJob(hub, export.jobId());
            assertThat(arm.iotHubResources().getJob(rg, hub, export.jobId()).status()).isEqualTo(JobStatus.COMPLETED);

            // THEN that blob holds one line per configuration, as the hub API returns it, next to the devices' blob
            Map<String, JsonNode> exported = new HashMap<>();
            for (String line : blobs().lines("travel", "cfg-out.txt")) {
                JsonNode n = ServerExtension.JSON.readTree(line);
                exported.put(n.get("id").asText(), n);
            }
            assertThat(exported).containsOnlyKeys("travel-a", "travel-b");
            JsonNode lineA = exported.get("travel-a");
            assertThat(lineA.at("/content/deviceContent/properties.desired.travel").asInt()).isEqualTo(1);
            assertThat(lineA.get("priority").asInt()).isEqualTo(3);
            assertThat(lineA.at("/labels/team").asText()).isEqualTo("a");
            assertThat(lineA.get("targetCondition").asText()).isEqualTo("tags.travel = 'nowhere'");
            assertThat(lineA.at("/metrics/queries/arrived").asText()).contains("properties.reported.travel = 1");
            assertThat(lineA.get("etag").asText()).isEqualTo(configs.get("travel-a").getEtag());
            assertThat(blobs().lines("travel", "devices.txt")).isNotEmpty();

            // WHEN both are deleted, and a hub API import brings them back from those lines (with importMode), with a
            // line that is not JSON, one whose condition does not compile, one with a stale etag, and a new one
            configs.delete("travel-a");
            configs.delete("travel-b");
            String mode = ",\"importMode\":\"createOrUpdateIfMatchETag\"}";
            String in = String.join("\n",
                    lineA.toString().replaceFirst("}$", mode),
                    exported.get("travel-b").toString().replaceFirst("}$", mode),
                    "not a configuration",
                    "{\"id\":\"travel-bad\",\"targetCondition\":\"tags.x = = 1\",\"content\":{\"deviceContent\":"
                            + "{\"properties.desired.y\":1}}" + mode,
                    "{\"id\":\"travel-b\",\"etag\":\"c3RhbGU=\",\"priority\":9,\"targetCondition\":\"tags.travel = 'elsewhere'\""
                            + mode,
                    "{\"id\":\"travel-c\",\"priority\":2,\"targetCondition\":\"tags.travel = 'c'\",\"content\":"
                            + "{\"deviceContent\":{\"properties.desired.c\":true}}" + mode) + "\n";
            blobs().upload("travel", "cfg-in.txt", in);
            blobs().upload("travel", "dev-in.txt", "{\"id\":\"travel-dev\",\"importMode\":\"create\"}\n");
            HttpResponse<String> created = server.send("POST", "/jobs/create" + API, sas(), "{\"type\":\"import\","
                    + "\"inputBlobContainerUri\":\"" + container + "\",\"outputBlobContainerUri\":\"" + container + "\","
                    + "\"inputBlobName\":\"dev-in.txt\",\"includeConfigurations\":true,\"configurationsBlobName\":\"cfg-in.txt\"}");
            assertThat(created.statusCode()).as(created.body()).isEqualTo(200);
            assertThat(json(created).get("includeConfigurations").asBoolean()).isTrue();
            assertThat(json(created).get("configurationsBlobName").asText()).isEqualTo("cfg-in.txt");
            String jobId = json(created).get("jobId").asText();
            JsonNode done = JobPolling.until("job " + jobId + " ends", java.time.Duration.ofSeconds(120),
                    java.time.Duration.ofMillis(50), () -> json(server.send("GET", "/jobs/" + jobId + API, sas(), null)),
                    JobPolling::ended);

            // THEN the job completed, the configurations are back as they were, the new one exists
            assertThat(done.get("status").asText()).as(done.toString()).isEqualTo("completed");
            Configuration backA = configs.get("travel-a");
            assertThat(backA.getPriority()).isEqualTo(3);
            assertThat(backA.getLabels()).containsEntry("team", "a");
            assertThat(backA.getTargetCondition()).isEqualTo("tags.travel = 'nowhere'");
            assertThat(Integer.valueOf(backA.getContent().getDeviceContent().get("properties.desired.travel").toString())).isEqualTo(1);
            assertThat(backA.getMetrics().getQueries()).containsKey("arrived");
            assertThat(configs.get("travel-b").getPriority()).as("the stale line changed nothing").isEqualTo(1);
            assertThat(configs.get("travel-c").getPriority()).isEqualTo(2);
            assertThatThrownBy(() -> configs.get("travel-bad")).isInstanceOf(IotHubException.class);
            assertThat(server.send("GET", "/devices/travel-dev" + API, sas(), null).statusCode()).isEqualTo(200);
            // AND each line it could not apply is in importConfigErrors.log, with IoT Hub's code and its number
            List<JsonNode> errors = new ArrayList<>();
            for (String line : blobs().lines("travel", "importConfigErrors.log")) errors.add(ServerExtension.JSON.readTree(line));
            assertThat(errors).extracting(e -> e.get("lineNumber").asInt()).containsExactly(3, 4, 5);
            assertThat(errors).extracting(e -> e.get("errorCode").asInt()).containsExactly(400012, 400401, 412001);
            assertThat(errors.get(1).get("configurationId").asText()).isEqualTo("travel-bad");
            assertThat(errors.get(2).get("configurationId").asText()).isEqualTo("travel-b");

            // WHEN the same import runs again (as after a crash in the middle of its configurations)
            HttpResponse<String> again = server.send("POST", "/jobs/create" + API, sas(), "{\"type\":\"import\","
                    + "\"inputBlobContainerUri\":\"" + container + "\",\"outputBlobContainerUri\":\"" + container + "\","
                    + "\"inputBlobName\":\"dev-in.txt\",\"includeConfigurations\":true,\"configurationsBlobName\":\"cfg-in.txt\"}");
            String againId = json(again).get("jobId").asText();
            JobPolling.until("job " + againId + " ends", java.time.Duration.ofSeconds(120), java.time.Duration.ofMillis(50),
                    () -> json(server.send("GET", "/jobs/" + againId + API, sas(), null)), JobPolling::ended);
            // THEN a line that says what its configuration already is counts as applied, even without an etag
            // (travel-c's), and only the same three lines fail
            List<Integer> againFailed = new ArrayList<>();
            for (String line : blobs().lines("travel", "importConfigErrors.log")) {
                againFailed.add(ServerExtension.JSON.readTree(line).get("lineNumber").asInt());
            }
            assertThat(againFailed).containsExactly(3, 4, 5);
            assertThat(configs.get("travel-c").getEtag()).as("left as it was").isEqualTo("MQ==");

            // WHEN an ARM import names a configurations blob the container lacks
            assertThatThrownBy(() -> arm.iotHubResources().importDevices(rg, hub, new ImportDevicesRequest()
                    .withInputBlobContainerUri(container).withOutputBlobContainerUri(container).withInputBlobName("dev-in.txt")
                    .withIncludeConfigurations(true).withConfigurationsBlobName("absent.txt")))
                    // THEN it is refused at once, naming the blob, and no job was made
                    .isInstanceOfSatisfying(com.azure.core.management.exception.ManagementException.class, e -> {
                        assertThat(e.getResponse().getStatusCode()).isEqualTo(400);
                        assertThat(e.getMessage()).contains("absent.txt");
                    });
            // AND so is an export whose configurations would overwrite its devices' blob
            assertRefused("{\"type\":\"export\",\"outputBlobContainerUri\":\"" + container + "\",\"includeConfigurations\":true,"
                    + "\"configurationsBlobName\":\"devices.txt\"}", "'configurationsBlobName' names the devices' blob");
            assertThat(arm.iotHubResources().listJobs(rg, hub).stream()
                    .noneMatch(j -> j.status() == JobStatus.ENQUEUED || j.status() == JobStatus.RUNNING)).isTrue();
        } finally {
            for (String id : List.of("travel-a", "travel-b", "travel-c")) {
                try {
                    configs.delete(id);
                } catch (IotHubException ignored) {
                    // not there: nothing to clean
                }
            }
        }
    }
}

package dev.iolite.cli.it;

import dev.iolite.server.testkit.ServerExtension;
import dev.iolite.server.testkit.AzuriteExtension;
import dev.iolite.server.testkit.SqliteOnly;
import com.azure.core.credential.AccessToken;
import com.azure.core.credential.TokenCredential;
import com.azure.core.http.rest.PagedResponse;
import dev.iolite.client.DeviceRegistry;
import dev.iolite.client.IotHubClient;
import dev.iolite.client.IotHubException;
import dev.iolite.client.IotHubResources;
import dev.iolite.client.ScheduledJobs;
import dev.iolite.client.models.DeviceIdentity;
import dev.iolite.client.models.DeviceJob;
import dev.iolite.client.models.ExportDevicesRequest;
import dev.iolite.client.models.ImportDevicesRequest;
import dev.iolite.client.models.IotHubDescription;
import dev.iolite.client.models.JobResponse;
import dev.iolite.client.models.JobStatus;
import dev.iolite.client.models.JobType;
import dev.iolite.client.models.RegistryStatistics;
import dev.iolite.client.models.ScheduledJob;
import dev.iolite.client.models.SharedAccessKey;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import reactor.core.publisher.Mono;

import java.io.BufferedWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The Java client library against a real server: every operation, paging, each error class, and waiting for jobs. */
@SqliteOnly("the client library does not depend on the store")
class IotHubClientIT {
    @RegisterExtension
    @Order(1)
    static final AzuriteExtension azurite = new AzuriteExtension();

    @RegisterExtension
    @Order(2)
    static final ServerExtension server = new ServerExtension(c -> c.withJobs(c.jobs().withQueue(true)));

    static IotHubClient client;
    static String rg;
    static String hub;

    @BeforeAll
    static void connect() throws Exception {
        client = client(server.armToken());
        rg = server.ready().get("resourceGroup").asText();
        hub = server.ready().get("hub").asText();
    }

    static IotHubClient client(String token) {
        TokenCredential credential = request -> Mono.just(new AccessToken(token, OffsetDateTime.now().plusHours(1)));
        return IotHubClient.builder().endpoint(server.url()).credential(credential)
                .subscriptionId(server.ready().get("subscriptionId").asText())
                .trustStore(Path.of(server.ready().get("truststore").asText()), "changeit").build();
    }

    /** Writes a JSON Lines blob into a file: container and returns the container URI. */
    static String fileContainer(String name, List<String> lines) throws Exception {
        return fileContainer(server.ready().get("hub").asText(), name, lines);
    }

    /** A {@code file:} container of {@code hub} (each hub has its own folder) holding the lines as devices.txt. */
    static String fileContainer(String hub, String name, List<String> lines) throws Exception {
        Path dir = Files.createDirectories(server.blobRootOf(hub).resolve(name));
        try (BufferedWriter w = Files.newBufferedWriter(dir.resolve("devices.txt"), StandardCharsets.UTF_8)) {
            for (String l : lines) w.write(l + "\n");
        }
        return "file:" + name;
    }

    static List<String> devices(String prefix, int n, int from) {
        List<String> lines = new ArrayList<>(n);
        for (int i = from; i < from + n; i++) {
            lines.add("{\"id\":\"" + prefix + String.format("%06d", i) + "\",\"status\":\"" + (i % 4 == 0 ? "disabled" : "enabled") + "\"}");
        }
        return lines;
    }

    JobResponse await(JobResponse started) {
        return client.iotHubResource().waitForCompletion(rg, hub, started.getJobId(), Duration.ofMillis(50), null);
    }

    @Test
    void importsExportsAndReadsStatisticsAndJobs() throws Exception {
        IotHubResources hubs = client.iotHubResource();
        RegistryStatistics before = hubs.getStats(rg, hub);
        List<String> lines = new ArrayList<>(devices("cl-", 40, 0));
        lines.add("{\"id\":\"cl-bad id\"}");
        String in = fileContainer("client-in", lines);

        // WHEN importing with the default type, and waiting with a listener
        List<JobResponse> seen = new ArrayList<>();
        JobResponse started = hubs.importDevices(rg, hub, new ImportDevicesRequest()
                .setInputBlobContainerUri(in).setOutputBlobContainerUri(in));
        assertThat(started.getType()).isEqualTo(JobType.IMPORT);
        JobResponse done = hubs.waitForCompletion(rg, hub, started.getJobId(), Duration.ofMillis(20), seen::add);

        // THEN the job completes with Iolite's counts, and the listener saw it end
        assertThat(done.getStatus()).isEqualTo(JobStatus.COMPLETED);
        assertThat(done.getProgress()).isEqualTo(100);
        assertThat(done.getDevicesProcessed()).isEqualTo(41);
        assertThat(done.getDevicesSucceeded()).isEqualTo(40);
        assertThat(done.getDevicesFailed()).isEqualTo(1);
        assertThat(done.getStartTimeUtc()).isNotNull();
        assertThat(done.getEndTimeUtc()).isAfterOrEqualTo(done.getStartTimeUtc());
        assertThat(done.getOutputBlobUri()).endsWith("importErrors.log");
        assertThat(seen).isNotEmpty().last().isEqualTo(done);
        assertThat(Files.readAllLines(server.blobRoot().resolve("client-in/importErrors.log")))
                .singleElement().asString().contains("cl-bad id").contains("\"lineNumber\":41");
        assertThat(hubs.getJob(rg, hub, started.getJobId())).isEqualTo(done);

        RegistryStatistics after = hubs.getStats(rg, hub);
        assertThat(after.getTotalDeviceCount()).isEqualTo(before.getTotalDeviceCount() + 40);
        assertThat(after.getDisabledDeviceCount()).isEqualTo(before.getDisabledDeviceCount() + 10);

        // AND an export to Azurite writes every identity, keys excluded
        String out = azurite.get().container("client-out", "racwdl");
        JobResponse exported = await(hubs.exportDevices(rg, hub, new ExportDevicesRequest()
                .setExportBlobContainerUri(out).setExcludeKeys(true).setExportBlobName("all.txt")));
        assertThat(exported.getStatus()).isEqualTo(JobStatus.COMPLETED);
        assertThat(exported.getExcludeKeysInExport()).isTrue();
        assertThat(exported.getType()).isEqualTo(JobType.EXPORT);
        List<String> blob = azurite.get().lines("client-out", "all.txt");
        assertThat(blob).hasSize((int) (long) after.getTotalDeviceCount());
        assertThat(blob).anyMatch(l -> l.contains("\"id\":\"cl-000007\"") && l.contains("\"primaryKey\":null"));
    }

    @Test
    void listJobsPagesThroughEveryJob() throws Exception {
        IotHubResources hubs = client.iotHubResource();
        String in = fileContainer("client-many", devices("pg-", 3, 0));
        Set<String> created = new HashSet<>();
        for (int i = 0; i < 22; i++) {
            created.add(hubs.importDevices(rg, hub, new ImportDevicesRequest().setInputBlobContainerUri(in)
                    .setOutputBlobContainerUri(in).setOutputBlobName("errors-" + i + ".log")).getJobId());
        }
        List<PagedResponse<JobResponse>> pages = new ArrayList<>();
        hubs.listJobs(rg, hub).iterableByPage().forEach(pages::add);
        assertThat(pages).hasSizeGreaterThanOrEqualTo(2);
        assertThat(pages.get(0).getValue()).hasSize(20);
        Set<String> listed = new HashSet<>();
        hubs.listJobs(rg, hub).forEach(j -> listed.add(j.getJobId()));
        assertThat(listed).containsAll(created);
        for (String id : created) assertThat(await(hubs.getJob(rg, hub, id)).getStatus()).isEqualTo(JobStatus.COMPLETED);
    }

    @Test
    void waitingEndsFailedAndCancelled() throws Exception {
        IotHubResources hubs = client.iotHubResource();
        // GIVEN a long import running, and a second one queued behind it whose input then disappears
        String big = fileContainer("client-big", devices("big-", 150_000, 0));
        String gone = fileContainer("client-gone", devices("gone-", 5, 0));
        JobResponse running = hubs.importDevices(rg, hub, new ImportDevicesRequest()
                .setInputBlobContainerUri(big).setOutputBlobContainerUri(big));
        JobResponse queued = hubs.importDevices(rg, hub, new ImportDevicesRequest()
                .setInputBlobContainerUri(gone).setOutputBlobContainerUri(gone));
        assertThat(queued.getStatus()).isEqualTo(JobStatus.ENQUEUED);
        Files.delete(server.blobRoot().resolve("client-gone/devices.txt"));

        // WHEN the running one is cancelled once it has started
        JobResponse cancelled;
        while (true) {
            JobResponse j = hubs.getJob(rg, hub, running.getJobId());
            if (JobStatus.RUNNING.equals(j.getStatus()) || j.getStatus().isTerminal()) break;
            Thread.sleep(20);
        }
        hubs.cancelJob(rg, hub, running.getJobId());
        cancelled = await(running);

        // THEN it ends cancelled with its counts, and the queued one fails with a reason
        assertThat(cancelled.getStatus()).isEqualTo(JobStatus.CANCELLED);
        assertThat(cancelled.getDevicesProcessed()).isLessThan(150_000);
        JobResponse failed = await(queued);
        assertThat(failed.getStatus()).isEqualTo(JobStatus.FAILED);
        assertThat(failed.getFailureReason()).contains("devices.txt");
    }

    @Test
    void errorsCarryStatusCodeAndMessage() {
        IotHubResources hubs = client.iotHubResource();
        assertThatThrownBy(() -> hubs.getStats(rg, "no-such-hub"))
                .isInstanceOfSatisfying(IotHubException.class, e -> {
                    assertThat(e.getStatusCode()).isEqualTo(404);
                    assertThat(e.getErrorCode()).isEqualTo("IotHubNotFound");
                    assertThat(e.getMessage()).contains("no-such-hub");
                });
        assertThatThrownBy(() -> hubs.getJob(rg, hub, "no-such-job"))
                .isInstanceOfSatisfying(IotHubException.class, e -> assertThat(e.getStatusCode()).isEqualTo(404));
        assertThatThrownBy(() -> hubs.importDevices(rg, hub, new ImportDevicesRequest().setInputBlobContainerUri("file:x")
                .setOutputBlobContainerUri("file:x").setType(JobType.EXPORT)))
                .isInstanceOfSatisfying(IotHubException.class, e -> {
                    assertThat(e.getStatusCode()).isEqualTo(400);
                    assertThat(e.getMessage()).contains("'type'");
                });
        assertThatThrownBy(() -> hubs.exportDevices(rg, hub, new ExportDevicesRequest()
                .setExportBlobContainerUri("https://evil.example.com/c?sig=x").setExcludeKeys(true)))
                .isInstanceOfSatisfying(IotHubException.class, e -> assertThat(e.getStatusCode()).isEqualTo(400));
        assertThatThrownBy(() -> client("not-a-token").iotHubResource().getStats(rg, hub))
                .isInstanceOfSatisfying(IotHubException.class, e -> assertThat(e.getStatusCode()).isEqualTo(401));
        IotHubClient nowhere = IotHubClient.builder().endpoint("https://127.0.0.1:1").credential(
                        r -> Mono.just(new AccessToken("t", OffsetDateTime.now().plusHours(1))))
                .subscriptionId("s").retryOptions(new com.azure.core.http.policy.RetryOptions(
                        new com.azure.core.http.policy.FixedDelayOptions(0, Duration.ofMillis(1)))).build();
        assertThatThrownBy(() -> nowhere.iotHubResource().getStats(rg, hub))
                .isInstanceOfSatisfying(IotHubException.class, e -> {
                    assertThat(e.getStatusCode()).isZero();
                    assertThat(e.getErrorCode()).isEqualTo("ServiceUnreachable");
                });
        assertThatThrownBy(() -> IotHubClient.builder().endpoint("http://127.0.0.1:1"))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void hubsKeysAndDevices() throws Exception {
        IotHubResources hubs = client.iotHubResource();
        IotHubDescription created = hubs.createOrUpdate(rg, "client-hub", "westeurope", "S2", 2);
        assertThat(created.getSkuName()).isEqualTo("S2");
        assertThat(created.getSkuCapacity()).isEqualTo(2);
        assertThat(created.getHostName()).isEqualTo("client-hub.azure-devices.net");
        List<String> names = new ArrayList<>();
        hubs.list().forEach(h -> names.add(h.getName()));
        assertThat(names).contains(hub, "client-hub");
        List<SharedAccessKey> keys = hubs.listKeys(rg, "client-hub");
        assertThat(keys).extracting(SharedAccessKey::getKeyName).contains("iothubowner");

        // devices through the service API, signed with a key read through the management API
        DeviceRegistry devices = hubs.devices(rg, "client-hub");
        DeviceIdentity d = devices.create("dev-1", true);
        assertThat(d.getPrimaryKey()).hasSize(44);
        assertThatThrownBy(() -> devices.create("dev-1", true))
                .isInstanceOfSatisfying(IotHubException.class, e -> assertThat(e.getStatusCode()).isEqualTo(409));
        DeviceIdentity off = devices.update("dev-1", false, "lost", null);
        assertThat(off.getStatus()).isEqualTo("disabled");
        assertThat(off.getPrimaryKey()).isEqualTo(d.getPrimaryKey());
        assertThatThrownBy(() -> devices.update("dev-1", true, null, d.getEtag()))
                .isInstanceOfSatisfying(IotHubException.class, e -> assertThat(e.getStatusCode()).isEqualTo(412));
        assertThat(hubs.getStats(rg, "client-hub").getDisabledDeviceCount()).isEqualTo(1);

        // a listing pages through more devices than one page holds, in id order, each once
        String in = fileContainer("client-hub", "client-list", devices("ls-", 2_345, 0));
        assertThat(hubs.waitForCompletion(rg, "client-hub", hubs.importDevices(rg, "client-hub",
                new ImportDevicesRequest().setInputBlobContainerUri(in).setOutputBlobContainerUri(in)).getJobId(),
                Duration.ofMillis(20), null).getStatus()).isEqualTo(JobStatus.COMPLETED);
        List<String> ids = new ArrayList<>();
        List<PagedResponse<DeviceIdentity>> pages = new ArrayList<>();
        devices.list().iterableByPage().forEach(p -> {
            pages.add(p);
            p.getValue().forEach(x -> ids.add(x.getDeviceId()));
        });
        assertThat(pages).hasSize(3);
        assertThat(ids).hasSize(2_346).doesNotHaveDuplicates().isSorted().contains("dev-1", "ls-002344");

        // queries of the query language, paged the same way: rows as JSON, and devices by a condition
        List<com.fasterxml.jackson.databind.JsonNode> counted = new ArrayList<>();
        devices.query("SELECT status, COUNT() AS n FROM devices GROUP BY status").forEach(counted::add);
        assertThat(counted.toString()).isEqualTo("[{\"status\":\"disabled\",\"n\":588}, {\"status\":\"enabled\",\"n\":1758}]");
        List<String> projected = new ArrayList<>();
        devices.query("SELECT deviceId FROM devices WHERE deviceId >= 'ls-001000'").forEach(r -> projected.add(r.get("deviceId").asText()));
        assertThat(projected).hasSize(1_345).doesNotHaveDuplicates().isSorted().startsWith("ls-001000");
        List<String> disabled = new ArrayList<>();
        devices.list("status = 'disabled' AND NOT STARTSWITH(deviceId, 'ls-')").forEach(x -> disabled.add(x.getDeviceId()));
        assertThat(disabled).containsExactly("dev-1");
        assertThatThrownBy(() -> devices.query("SELECT * FROM devices WHERE").iterator().hasNext())
                .isInstanceOfSatisfying(IotHubException.class, e -> {
                    assertThat(e.getStatusCode()).isEqualTo(400);
                    assertThat(e.getMessage()).contains("line 1, column 28");
                });

        devices.delete("dev-1", null);
        assertThatThrownBy(() -> devices.get("dev-1"))
                .isInstanceOfSatisfying(IotHubException.class, e -> {
                    assertThat(e.getStatusCode()).isEqualTo(404);
                    assertThat(e.getErrorCode()).isEqualTo("DeviceNotFound");
                });
        hubs.delete(rg, "client-hub");
        assertThatThrownBy(() -> hubs.get(rg, "client-hub"))
                .isInstanceOfSatisfying(IotHubException.class, e -> assertThat(e.getStatusCode()).isEqualTo(404));
    }

    @Test
    void scheduledJobsUpdateTwinsCallMethodsAndAreCancelled() throws Exception {
        IotHubResources hubs = client.iotHubResource();
        hubs.createOrUpdate(rg, "client-jobs", "westeurope", "S1", 1);
        DeviceRegistry devices = hubs.devices(rg, "client-jobs");
        ScheduledJobs jobs = devices.scheduledJobs();
        // GIVEN four devices, three of them on floor 1
        for (int i = 0; i < 4; i++) {
            devices.create("sj-" + i, true);
            devices.updateTwin("sj-" + i, null, ServerExtension.JSON.readTree("{\"tags\":{\"floor\":" + (i < 3 ? 1 : 2) + "}}"), null);
        }

        // WHEN a twin update is scheduled over floor 1, now
        ScheduledJob twin = jobs.scheduleTwinUpdate("client-twin", "tags.floor = 1",
                ServerExtension.JSON.readTree("{\"updated\":true}"), ServerExtension.JSON.readTree("{\"interval\":30}"), null,
                Duration.ofMinutes(5));
        assertThat(twin.getType()).isEqualTo(JobType.SCHEDULE_UPDATE_TWIN);
        assertThat(twin.getUpdateTwin().at("/properties/desired/interval").asInt()).isEqualTo(30);

        // THEN it completes over those three (ARM's job list shows it too, by its own id), and their twins changed
        assertThat(hubs.waitForCompletion(rg, "client-jobs", "client-twin", Duration.ofMillis(50), null).getStatus())
                .isEqualTo(JobStatus.COMPLETED);
        ScheduledJob done = jobs.getScheduledJob("client-twin");
        assertThat(done.getStatus()).isEqualTo(JobStatus.COMPLETED);
        assertThat(done.getQueryCondition()).isEqualTo("tags.floor = 1");
        assertThat(done.getDeviceJobStatistics().getDeviceCount()).isEqualTo(3);
        assertThat(done.getDeviceJobStatistics().getSucceededCount()).isEqualTo(3);
        assertThat(done.getDeviceJobStatistics().getFailedCount()).isZero();
        for (int i = 0; i < 4; i++) {
            var t = devices.getTwin("sj-" + i, null);
            assertThat(t.at("/properties/desired/interval").asInt(-1)).as("sj-" + i).isEqualTo(i < 3 ? 30 : -1);
            assertThat(t.at("/tags/updated").asBoolean(false)).isEqualTo(i < 3);
        }
        List<DeviceJob> rows = new ArrayList<>();
        jobs.queryDeviceJobs("client-twin", null).forEach(rows::add);
        assertThat(rows).extracting(DeviceJob::getDeviceId).containsExactly("sj-0", "sj-1", "sj-2");
        assertThat(rows).allMatch(r -> JobStatus.COMPLETED.equals(r.getStatus()) && r.getErrorCode() == null);

        // WHEN a method is called on all four, none connected THEN each fails with DeviceNotOnline
        jobs.scheduleDeviceMethod("client-method", "STARTSWITH(deviceId, 'sj-')", "reboot",
                ServerExtension.JSON.readTree("{\"delay\":0}"), Duration.ofSeconds(5), null, null, null);
        hubs.waitForCompletion(rg, "client-jobs", "client-method", Duration.ofMillis(50), null);
        ScheduledJob method = jobs.getScheduledJob("client-method");
        assertThat(method.getType()).isEqualTo(JobType.SCHEDULE_DEVICE_METHOD);
        assertThat(method.getCloudToDeviceMethod().path("methodName").asText()).isEqualTo("reboot");
        assertThat(method.getDeviceJobStatistics().getFailedCount()).isEqualTo(4);
        List<DeviceJob> failed = new ArrayList<>();
        jobs.queryDeviceJobs("client-method", JobStatus.FAILED).forEach(failed::add);
        assertThat(failed).hasSize(4).allMatch(r -> "DeviceNotOnline".equals(r.getErrorCode()));

        // WHEN a job is scheduled for tomorrow THEN it waits as scheduled until cancelled
        ScheduledJob later = jobs.scheduleTwinUpdate("client-later", "tags.floor = 2", null,
                ServerExtension.JSON.readTree("{\"x\":1}"), OffsetDateTime.now().plusDays(1), null);
        assertThat(later.getStatus()).isEqualTo(JobStatus.SCHEDULED);
        assertThat(jobs.cancelScheduledJob("client-later").getStatus()).isEqualTo(JobStatus.CANCELLED);

        // AND the query lists the hub's scheduled jobs by type and status
        List<String> twinJobs = new ArrayList<>();
        jobs.queryScheduledJobs(JobType.SCHEDULE_UPDATE_TWIN, null).forEach(j -> twinJobs.add(j.getJobId()));
        assertThat(twinJobs).containsExactlyInAnyOrder("client-twin", "client-later");
        List<String> cancelled = new ArrayList<>();
        jobs.queryScheduledJobs(null, JobStatus.CANCELLED).forEach(j -> cancelled.add(j.getJobId()));
        assertThat(cancelled).containsExactly("client-later");

        // AND refusals are IotHubExceptions with the service's codes
        assertThatThrownBy(() -> jobs.scheduleTwinUpdate("client-twin", "tags.floor = 1", null,
                ServerExtension.JSON.readTree("{\"x\":1}"), null, null))
                .isInstanceOfSatisfying(IotHubException.class, e -> assertThat(e.getErrorCode()).isEqualTo("JobAlreadyExists"));
        assertThatThrownBy(() -> jobs.scheduleTwinUpdate("client-bad", "tags.floor = ", null,
                ServerExtension.JSON.readTree("{\"x\":1}"), null, null))
                .isInstanceOfSatisfying(IotHubException.class, e -> {
                    assertThat(e.getStatusCode()).isEqualTo(400);
                    assertThat(e.getMessage()).contains("'queryCondition'");
                });
        assertThatThrownBy(() -> jobs.getScheduledJob("no-such-job"))
                .isInstanceOfSatisfying(IotHubException.class, e -> assertThat(e.getStatusCode()).isEqualTo(404));
        hubs.delete(rg, "client-jobs");
    }
}

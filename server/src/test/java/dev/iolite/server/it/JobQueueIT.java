package dev.iolite.server.it;

import dev.iolite.server.testkit.ServerExtension;
import dev.iolite.server.testkit.AzuriteExtension;
import dev.iolite.server.testkit.Sdks;
import com.azure.resourcemanager.iothub.IotHubManager;
import com.azure.resourcemanager.iothub.models.ExportDevicesRequest;
import com.azure.resourcemanager.iothub.models.JobResponse;
import com.azure.resourcemanager.iothub.models.JobStatus;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code --job-queue}: a hub's jobs queue instead of being refused, run one at a time, and list across pages. */
class JobQueueIT {
    @RegisterExtension
    @Order(1)
    static final AzuriteExtension azurite = new AzuriteExtension();

    @RegisterExtension
    @Order(2)
    static final ServerExtension server = new ServerExtension(c -> c.withJobs(c.jobs().withQueue(true)));

    @Test
    void queuedJobsAllRunAndListJobsPagesThroughNextLink() throws Exception {
        server.send("POST", "/devices?api-version=2021-04-12", server.ownerSas(),
                "[{\"id\":\"q-1\"},{\"id\":\"q-2\"},{\"id\":\"q-3\"}]");
        String container = azurite.get().container("queued", "racwdl");
        IotHubManager arm = Sdks.arm(server, server.armToken());
        String rg = server.ready().get("resourceGroup").asText();
        String hub = server.ready().get("hub").asText();

        // GIVEN 25 exports created back to back: none is refused
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 25; i++) {
            JobResponse j = arm.iotHubResources().exportDevices(rg, hub, new ExportDevicesRequest()
                    .withExportBlobContainerUri(container).withExcludeKeys(true).withExportBlobName("e" + i + ".txt"));
            ids.add(j.jobId());
        }
        // THEN each completes, in turn
        for (String id : ids) {
            JsonNode done = Sdks.awaitJob(server, server.ownerSas(), id);
            assertThat(done.get("status").asText()).isEqualTo("completed");
        }
        assertThat(azurite.get().lines("queued", "e24.txt")).hasSize(3);

        // AND listJobs follows nextLink across pages of 20 to all 25
        List<JobResponse> listed = arm.iotHubResources().listJobs(rg, hub).stream().collect(Collectors.toList());
        Set<String> listedIds = new HashSet<>();
        listed.forEach(j -> listedIds.add(j.jobId()));
        assertThat(listedIds).containsAll(ids);
        assertThat(listed).allMatch(j -> j.status() == JobStatus.COMPLETED);

        HttpResponse<String> page1 = server.send("GET", "/subscriptions/" + server.ready().get("subscriptionId").asText()
                + "/resourceGroups/" + rg + "/providers/Microsoft.Devices/IotHubs/" + hub + "/jobs?api-version=2023-06-30",
                "Bearer " + server.armToken(), null);
        JsonNode body = ServerExtension.JSON.readTree(page1.body());
        assertThat(body.get("value")).hasSize(20);
        assertThat(body.get("nextLink").asText()).startsWith(server.url()).contains("api-version=2023-06-30");
        // RFC 1123 times on ARM
        assertThat(body.at("/value/0/startTimeUtc").asText()).endsWith("GMT");
    }
}

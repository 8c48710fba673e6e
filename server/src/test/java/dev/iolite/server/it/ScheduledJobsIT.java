package dev.iolite.server.it;

import com.azure.core.credential.AzureSasCredential;
import com.fasterxml.jackson.databind.JsonNode;
import com.microsoft.azure.sdk.iot.device.ClientOptions;
import com.microsoft.azure.sdk.iot.device.DeviceClient;
import com.microsoft.azure.sdk.iot.device.IotHubClientProtocol;
import com.microsoft.azure.sdk.iot.device.twin.DirectMethodResponse;
import com.microsoft.azure.sdk.iot.service.exceptions.IotHubBadFormatException;
import com.microsoft.azure.sdk.iot.service.exceptions.IotHubConflictException;
import com.microsoft.azure.sdk.iot.service.exceptions.IotHubNotFoundException;
import com.microsoft.azure.sdk.iot.service.jobs.DirectMethodsJobOptions;
import com.microsoft.azure.sdk.iot.service.jobs.ScheduledJob;
import com.microsoft.azure.sdk.iot.service.jobs.ScheduledJobStatus;
import com.microsoft.azure.sdk.iot.service.jobs.ScheduledJobType;
import com.microsoft.azure.sdk.iot.service.jobs.ScheduledJobsClient;
import com.microsoft.azure.sdk.iot.service.query.JobQueryResponse;
import com.microsoft.azure.sdk.iot.service.twin.Twin;
import dev.iolite.server.testkit.ServerExtension;
import dev.iolite.server.testkit.TestTls;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Scheduled jobs (jobs v2) through the official Java service client's {@code ScheduledJobsClient} (2.1.9), with the
 * official Java device SDK answering a method job, on the store the run is for; each test on a hub of its own.
 */
class ScheduledJobsIT {
    @RegisterExtension
    static final ServerExtension server = new ServerExtension();

    private static final String API = "?api-version=2021-04-12";

    @Test
    void aTwinJobUpdatesTheDevicesItsConditionSelectsAndRecordsEachInDevicesJobs() throws Exception {
        String sas = server.createHub("jobs-twin");
        ScheduledJobsClient jobs = new ScheduledJobsClient(server.hostPort(), new AzureSasCredential(sas));
        // GIVEN five devices, three on floor 1
        for (int i = 0; i < 5; i++) {
            put(sas, "t" + i, "{\"deviceId\":\"t" + i + "\"}");
            patchTags(sas, "t" + i, "{\"floor\":" + (i < 3 ? 1 : 2) + "}");
        }
        // WHEN a twin job sets a tag and a desired property on floor 1
        Twin patch = new Twin();
        patch.getTags().put("updated", true);
        patch.getDesiredProperties().put("temperature", 21);
        ScheduledJob job = jobs.scheduleUpdateTwin("twin-1", "tags.floor = 1", patch, new Date(), 60);
        assertThat(job.getJobType()).isEqualTo(ScheduledJobType.scheduleUpdateTwin);

        // THEN it completes over those three, whose twins changed, and only theirs
        ScheduledJob done = awaitEnd(jobs, "twin-1");
        assertThat(done.getJobStatus()).isEqualTo(ScheduledJobStatus.completed);
        assertThat(done.getJobStatistics().getDeviceCount()).isEqualTo(3);
        assertThat(done.getJobStatistics().getSucceededCount()).isEqualTo(3);
        assertThat(done.getJobStatistics().getFailedCount()).isZero();
        for (int i = 0; i < 5; i++) {
            JsonNode twin = twin(sas, "t" + i);
            assertThat(twin.at("/properties/desired/temperature").asInt(-1)).as("t" + i).isEqualTo(i < 3 ? 21 : -1);
            assertThat(twin.at("/tags/updated").asBoolean(false)).isEqualTo(i < 3);
            assertThat(twin.at("/tags/floor").asInt()).as("a tag the patch does not name stays").isEqualTo(i < 3 ? 1 : 2);
        }
        // AND devices.jobs has a completed row per device, through the client's query
        List<ScheduledJob> rows = all(jobs.query("select * from devices.jobs where devices.jobs.jobId = 'twin-1' "));
        assertThat(rows).extracting(ScheduledJob::getDeviceId).containsExactly("t0", "t1", "t2");
        assertThat(rows).allMatch(r -> r.getJobStatus() == ScheduledJobStatus.completed);
        assertThat(all(jobs.query("SELECT * FROM devices.jobs WHERE deviceId = 't1'"))).hasSize(1);
        // AND the job is listed by type and status, and in ARM's job list with its type (beyond IoT Hub)
        assertThat(all(jobs.query(ScheduledJobType.scheduleUpdateTwin, ScheduledJobStatus.completed)))
                .extracting(ScheduledJob::getJobId).containsExactly("twin-1");
        assertThat(all(jobs.query(ScheduledJobType.scheduleDeviceMethod, null))).isEmpty();
        JsonNode arm = ServerExtension.JSON.readTree(server.send("GET", server.armHub("jobs-twin") + "/jobs?api-version=2021-07-01",
                "Bearer " + server.armToken(), null).body());
        assertThat(arm.get("value").get(0).get("jobId").asText()).isEqualTo("twin-1");
        assertThat(arm.get("value").get(0).get("type").asText()).isEqualTo("scheduleUpdateTwin");
        // AND the hub API's import/export list does not show it
        assertThat(ServerExtension.JSON.readTree(server.send("GET", "/jobs" + API, sas, null).body())).isEmpty();
    }

    @Test
    void aMethodJobCallsTheConnectedDeviceAndRecordsTheOthersAsNotOnline() throws Exception {
        String sas = server.createHub("jobs-method");
        ScheduledJobsClient jobs = new ScheduledJobsClient(server.hostPort(), new AzureSasCredential(sas));
        // GIVEN three devices, of which m1 is connected with the Java device SDK and answers "reboot"
        List<String> keys = new ArrayList<>();
        for (String id : List.of("m0", "m1", "m2")) {
            keys.add(ServerExtension.JSON.readTree(put(sas, id, "{\"deviceId\":\"" + id + "\"}").body())
                    .at("/authentication/symmetricKey/primaryKey").asText());
        }
        DeviceClient device = new DeviceClient("HostName=jobs-method.azure-devices.net;DeviceId=m1;SharedAccessKey=" + keys.get(1)
                + ";GatewayHostName=" + server.hostPort(), IotHubClientProtocol.MQTT_WS,
                ClientOptions.builder().sslContext(TestTls.trusting(TestTls.TRUSTSTORE)).build());
        try {
            device.open(false);
            device.subscribeToMethods((method, data, ctx) -> new DirectMethodResponse(200, Map.of("did", method)), null);
            // WHEN a method job calls reboot on all three (no connect timeout: a device must be connected)
            jobs.scheduleDirectMethod("reboot-1", "deviceId IN ['m0', 'm1', 'm2']", "reboot", new Date(),
                    DirectMethodsJobOptions.builder().payload(Map.of("delay", 0)).methodResponseTimeoutSeconds(10)
                            .methodConnectTimeoutSeconds(0).maxExecutionTimeSeconds(60).build());
            ScheduledJob done = awaitEnd(jobs, "reboot-1");
            // THEN one succeeded and two failed, as the rows say
            assertThat(done.getJobStatus()).isEqualTo(ScheduledJobStatus.completed);
            assertThat(done.getJobStatistics().getSucceededCount()).isEqualTo(1);
            assertThat(done.getJobStatistics().getFailedCount()).isEqualTo(2);
            List<ScheduledJob> rows = all(jobs.query("select * from devices.jobs where devices.jobs.jobId = 'reboot-1' "));
            assertThat(rows).hasSize(3);
            for (ScheduledJob row : rows) {
                if (row.getDeviceId().equals("m1")) {
                    assertThat(row.getJobStatus()).isEqualTo(ScheduledJobStatus.completed);
                    assertThat(row.getOutcomeResult().getStatus()).isEqualTo(200);
                    assertThat(row.getOutcomeResult().getPayload(Map.class)).containsEntry("did", "reboot");
                } else {
                    assertThat(row.getJobStatus()).as(row.getDeviceId()).isEqualTo(ScheduledJobStatus.failed);
                    assertThat(row.getError()).contains("DeviceNotOnline");
                }
            }
            // AND the query language filters the rows by status
            HttpResponse<String> failed = server.send("POST", "/devices/query" + API, sas,
                    "{\"query\":\"SELECT * FROM devices.jobs WHERE devices.jobs.status = 'failed'\"}");
            assertThat(ServerExtension.JSON.readTree(failed.body())).hasSize(2);
            assertThat(failed.headers().firstValue("x-ms-item-type")).hasValue("DeviceJob");
        } finally {
            device.close();
        }
    }

    @Test
    void aJobScheduledLaterWaitsAndIsCancelledBadJobsAreRefusedAndNothingIsKept() throws Exception {
        String sas = server.createHub("jobs-later");
        ScheduledJobsClient jobs = new ScheduledJobsClient(server.hostPort(), new AzureSasCredential(sas));
        put(sas, "l0", "{\"deviceId\":\"l0\"}");
        Twin patch = new Twin();
        patch.getDesiredProperties().put("mode", "night");
        // GIVEN a job an hour from now: it is scheduled, and no twin changes
        ScheduledJob later = jobs.scheduleUpdateTwin("later-1", "deviceId = 'l0'", patch,
                Date.from(Instant.now().plusSeconds(3600)), 60);
        assertThat(later.getJobStatus()).isEqualTo(ScheduledJobStatus.scheduled);
        assertThat(jobs.get("later-1").getJobStatus()).isEqualTo(ScheduledJobStatus.scheduled);
        assertThat(all(jobs.query(null, ScheduledJobStatus.scheduled))).extracting(ScheduledJob::getJobId).contains("later-1");
        // WHEN it is cancelled, THEN it ends as cancelled without running
        assertThat(jobs.cancel("later-1").getJobStatus()).isEqualTo(ScheduledJobStatus.cancelled);
        assertThat(twin(sas, "l0").at("/properties/desired/mode").isMissingNode()).isTrue();

        // AND a second job of the same id, a condition that does not compile, and an unknown job are refused
        assertThatThrownBy(() -> jobs.scheduleUpdateTwin("later-1", "deviceId = 'l0'", patch, new Date(), 60))
                .isInstanceOf(IotHubConflictException.class);
        assertThatThrownBy(() -> jobs.scheduleUpdateTwin("bad-1", "deviceId = = 'l0'", patch, new Date(), 60))
                .isInstanceOf(IotHubBadFormatException.class);
        assertThatThrownBy(() -> jobs.get("never")).isInstanceOf(IotHubNotFoundException.class);
        // a patch past a twin's limits, a type IoT Hub does not know, a reported property: 400, nothing scheduled
        String big = "x".repeat(5000);
        assertThat(server.send("PUT", "/jobs/v2/bad-2" + API, sas, "{\"type\":\"scheduleUpdateTwin\",\"queryCondition\":\"deviceId = 'l0'\","
                + "\"updateTwin\":{\"properties\":{\"desired\":{\"a\":\"" + big + "\"}}}}").statusCode()).isEqualTo(400);
        assertThat(server.send("PUT", "/jobs/v2/bad-3" + API, sas, "{\"type\":\"scheduleTwinUpdate\",\"queryCondition\":\"deviceId = 'l0'\","
                + "\"updateTwin\":{\"tags\":{\"a\":1}}}").statusCode()).isEqualTo(400);
        assertThat(server.send("PUT", "/jobs/v2/bad-4" + API, sas, "{\"type\":\"scheduleUpdateTwin\",\"queryCondition\":\"deviceId = 'l0'\","
                + "\"updateTwin\":{\"properties\":{\"reported\":{\"a\":1}}}}").statusCode()).isEqualTo(400);
        for (String id : List.of("bad-1", "bad-2", "bad-3", "bad-4")) {
            assertThatThrownBy(() -> jobs.get(id)).as(id).isInstanceOf(IotHubNotFoundException.class);
        }
        assertThat(twin(sas, "l0").at("/properties/desired/mode").isMissingNode()).isTrue();
    }

    private static ScheduledJob awaitEnd(ScheduledJobsClient jobs, String id) throws Exception {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        ScheduledJob j;
        do {
            j = jobs.get(id);
            if (j.getJobStatus() == ScheduledJobStatus.completed || j.getJobStatus() == ScheduledJobStatus.failed
                    || j.getJobStatus() == ScheduledJobStatus.cancelled) return j;
            Thread.sleep(100);
        } while (System.nanoTime() < until);
        throw new AssertionError("job " + id + " is still " + j.getJobStatus());
    }

    private static List<ScheduledJob> all(JobQueryResponse response) throws Exception {
        List<ScheduledJob> out = new ArrayList<>();
        while (response.hasNext()) out.add(response.next());
        return out;
    }

    private static HttpResponse<String> put(String sas, String id, String body) throws Exception {
        HttpResponse<String> r = server.send("PUT", "/devices/" + id + API, sas, body);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return r;
    }

    private static void patchTags(String sas, String id, String tags) throws Exception {
        HttpResponse<String> r = server.send("PATCH", "/twins/" + id + API, sas, "{\"tags\":" + tags + "}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    }

    private static JsonNode twin(String sas, String id) throws Exception {
        return ServerExtension.JSON.readTree(server.send("GET", "/twins/" + id + API, sas, null).body());
    }
}

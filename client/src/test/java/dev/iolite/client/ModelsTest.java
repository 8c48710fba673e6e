package dev.iolite.client;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.iolite.client.models.AuthenticationType;
import dev.iolite.client.models.ExportDevicesRequest;
import dev.iolite.client.models.ImportDevicesRequest;
import dev.iolite.client.models.JobResponse;
import dev.iolite.client.models.JobStatus;
import dev.iolite.client.models.JobType;
import dev.iolite.client.models.ManagedIdentity;
import org.junit.jupiter.api.Test;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;

import static org.assertj.core.api.Assertions.assertThat;

/** The wire form of the models and of errors, as both IoT Hub surfaces send them. */
class ModelsTest {
    private static final ObjectMapper JSON = Transport.JSON;

    @Test
    void jobTimesParseFromRfc1123AndIso8601() throws Exception {
        JobResponse arm = JSON.readValue("{\"jobId\":\"j\",\"startTimeUtc\":\"Thu, 26 Nov 2026 21:00:05 GMT\","
                + "\"endTimeUtc\":null,\"type\":\"export\",\"status\":\"running\",\"progress\":40,"
                + "\"devicesProcessed\":10,\"devicesPerSecond\":2.5,\"someNewField\":1}", JobResponse.class);
        JobResponse hub = JSON.readValue("{\"jobId\":\"j\",\"startTimeUtc\":\"2026-11-26T21:00:05.123Z\"}", JobResponse.class);
        assertThat(arm.getStartTimeUtc()).isEqualTo(OffsetDateTime.of(2026, 11, 26, 21, 0, 5, 0, ZoneOffset.UTC));
        assertThat(arm.getEndTimeUtc()).isNull();
        assertThat(arm.getType()).isEqualTo(JobType.EXPORT);
        assertThat(arm.getStatus()).isEqualTo(JobStatus.RUNNING);
        assertThat(arm.getDevicesProcessed()).isEqualTo(10);
        assertThat(arm.getEtaSeconds()).isNull();
        assertThat(hub.getStartTimeUtc().getNano()).isEqualTo(123_000_000);
    }

    @Test
    void enumsTolerateUnknownValuesAndCase() throws Exception {
        JobResponse j = JSON.readValue("{\"type\":\"firmwareUpdate\",\"status\":\"Completed\"}", JobResponse.class);
        assertThat(j.getType().toString()).isEqualTo("firmwareUpdate");
        assertThat(j.getStatus()).isEqualTo(JobStatus.COMPLETED);
        assertThat(j.getStatus().isTerminal()).isTrue();
        assertThat(JobStatus.fromString("paused").isTerminal()).isFalse();
        assertThat(AuthenticationType.fromString("IdentityBased")).isEqualTo(AuthenticationType.IDENTITY_BASED);
    }

    @Test
    void requestsOmitUnsetFieldsAndImportDefaultsToImport() throws Exception {
        assertThat(JSON.writeValueAsString(new ExportDevicesRequest().setExportBlobContainerUri("u").setExcludeKeys(true)))
                .isEqualTo("{\"exportBlobContainerUri\":\"u\",\"excludeKeys\":true}");
        assertThat(JSON.writeValueAsString(new ImportDevicesRequest().setInputBlobContainerUri("i")
                .setOutputBlobContainerUri("o").setAuthenticationType(AuthenticationType.IDENTITY_BASED)
                .setIdentity(new ManagedIdentity().setUserAssignedIdentity("/id"))))
                .isEqualTo("{\"inputBlobContainerUri\":\"i\",\"outputBlobContainerUri\":\"o\",\"type\":\"import\","
                        + "\"authenticationType\":\"identityBased\",\"identity\":{\"userAssignedIdentity\":\"/id\"}}");
        assertThat(new ImportDevicesRequest().setInputBlobName("a")).isEqualTo(new ImportDevicesRequest().setInputBlobName("a"))
                .hasToString("ImportDevicesRequest{inputBlobContainerUri=null, outputBlobContainerUri=null, inputBlobName=a, "
                        + "outputBlobName=null, type=import, authenticationType=null, identity=null, includeConfigurations=null, "
                        + "configurationsBlobName=null}");
        assertThat(JSON.writeValueAsString(new ExportDevicesRequest().setExportBlobContainerUri("u")
                .setIncludeConfigurations(true).setConfigurationsBlobName("c.txt")))
                .isEqualTo("{\"exportBlobContainerUri\":\"u\",\"includeConfigurations\":true,\"configurationsBlobName\":\"c.txt\"}");
    }

    @Test
    void errorsOfBothSurfacesGiveCodeAndMessage() {
        IotHubException arm = Transport.error(404, null, "{\"code\":\"IotHubNotFound\",\"message\":\"flat\","
                + "\"error\":{\"code\":\"IotHubNotFound\",\"message\":\"hub 'x' not found\"}}");
        assertThat(arm.getStatusCode()).isEqualTo(404);
        assertThat(arm.getErrorCode()).isEqualTo("IotHubNotFound");
        assertThat(arm.getMessage()).isEqualTo("hub 'x' not found");

        IotHubException hub = Transport.error(404, "DeviceNotFound", "{\"Message\":\"{\\\"errorCode\\\":404001,"
                + "\\\"message\\\":\\\"device 'd' does not exist\\\"}\",\"ExceptionMessage\":\"\"}");
        assertThat(hub.getErrorCode()).isEqualTo("DeviceNotFound");
        assertThat(hub.getMessage()).isEqualTo("device 'd' does not exist");

        IotHubException bare = Transport.error(502, null, "<html>bad gateway</html>");
        assertThat(bare.getErrorCode()).isEqualTo("HTTP502");
        assertThat(bare.getMessage()).contains("bad gateway");
    }
}

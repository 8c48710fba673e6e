package com.example.fleet;

import com.azure.core.credential.AccessToken;
import com.azure.core.credential.AzureSasCredential;
import com.azure.core.http.HttpClient;
import com.azure.core.http.netty.NettyAsyncHttpClientBuilder;
import com.azure.core.management.AzureEnvironment;
import com.azure.core.management.profile.AzureProfile;
import com.azure.resourcemanager.iothub.IotHubManager;
import com.azure.resourcemanager.iothub.models.ExportDevicesRequest;
import com.azure.resourcemanager.iothub.models.JobResponse;
import com.azure.resourcemanager.iothub.models.JobStatus;
import com.azure.resourcemanager.iothub.models.RegistryStatistics;
import com.microsoft.azure.sdk.iot.service.registry.Device;
import com.microsoft.azure.sdk.iot.service.registry.RegistryClient;
import dev.iolite.testing.IoliteExtension;
import dev.iolite.testing.IoliteServer;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.JdkSslContext;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import reactor.core.publisher.Mono;

import javax.net.ssl.HttpsURLConnection;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Code that manages an IoT hub, tested with the official SDKs against a real Iolite server. */
@ExtendWith(IoliteExtension.class)
class FleetRegistryTest {

    @BeforeAll
    static void trustTheServer(IoliteServer iolite) {
        // the service SDK connects with HttpsURLConnection
        HttpsURLConnection.setDefaultSSLSocketFactory(iolite.sslContext().getSocketFactory());
    }

    /** The management SDK aimed at the server's ARM endpoint, trusting its certificate. */
    static IotHubManager arm(IoliteServer iolite) {
        Map<String, String> endpoints = Map.of("resourceManagerEndpointUrl", iolite.armEndpoint(),
                "activeDirectoryEndpointUrl", iolite.armEndpoint(), "activeDirectoryResourceId", iolite.armEndpoint(),
                "managementEndpointUrl", iolite.armEndpoint());
        AzureProfile profile = new AzureProfile("tenant", iolite.subscriptionId(), new AzureEnvironment(endpoints));
        HttpClient http = new NettyAsyncHttpClientBuilder(reactor.netty.http.client.HttpClient.create()
                .secure(tls -> tls.sslContext(new JdkSslContext(iolite.sslContext(), true, ClientAuth.NONE)))).build();
        String token = iolite.armToken();
        return IotHubManager.configure().withHttpClient(http)
                .authenticate(request -> Mono.just(new AccessToken(token, OffsetDateTime.now().plusHours(1))), profile);
    }

    @Test
    void devicesCreatedThroughTheServiceSdkAreExportedThroughArm(IoliteServer iolite) throws Exception {
        RegistryClient registry = new RegistryClient(iolite.hostName(), new AzureSasCredential(iolite.sasToken()));
        for (String id : List.of("pump-1", "pump-2", "valve-1")) registry.addDevice(new Device(id));

        IotHubManager arm = arm(iolite);
        RegistryStatistics stats = arm.iotHubResources().getStats(iolite.resourceGroup(), iolite.hubName());
        assertEquals(3, stats.totalDeviceCount());

        JobResponse job = arm.iotHubResources().exportDevices(iolite.resourceGroup(), iolite.hubName(),
                new ExportDevicesRequest().withExportBlobContainerUri("file:exports").withExcludeKeys(true));
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (job.status() != JobStatus.COMPLETED && job.status() != JobStatus.FAILED && System.nanoTime() < deadline) {
            Thread.sleep(100);
            job = arm.iotHubResources().getJob(iolite.resourceGroup(), iolite.hubName(), job.jobId());
        }
        assertEquals(JobStatus.COMPLETED, job.status(), job.failureReason());

        Path exported = iolite.localBlobRoot().resolve("exports/devices.txt");
        List<String> lines = Files.readAllLines(exported);
        assertEquals(3, lines.size());
        assertTrue(lines.get(0).contains("\"id\":\"pump-1\""), lines.get(0));
        assertTrue(lines.stream().noneMatch(l -> l.matches(".*\"primaryKey\":\"[^\"]+\".*")), "keys were excluded");
    }
}

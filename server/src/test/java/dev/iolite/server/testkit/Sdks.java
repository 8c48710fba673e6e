package dev.iolite.server.testkit;

import com.azure.core.credential.AccessToken;
import com.azure.core.credential.TokenCredential;
import com.azure.core.http.policy.FixedDelay;
import com.azure.core.http.policy.RetryPolicy;
import com.azure.core.management.AzureEnvironment;
import com.azure.core.management.profile.AzureProfile;
import com.fasterxml.jackson.databind.JsonNode;
import com.azure.resourcemanager.iothub.IotHubManager;
import reactor.core.publisher.Mono;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.HashMap;
import java.util.Map;

/** The official SDKs (the ARM SDK and the Java service SDK) aimed at a test server, and job polling. */
public final class Sdks {
    private Sdks() {}

    public static IotHubManager arm(ServerExtension server, String token) {
        String base = server.url() + "/";
        Map<String, String> ep = new HashMap<>();
        ep.put("resourceManagerEndpointUrl", base);
        ep.put("activeDirectoryEndpointUrl", base + "aad/");
        ep.put("activeDirectoryResourceId", base);
        ep.put("managementEndpointUrl", base);
        AzureProfile profile = new AzureProfile("tenant-1", server.ready().get("subscriptionId").asText(),
                new AzureEnvironment(ep));
        TokenCredential cred = req -> Mono.just(new AccessToken(token, OffsetDateTime.now().plusHours(1)));
        return IotHubManager.configure().withRetryPolicy(new RetryPolicy(new FixedDelay(0, Duration.ofMillis(1))))
                .authenticate(cred, profile);
    }

    /** Polls the hub API until the job ends; returns its last JSON. */
    public static JsonNode awaitJob(ServerExtension server, String sas, String jobId) throws Exception {
        return JobPolling.until("job " + jobId + " ends", Duration.ofSeconds(120), Duration.ofMillis(50),
                () -> ServerExtension.JSON.readTree(
                        server.send("GET", "/jobs/" + jobId + "?api-version=2021-04-12", sas, null).body()),
                JobPolling::ended);
    }
}

package com.example.clashing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.iolite.testing.IoliteExtension;
import dev.iolite.testing.IoliteServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Code built on old Jackson, Netty, Jetty and azure-core, tested against a real Iolite server beside them. */
@ExtendWith(IoliteExtension.class)
class OldLibrariesTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void theTestSuiteKeepsItsOwnLibrariesAndTheServerAnswers(IoliteServer iolite) throws Exception {
        assertEquals("2.12.7", com.fasterxml.jackson.databind.cfg.PackageVersion.VERSION.toString());
        assertTrue(org.eclipse.jetty.util.Jetty.VERSION.startsWith("9.4."), org.eclipse.jetty.util.Jetty.VERSION);
        assertTrue(io.netty.util.Version.identify().get("netty-common").artifactVersion().startsWith("4.1."));
        assertEquals("v", new com.azure.core.util.Context("k", "v").getData("k").orElseThrow());

        HttpClient http = HttpClient.newBuilder().sslContext(iolite.sslContext()).build();
        String device = JSON.writeValueAsString(JSON.createObjectNode().put("deviceId", "pump-1"));
        HttpResponse<String> created = http.send(HttpRequest.newBuilder(URI.create(iolite.url() + "/devices/pump-1?api-version=2021-04-12"))
                .header("Authorization", iolite.sasToken()).header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(device)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, created.statusCode(), created.body());
        JsonNode stats = JSON.readTree(http.send(HttpRequest.newBuilder(URI.create(iolite.url() + "/statistics/devices?api-version=2021-04-12"))
                .header("Authorization", iolite.sasToken()).build(), HttpResponse.BodyHandlers.ofString()).body());
        assertEquals(1, stats.path("totalDeviceCount").asInt(), stats.toString());
    }
}

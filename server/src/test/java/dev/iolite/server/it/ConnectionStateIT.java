package dev.iolite.server.it;

import com.fasterxml.jackson.databind.JsonNode;
import dev.iolite.server.devices.ConnectionEvents;
import dev.iolite.server.testkit.JobPolling;
import dev.iolite.server.testkit.LinkStub;
import dev.iolite.server.testkit.ServerExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * connectionState, connectionStateUpdatedTime and lastActivityTime of identities, twins and queries, and
 * connectedDeviceCount, as the device surfaces' events (driven in-process here) make them; on both stores.
 */
class ConnectionStateIT {
    @RegisterExtension
    static final ServerExtension server = new ServerExtension();

    private static final String API = "?api-version=2021-04-12";
    private static final String NEVER = "0001-01-01T00:00:00Z";
    private static final Duration WRITTEN = Duration.ofSeconds(10);

    private static JsonNode get(String sas, String path) throws Exception {
        HttpResponse<String> r = server.send("GET", path + API, sas, null);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return ServerExtension.JSON.readTree(r.body());
    }

    /** Reads {@code path} until {@code done} holds (the tracker writes in batches, a fraction of a second later). */
    private static JsonNode await(String sas, String path, Predicate<JsonNode> done) throws Exception {
        return JobPolling.until(path + " as expected", WRITTEN, Duration.ofMillis(50), () -> get(sas, path), done);
    }

    private static List<String> query(String sas, String text) throws Exception {
        HttpResponse<String> r = server.send("POST", "/devices/query" + API, sas,
                ServerExtension.JSON.createObjectNode().put("query", text).toString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        List<String> out = new ArrayList<>();
        for (JsonNode n : ServerExtension.JSON.readTree(r.body())) out.add(n.toString());
        return out;
    }

    private static long connectedDeviceCount(String sas) throws Exception {
        return get(sas, "/statistics/service").get("connectedDeviceCount").asLong();
    }

    private static void put(String sas, String path) throws Exception {
        HttpResponse<String> r = server.send("PUT", path + API, sas, "{}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    }

    private static String wire(Instant t) {
        return t.truncatedTo(ChronoUnit.MILLIS).toString();
    }

    @Test
    void connectedIdentitiesAreShownInIdentitiesTwinsQueriesAndStatistics() throws Exception {
        // GIVEN a hub of its own with three devices and a module, and another hub with a device of the same id
        String sas = server.createHub("conn-a");
        String other = server.createHub("conn-b");
        for (String d : List.of("ca-1", "ca-2", "ca-3")) put(sas, "/devices/" + d);
        put(sas, "/devices/ca-1/modules/m1");
        put(other, "/devices/ca-1");
        ConnectionEvents events = server.iolite().connectionEvents();
        Instant at = Instant.now().truncatedTo(ChronoUnit.MILLIS);

        // WHEN ca-1, ca-2 and ca-1's module connect
        events.connected(LinkStub.of("conn-a", "ca-1"), at);
        LinkStub two = LinkStub.of("conn-a", "ca-2");
        events.connected(two, at);
        events.connected(LinkStub.of("conn-a", "ca-1", "m1"), at);

        // THEN the identities show it
        JsonNode d1 = await(sas, "/devices/ca-1", n -> n.get("connectionState").asText().equals("Connected"));
        assertThat(d1.get("connectionStateUpdatedTime").asText()).isEqualTo(wire(at));
        assertThat(d1.get("lastActivityTime").asText()).isEqualTo(wire(at));
        JsonNode d3 = get(sas, "/devices/ca-3");
        assertThat(d3.get("connectionState").asText()).isEqualTo("Disconnected");
        assertThat(d3.get("connectionStateUpdatedTime").asText()).isEqualTo(NEVER);
        assertThat(d3.get("lastActivityTime").asText()).isEqualTo(NEVER);
        await(sas, "/devices/ca-1/modules/m1", n -> n.get("connectionState").asText().equals("Connected"));
        assertThat(get(sas, "/devices/ca-1/modules").get(0).get("connectionState").asText()).isEqualTo("Connected");
        List<String> listed = new ArrayList<>();
        for (JsonNode n : get(sas, "/devices")) listed.add(n.get("deviceId").asText() + "=" + n.get("connectionState").asText());
        assertThat(listed).containsExactlyInAnyOrder("ca-1=Connected", "ca-2=Connected", "ca-3=Disconnected");
        // an update's answer shows the identity as it is, still connected
        HttpResponse<String> updated = server.send("PUT", "/devices/ca-1" + API, sas,
                "{\"deviceId\":\"ca-1\",\"status\":\"enabled\"}", "If-Match", "*");
        assertThat(updated.statusCode()).as(updated.body()).isEqualTo(200);
        assertThat(ServerExtension.JSON.readTree(updated.body()).get("connectionState").asText()).isEqualTo("Connected");
        // the twins
        JsonNode twin = get(sas, "/twins/ca-1");
        assertThat(twin.get("connectionState").asText()).isEqualTo("Connected");
        assertThat(twin.get("lastActivityTime").asText()).isEqualTo(wire(at));
        assertThat(get(sas, "/twins/ca-1/modules/m1").get("connectionState").asText()).isEqualTo("Connected");
        assertThat(get(sas, "/twins/ca-3").get("connectionState").asText()).isEqualTo("Disconnected");
        // the queries: exactly the connected ones, projections, grouping, times
        assertThat(query(sas, "SELECT deviceId FROM devices WHERE connectionState = 'Connected'"))
                .containsExactly("{\"deviceId\":\"ca-1\"}", "{\"deviceId\":\"ca-2\"}");
        assertThat(query(sas, "SELECT deviceId FROM devices WHERE connectionState != 'Connected'"))
                .containsExactly("{\"deviceId\":\"ca-3\"}");
        assertThat(query(sas, "SELECT deviceId, connectionState FROM devices WHERE 'Disconnected' = connectionState"))
                .containsExactly("{\"deviceId\":\"ca-3\",\"connectionState\":\"Disconnected\"}");
        assertThat(query(sas, "SELECT deviceId, moduleId FROM devices.modules WHERE connectionState = 'Connected'"))
                .containsExactly("{\"deviceId\":\"ca-1\",\"moduleId\":\"m1\"}");
        assertThat(query(sas, "SELECT * FROM devices WHERE deviceId = 'ca-2'").get(0)).contains("\"connectionState\":\"Connected\"");
        assertThat(query(sas, "SELECT deviceId FROM devices WHERE lastActivityTime > '" + wire(at.minusSeconds(1)) + "'"))
                .containsExactly("{\"deviceId\":\"ca-1\"}", "{\"deviceId\":\"ca-2\"}");
        assertThat(query(sas, "SELECT deviceId FROM devices WHERE lastActivityTime < '2000-01-01T00:00:00Z'"))
                .containsExactly("{\"deviceId\":\"ca-3\"}");
        assertThat(query(sas, "SELECT connectionState, COUNT() AS n FROM devices GROUP BY connectionState"))
                .containsExactlyInAnyOrder("{\"connectionState\":\"Connected\",\"n\":2}",
                        "{\"connectionState\":\"Disconnected\",\"n\":1}");
        // the statistics count devices, not modules; the other hub has none connected
        assertThat(connectedDeviceCount(sas)).isEqualTo(2);
        assertThat(connectedDeviceCount(other)).isZero();
        assertThat(get(other, "/devices/ca-1").get("connectionState").asText()).isEqualTo("Disconnected");
        assertThat(query(other, "SELECT deviceId FROM devices WHERE connectionState = 'Connected'")).isEmpty();

        // WHEN ca-2 disconnects and ca-1 is active ten seconds later
        Instant off = at.plusSeconds(3);
        events.disconnected(two, off);
        LinkStub one = LinkStub.of("conn-a", "ca-1");
        events.connected(one, at.plusSeconds(1));
        events.active(one, at.plusSeconds(10));

        // THEN ca-2 is Disconnected since then, ca-1's activity moved, and one device is counted
        JsonNode d2 = await(sas, "/devices/ca-2", n -> n.get("connectionState").asText().equals("Disconnected"));
        assertThat(d2.get("connectionStateUpdatedTime").asText()).isEqualTo(wire(off));
        assertThat(d2.get("lastActivityTime").asText()).isEqualTo(wire(at));
        await(sas, "/devices/ca-1", n -> n.get("lastActivityTime").asText().equals(wire(at.plusSeconds(10))));
        assertThat(connectedDeviceCount(sas)).isEqualTo(1);
        assertThat(query(sas, "SELECT deviceId FROM devices WHERE connectionState = 'Connected'"))
                .containsExactly("{\"deviceId\":\"ca-1\"}");
    }

    @Test
    void theEndOfAReplacedConnectionLeavesItsSuccessorConnected() throws Exception {
        put(server.ownerSas(), "/devices/cr-1");
        ConnectionEvents events = server.iolite().connectionEvents();
        String hub = server.ready().get("hub").asText();
        Instant at = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        LinkStub first = LinkStub.of(hub, "cr-1");
        LinkStub second = LinkStub.of(hub, "cr-1");
        events.connected(first, at);
        await(server.ownerSas(), "/devices/cr-1", n -> n.get("connectionState").asText().equals("Connected"));

        // the second connection replaces the first, whose end is reported late
        events.connected(second, at.plusSeconds(1));
        events.disconnected(first, at.plusSeconds(2));
        JsonNode d = await(server.ownerSas(), "/devices/cr-1",
                n -> n.get("connectionStateUpdatedTime").asText().equals(wire(at.plusSeconds(1))));
        assertThat(d.get("connectionState").asText()).isEqualTo("Connected");
        Thread.sleep(500);  // another batch or two: still nothing undoes it
        assertThat(get(server.ownerSas(), "/devices/cr-1").get("connectionState").asText()).isEqualTo("Connected");

        events.disconnected(second, at.plusSeconds(3));
        await(server.ownerSas(), "/devices/cr-1", n -> n.get("connectionState").asText().equals("Disconnected"));
    }

    @Test
    void aDeviceDeletedAndMadeAgainNeverConnected() throws Exception {
        put(server.ownerSas(), "/devices/again-1");
        put(server.ownerSas(), "/devices/again-1/modules/m");
        ConnectionEvents events = server.iolite().connectionEvents();
        String hub = server.ready().get("hub").asText();
        Instant at = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        LinkStub device = LinkStub.of(hub, "again-1");
        LinkStub module = LinkStub.of(hub, "again-1", "m");
        events.connected(device, at);
        events.connected(module, at);
        await(server.ownerSas(), "/devices/again-1/modules/m", n -> n.get("connectionState").asText().equals("Connected"));
        events.disconnected(device, at.plusSeconds(1));
        events.disconnected(module, at.plusSeconds(1));
        await(server.ownerSas(), "/devices/again-1", n -> n.get("connectionStateUpdatedTime").asText().equals(wire(at.plusSeconds(1))));

        // WHEN the device (with its module) is deleted and made again under the same ids
        HttpResponse<String> deleted = server.send("DELETE", "/devices/again-1" + API, server.ownerSas(), null, "If-Match", "*");
        assertThat(deleted.statusCode()).as(deleted.body()).isIn(200, 204);
        put(server.ownerSas(), "/devices/again-1");
        put(server.ownerSas(), "/devices/again-1/modules/m");

        // THEN neither shows the old identity's connection: they never connected, as IoT Hub shows a new identity
        for (String path : List.of("/devices/again-1", "/devices/again-1/modules/m", "/twins/again-1")) {
            JsonNode n = get(server.ownerSas(), path);
            assertThat(n.get("connectionState").asText()).as(path).isEqualTo("Disconnected");
            assertThat(n.get("lastActivityTime").asText()).as(path).isEqualTo(NEVER);
            if (n.has("connectionStateUpdatedTime")) {
                assertThat(n.get("connectionStateUpdatedTime").asText()).as(path).isEqualTo(NEVER);
            }
        }
    }

    @Test
    void anExportFilteredByConnectionStateTakesTheDevicesOwnStateAndItsLinesCarryNoConnectionFields() throws Exception {
        // GIVEN ce-1 connected with a module that is not, and ce-2 not connected with a module that is
        String sas = server.ownerSas();
        String hub = server.ready().get("hub").asText();
        for (String path : List.of("/devices/ce-1", "/devices/ce-1/modules/m", "/devices/ce-2", "/devices/ce-2/modules/m")) {
            put(sas, path);
        }
        ConnectionEvents events = server.iolite().connectionEvents();
        events.connected(LinkStub.of(hub, "ce-1"), Instant.now());
        events.connected(LinkStub.of(hub, "ce-2", "m"), Instant.now());
        await(sas, "/devices/ce-2/modules/m", n -> n.get("connectionState").asText().equals("Connected"));
        await(sas, "/devices/ce-1", n -> n.get("connectionState").asText().equals("Connected"));

        // WHEN the connected devices are exported
        HttpResponse<String> created = server.send("POST", "/jobs/create" + API, sas, ServerExtension.JSON.createObjectNode()
                .put("type", "export").put("outputBlobContainerUri", "file:connected")
                .put("ioliteFilter", "connectionState = 'Connected' AND STARTSWITH(deviceId, 'ce-')").toString());
        assertThat(created.statusCode()).as(created.body()).isEqualTo(200);
        JsonNode done = dev.iolite.server.testkit.Sdks.awaitJob(server, sas,
                ServerExtension.JSON.readTree(created.body()).get("jobId").asText());
        assertThat(done.get("status").asText()).as(done.toString()).isEqualTo("completed");

        // THEN ce-1 and its module are exported, as IoT Hub's lines (ExportImportDevice) without connection fields
        List<String> ids = new ArrayList<>();
        for (String line : java.nio.file.Files.readAllLines(server.blobRoot().resolve("connected/devices.txt"))) {
            if (line.isBlank()) continue;
            JsonNode n = ServerExtension.JSON.readTree(line);
            ids.add(n.get("id").asText() + "/" + n.path("moduleId").asText(""));
            assertThat(n.has("connectionState") || n.has("lastActivityTime") || n.has("connectionStateUpdatedTime"))
                    .as(line).isFalse();
        }
        assertThat(ids).containsExactly("ce-1/", "ce-1/m");
    }

    @Test
    void manyConnectionsAtOnceAreAllWritten() throws Exception {
        // GIVEN 2,500 devices created in one bulk request per 100 (IoT Hub's limit)
        String sas = server.createHub("conn-many");
        int n = 2_500;
        for (int i = 0; i < n; i += 100) {
            StringBuilder body = new StringBuilder("[");
            for (int j = i; j < i + 100; j++) {
                body.append(j == i ? "" : ",").append("{\"id\":\"cm-").append(j).append("\",\"importMode\":\"create\"}");
            }
            HttpResponse<String> r = server.send("POST", "/devices" + API, sas, body.append("]").toString());
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        }
        // WHEN they all connect at once, from several threads
        ConnectionEvents events = server.iolite().connectionEvents();
        Instant at = Instant.now();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            int first = t;
            Thread thread = new Thread(() -> {
                for (int i = first; i < n; i += 4) events.connected(LinkStub.of("conn-many", "cm-" + i), at);
            });
            thread.start();
            threads.add(thread);
        }
        for (Thread t : threads) t.join();
        // THEN every one is counted
        JobPolling.until("all connected", WRITTEN, Duration.ofMillis(100), () -> connectedDeviceCount(sas), c -> c == n);
    }
}

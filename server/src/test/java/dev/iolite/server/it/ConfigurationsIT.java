package dev.iolite.server.it;

import com.azure.core.credential.AzureSasCredential;
import com.fasterxml.jackson.databind.JsonNode;
import com.microsoft.azure.sdk.iot.service.configurations.Configuration;
import com.microsoft.azure.sdk.iot.service.configurations.ConfigurationContent;
import com.microsoft.azure.sdk.iot.service.configurations.ConfigurationMetrics;
import com.microsoft.azure.sdk.iot.service.configurations.ConfigurationsClient;
import com.microsoft.azure.sdk.iot.service.exceptions.IotHubConflictException;
import com.microsoft.azure.sdk.iot.service.exceptions.IotHubNotFoundException;
import com.microsoft.azure.sdk.iot.service.exceptions.IotHubPreconditionFailedException;
import dev.iolite.server.testkit.ServerExtension;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.http.HttpResponse;
import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Configurations (automatic device management) through the official Java service client's
 * {@code ConfigurationsClient} (2.1.9), and the hub API's answers to bad ones, on the store the run is for.
 */
class ConfigurationsIT {
    @RegisterExtension
    static final ServerExtension server = new ServerExtension();

    private static final String API = "?api-version=2021-04-12";
    private ConfigurationsClient client;

    @BeforeEach
    void connect() {
        client = new ConfigurationsClient(server.hostPort(), new AzureSasCredential(server.ownerSas()));
    }

    /** The official client's end-to-end test, step by step: create, get, list, replace, delete. */
    @Test
    void aConfigurationIsCreatedReadListedReplacedAndDeletedThroughTheJavaClient() throws Exception {
        // GIVEN a configuration as the client's own end-to-end test makes it
        Configuration cfg = new Configuration("java-crud-adm-e2e");
        ConfigurationContent content = new ConfigurationContent();
        Map<String, Object> water = new HashMap<>();
        water.put("temperature", 66);
        water.put("pressure", 28.02);
        content.setDeviceContent(Map.of("properties.desired.chiller-water", water));
        cfg.setContent(content);
        ConfigurationMetrics metrics = new ConfigurationMetrics();
        metrics.setQueries(Map.of("waterSettingsPending",
                "SELECT deviceId FROM devices WHERE properties.reported.chillerWaterSettings.status='pending'"));
        cfg.setMetrics(metrics);
        cfg.setTargetCondition("properties.reported.chillerProperties.model='4000x'");
        cfg.setPriority(20);
        cfg.setLabels(new HashMap<>(Map.of("team", "chillers")));

        // WHEN it is created and read back
        Configuration created = client.create(cfg);
        Configuration read = client.get("java-crud-adm-e2e");

        // THEN the content comes back verbatim, its integer still an integer, with both times and an etag
        assertThat(created.getEtag()).isNotBlank();
        @SuppressWarnings("unchecked")
        Map<String, Object> back = (Map<String, Object>) read.getContent().getDeviceContent().get("properties.desired.chiller-water");
        assertThat(Integer.valueOf(back.get("temperature").toString())).isEqualTo(66);
        assertThat(Double.valueOf(back.get("pressure").toString())).isEqualTo(28.02);
        assertThat(read.getMetrics().getQueries()).containsEntry("waterSettingsPending",
                "SELECT deviceId FROM devices WHERE properties.reported.chillerWaterSettings.status='pending'");
        assertThat(read.getTargetCondition()).isEqualTo("properties.reported.chillerProperties.model='4000x'");
        assertThat(read.getPriority()).isEqualTo(20);
        assertThat(read.getLabels()).containsEntry("team", "chillers");
        assertThat(read.getSystemMetrics().getQueries()).containsEntry("targetedCount",
                "select deviceId from devices where properties.reported.chillerProperties.model='4000x'");
        assertThat(client.get(10)).extracting(Configuration::getId).contains("java-crud-adm-e2e");

        // AND a replace (If-Match: *) changes the priority and the etag, not the content
        read.setPriority(1);
        Configuration replaced = client.replace(read);
        assertThat(replaced.getPriority()).isEqualTo(1);
        assertThat(replaced.getId()).isEqualTo("java-crud-adm-e2e");
        assertThat(replaced.getEtag()).isNotEqualTo(created.getEtag());
        assertThat(client.get("java-crud-adm-e2e").getContent().getDeviceContent()).containsKey("properties.desired.chiller-water");

        // AND a delete with a stale etag is refused; the current one, or none, deletes it
        assertThatThrownBy(() -> client.delete(created)).isInstanceOf(IotHubPreconditionFailedException.class);
        client.delete("java-crud-adm-e2e");
        assertThatThrownBy(() -> client.get("java-crud-adm-e2e")).isInstanceOf(IotHubNotFoundException.class);
    }

    @Test
    void badConfigurationsGetIotHubsCodesAndChangeNothing() throws Exception {
        String sas = server.ownerSas();
        assertThat(put(sas, "bad-input", "{\"content\":{\"deviceContent\":{\"properties.desired.a\":1}},"
                + "\"targetCondition\":\"tags.site='x'\",\"priority\":3}", null).statusCode()).isEqualTo(200);
        JsonNode before = withoutResults(get(sas, "bad-input").body());

        // a second create of the same id: 409401, and through the client a conflict
        assertThat(code(put(sas, "bad-input", "{}", null))).isEqualTo(409401);
        assertThatThrownBy(() -> client.create(new Configuration("bad-input"))).isInstanceOf(IotHubConflictException.class);
        // content changed on a replace: 400403
        assertThat(code(put(sas, "bad-input", "{\"content\":{\"deviceContent\":{\"properties.desired.a\":2}}}", "*")))
                .isEqualTo(400403);
        // a target condition or a metric query that does not compile: 400401, 400404
        assertThat(code(put(sas, "bad-input", "{\"targetCondition\":\"tags.site = = 'x'\"}", "*"))).isEqualTo(400401);
        assertThat(code(put(sas, "bad-input", "{\"metrics\":{\"queries\":{\"m\":\"SELECT FROM nowhere\"}}}", "*")))
                .isEqualTo(400404);
        // content keys that are not twin paths, or two kinds of content: 400402
        assertThat(code(put(sas, "other", "{\"content\":{\"deviceContent\":{\"tags.a\":1}}}", null))).isEqualTo(400402);
        assertThat(code(put(sas, "other", "{\"content\":{\"deviceContent\":{\"properties.desired.a\":1},"
                + "\"moduleContent\":{\"properties.desired.b\":1}}}", null))).isEqualTo(400402);
        // a stale etag: 412; an id IoT Hub refuses: 400004; a replace of nothing: 404301
        assertThat(code(put(sas, "bad-input", "{\"priority\":9}", "\"Nzc=\""))).isEqualTo(412001);
        assertThat(code(put(sas, "Upper", "{}", null))).isEqualTo(400004);
        assertThat(code(put(sas, "missing", "{}", "*"))).isEqualTo(404301);
        assertThat(code(server.send("DELETE", "/configurations/missing" + API, sas, null))).isEqualTo(404301);

        // THEN nothing of it was kept
        assertThat(withoutResults(get(sas, "bad-input").body())).isEqualTo(before);
        assertThat(get(sas, "other").statusCode()).isEqualTo(404);
        assertThatThrownBy(() -> client.get("bad-input-typo")).isInstanceOf(IotHubNotFoundException.class);
        client.delete("bad-input");
    }

    @Test
    void aHubHoldsAHundredConfigurationsAndTheHundredAndFirstIsRefused() throws Exception {
        String sas = server.createHub("config-limit");
        for (int i = 0; i < 100; i++) {
            HttpResponse<String> r = put(sas, "c-" + i, "{\"targetCondition\":\"tags.n=" + i + "\"}", null);
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        }
        assertThat(code(put(sas, "c-100", "{}", null))).isEqualTo(413101);
        JsonNode list = ServerExtension.JSON.readTree(server.send("GET", "/configurations" + API, sas, null).body());
        assertThat(list).hasSize(100);
        // top caps the list (the C# client's path has a slash before the query)
        assertThat(ServerExtension.JSON.readTree(server.send("GET", "/configurations/?top=7&api-version=2021-04-12", sas, null)
                .body())).hasSize(7);
        // another hub sees none of them
        assertThat(client.get(200)).extracting(Configuration::getId).noneMatch(id -> id.startsWith("c-"));
    }

    @Test
    void testQueriesReportsTheErrorsOfATargetConditionAndOfEachMetric() throws Exception {
        HttpResponse<String> r = server.send("POST", "/configurations/testQueries" + API, server.ownerSas(),
                "{\"targetCondition\":\"tags.a = \",\"customMetricQueries\":{\"fine\":\"SELECT deviceId FROM devices\","
                        + "\"broken\":\"SELECT deviceId FROM devices WHERE\"}}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode out = ServerExtension.JSON.readTree(r.body());
        assertThat(out.get("targetConditionError").asText()).contains("not valid");
        assertThat(out.get("customMetricQueryErrors").has("fine")).isFalse();
        assertThat(out.get("customMetricQueryErrors").get("broken").asText()).contains("broken");
        JsonNode fine = ServerExtension.JSON.readTree(server.send("POST", "/configurations/testQueries" + API,
                server.ownerSas(), "{\"targetCondition\":\"*\",\"customMetricQueries\":{}}").body());
        assertThat(fine.get("targetConditionError").isNull()).isTrue();
        assertThat(fine.get("customMetricQueryErrors")).isEmpty();
        HttpResponse<String> notAnObject = server.send("POST", "/configurations/testQueries" + API, server.ownerSas(),
                "{\"targetCondition\":\"*\",\"customMetricQueries\":[\"SELECT deviceId FROM devices\"]}");
        assertThat(notAnObject.statusCode()).isEqualTo(400);
        assertThat(ServerExtension.hubError(notAnObject).get("errorCode").asInt()).isEqualTo(400404);
    }

    /**
     * Automatic device management end to end, on a hub of its own: configurations apply by priority, a tag change
     * moves a device between them, metrics count, and a deleted configuration hands its twins to the next one.
     */
    @Test
    void configurationsApplyByPriorityFollowTagChangesAndCountTheirMetrics() throws Exception {
        String hub = "adm-apply";
        String sas = server.createHub(hub);
        ConfigurationsClient configs = new ConfigurationsClient(server.hostPort(), new AzureSasCredential(sas));
        com.microsoft.azure.sdk.iot.service.twin.TwinClient twins =
                new com.microsoft.azure.sdk.iot.service.twin.TwinClient(server.hostPort(), new AzureSasCredential(sas));
        // GIVEN three devices, two of them at site a
        for (String[] d : new String[][] {{"d1", "a"}, {"d2", "b"}, {"d3", "a"}}) {
            assertThat(server.send("PUT", "/devices/" + d[0] + API, sas, "{}").statusCode()).isEqualTo(200);
            assertThat(server.send("PATCH", "/twins/" + d[0] + API, sas, "{\"tags\":{\"site\":\"" + d[1] + "\"}}")
                    .statusCode()).isEqualTo(200);
        }
        // WHEN a configuration for site a (priority 10) and one for every device (priority 1) are created
        assertThat(put(sas, "site-a", "{\"content\":{\"deviceContent\":{\"properties.desired.firmware\":{\"version\":\"1.0\"}}},"
                + "\"targetCondition\":\"tags.site='a'\",\"priority\":10,\"metrics\":{\"queries\":{\"onOne\":"
                + "\"SELECT deviceId FROM devices WHERE properties.desired.firmware.version = '1.0'\"}}}", null).statusCode())
                .isEqualTo(200);
        assertThat(put(sas, "everyone", "{\"content\":{\"deviceContent\":{\"properties.desired.firmware\":{\"version\":\"0.9\"},"
                + "\"properties.desired.telemetry.interval\":30}},\"targetCondition\":\"*\",\"priority\":1}", null).statusCode())
                .isEqualTo(200);

        // THEN each twin gets the content of the highest priority that targets it, and says so
        awaitStatus(twins, "d1", "site-a", "applied");
        awaitStatus(twins, "d2", "everyone", "applied");
        awaitStatus(twins, "d3", "site-a", "applied");
        assertThat(desired(sas, "d1").path("firmware").path("version").asText()).isEqualTo("1.0");
        assertThat(desired(sas, "d1").has("telemetry")).as("a targeted configuration writes nothing").isFalse();
        assertThat(desired(sas, "d2").path("firmware").path("version").asText()).isEqualTo("0.9");
        assertThat(desired(sas, "d2").path("telemetry").path("interval").asInt()).isEqualTo(30);
        assertThat(twins.get("d1").getConfigurations().get("everyone").getStatus().toString()).isEqualTo("TARGETED");
        // AND the metrics count it, and the query language reads the section as IoT Hub's metric queries do
        awaitMetrics(configs, "site-a", 2, 2);
        assertThat(configs.get("site-a").getMetrics().getResults()).containsEntry("onOne", 2L);
        assertThat(queryIds(sas, "SELECT * FROM devices WHERE configurations.[[everyone]].status = 'Applied'"))
                .containsExactly("d2");

        // WHEN d2 moves to site a
        assertThat(server.send("PATCH", "/twins/d2" + API, sas, "{\"tags\":{\"site\":\"a\"}}").statusCode()).isEqualTo(200);
        // THEN it gets site a's configuration, and the other one only targets it
        awaitStatus(twins, "d2", "site-a", "applied");
        assertThat(twins.get("d2").getConfigurations().get("everyone").getStatus().toString()).isEqualTo("TARGETED");
        assertThat(desired(sas, "d2").path("firmware").path("version").asText()).isEqualTo("1.0");
        awaitMetrics(configs, "site-a", 3, 3);

        // WHEN site a's configuration is deleted, THEN its twins fall back to the next one that targets them
        configs.delete("site-a");
        awaitStatus(twins, "d1", "everyone", "applied");
        assertThat(twins.get("d1").getConfigurations()).doesNotContainKey("site-a");
        assertThat(desired(sas, "d1").path("firmware").path("version").asText()).isEqualTo("0.9");
        awaitMetrics(configs, "everyone", 3, 3);
    }

    private static void awaitStatus(com.microsoft.azure.sdk.iot.service.twin.TwinClient twins, String device, String config,
                                    String status) throws Exception {
        long until = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(20);
        String seen = null;
        while (System.nanoTime() < until) {
            var info = twins.get(device).getConfigurations();
            seen = info == null || info.get(config) == null ? null : String.valueOf(info.get(config).getStatus());
            if (status.equalsIgnoreCase(seen)) return;
            Thread.sleep(100);
        }
        throw new AssertionError("twin " + device + ": configuration " + config + " is " + seen + ", not " + status);
    }

    private static void awaitMetrics(ConfigurationsClient configs, String id, long targeted, long applied) throws Exception {
        long until = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(20);
        Map<String, Long> seen = null;
        while (System.nanoTime() < until) {
            seen = configs.get(id).getSystemMetrics().getResults();
            if (seen != null && Long.valueOf(targeted).equals(seen.get("targetedCount"))
                    && Long.valueOf(applied).equals(seen.get("appliedCount"))) return;
            Thread.sleep(100);
        }
        throw new AssertionError("configuration " + id + ": system metrics " + seen);
    }

    private static JsonNode desired(String sas, String device) throws Exception {
        return ServerExtension.JSON.readTree(server.send("GET", "/twins/" + device + API, sas, null).body())
                .path("properties").path("desired");
    }

    private static java.util.List<String> queryIds(String sas, String query) throws Exception {
        HttpResponse<String> r = server.send("POST", "/devices/query" + API, sas,
                ServerExtension.JSON.writeValueAsString(Map.of("query", query)));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        java.util.List<String> ids = new java.util.ArrayList<>();
        ServerExtension.JSON.readTree(r.body()).forEach(n -> ids.add(n.get("deviceId").asText()));
        return ids;
    }

    private static HttpResponse<String> put(String sas, String id, String body, String ifMatch) throws Exception {
        return ifMatch == null ? server.send("PUT", "/configurations/" + id + API, sas, body)
                : server.send("PUT", "/configurations/" + id + API, sas, body, "If-Match", ifMatch);
    }

    /** The configuration as rendered, without its metrics' results (an evaluation may store them at any time). */
    private static JsonNode withoutResults(String body) throws Exception {
        com.fasterxml.jackson.databind.node.ObjectNode n = (com.fasterxml.jackson.databind.node.ObjectNode) ServerExtension.JSON.readTree(body);
        ((com.fasterxml.jackson.databind.node.ObjectNode) n.get("systemMetrics")).remove("results");
        ((com.fasterxml.jackson.databind.node.ObjectNode) n.get("metrics")).remove("results");
        return n;
    }

    private static HttpResponse<String> get(String sas, String id) throws Exception {
        return server.send("GET", "/configurations/" + id + API, sas, null);
    }

    private static int code(HttpResponse<String> r) throws Exception {
        return ServerExtension.hubError(r).get("errorCode").asInt();
    }
}

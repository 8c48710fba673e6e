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
        String before = get(sas, "bad-input").body();

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
        assertThat(get(sas, "bad-input").body()).isEqualTo(before);
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
    }

    private static HttpResponse<String> put(String sas, String id, String body, String ifMatch) throws Exception {
        return ifMatch == null ? server.send("PUT", "/configurations/" + id + API, sas, body)
                : server.send("PUT", "/configurations/" + id + API, sas, body, "If-Match", ifMatch);
    }

    private static HttpResponse<String> get(String sas, String id) throws Exception {
        return server.send("GET", "/configurations/" + id + API, sas, null);
    }

    private static int code(HttpResponse<String> r) throws Exception {
        return ServerExtension.hubError(r).get("errorCode").asInt();
    }
}

package dev.iolite.server.it;

import dev.iolite.server.testkit.ServerExtension;
import dev.iolite.server.testkit.Sdks;
import dev.iolite.server.testkit.JobPolling;
import com.azure.core.credential.AzureSasCredential;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.microsoft.azure.sdk.iot.service.exceptions.IotHubException;
import com.microsoft.azure.sdk.iot.service.query.QueryClient;
import com.microsoft.azure.sdk.iot.service.query.QueryPageOptions;
import com.microsoft.azure.sdk.iot.service.query.RawQueryResponse;
import com.microsoft.azure.sdk.iot.service.query.TwinQueryResponse;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * IoT Hub's query language through the official Java service SDK's QueryClient and raw HTTPS, on the
 * store the run is for. Every expected result is computed from the test's own dataset ({@link Dev}).
 */
class QueryIT {
    @RegisterExtension
    static final ServerExtension server = new ServerExtension();

    private static final String API = "?api-version=2021-04-12";
    private static final String[] SITES = {"north", "south", "east's"};
    private static final int N = 60;
    /** Keeps every query to this class's devices, whatever else the hub holds. */
    private static final String MINE = "STARTSWITH(deviceId, 'q-')";

    /** One device of the dataset, as the test made it. */
    record Dev(String id, String site, Object n, Boolean flag, int level, Integer rate, boolean enabled, boolean nul) {
        static Dev of(int i) {
            return new Dev(String.format("q-%02d", i), SITES[i % 3], i % 5 == 0 ? (Object) String.valueOf(i) : (Object) i,
                    i % 7 == 0 ? null : i % 2 == 0, i % 4, i % 3 == 0 ? i * 10 : null, i % 4 != 0, i % 6 == 0);
        }

        Integer number() { return n instanceof Integer k ? k : null; }

        String json() {
            StringBuilder tags = new StringBuilder("{\"site\":\"").append(site.replace("'", "'")).append('"')
                    .append(",\"n\":").append(n instanceof String s ? "\"" + s + "\"" : n)
                    .append(",\"nested\":{\"level\":").append(level).append('}');
            if (flag != null) tags.append(",\"flag\":").append(flag);
            if (nul) tags.append(",\"nul\":null");
            tags.append('}');
            return "{\"id\":\"" + id + "\",\"status\":\"" + (enabled ? "enabled" : "disabled") + "\",\"tags\":" + tags
                    + (rate == null ? "" : ",\"properties\":{\"desired\":{\"rate\":" + rate + "}}") + "}";
        }
    }

    private static final List<Dev> DATA = new ArrayList<>();
    private static QueryClient sdk;

    @BeforeAll
    static void dataset() throws Exception {
        StringBuilder b = new StringBuilder("[");
        for (int i = 0; i < N; i++) {
            Dev d = Dev.of(i);
            DATA.add(d);
            if (i > 0) b.append(',');
            b.append(d.json());
        }
        HttpResponse<String> r = server.send("POST", "/devices" + API, server.ownerSas(), b.append(']').toString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        for (int i = 0; i < 4; i++) {
            String path = "/devices/q-0" + i + "/modules/m" + i;
            assertThat(server.send("PUT", path + API, server.ownerSas(), "{}").statusCode()).isEqualTo(200);
            String patch = "{\"tags\":{\"kind\":\"" + (i % 2 == 0 ? "sensor" : "camera") + "\"}}";
            assertThat(server.send("PATCH", "/twins/q-0" + i + "/modules/m" + i + API, server.ownerSas(), patch, "If-Match", "*")
                    .statusCode()).isEqualTo(200);
        }
        sdk = new QueryClient(server.hostPort(), new AzureSasCredential(server.ownerSas()));
    }

    private static List<String> expected(Predicate<Dev> p) {
        return DATA.stream().filter(p).map(Dev::id).toList();
    }

    /** Device ids of {@code SELECT * ... WHERE where AND MINE}, through the SDK with pages of 7. */
    private static List<String> twinIds(String where) throws Exception {
        TwinQueryResponse r = sdk.queryTwins("SELECT * FROM devices WHERE (" + where + ") AND " + MINE,
                QueryPageOptions.builder().pageSize(7).build());
        List<String> ids = new ArrayList<>();
        while (r.hasNext()) ids.add(r.next().getDeviceId());
        return ids;
    }

    private static List<JsonNode> raw(String query, int pageSize) throws Exception {
        RawQueryResponse r = sdk.queryRaw(query, QueryPageOptions.builder().pageSize(pageSize).build());
        List<JsonNode> rows = new ArrayList<>();
        while (r.hasNext()) rows.add(ServerExtension.JSON.readTree(r.next()));
        return rows;
    }

    @Test
    void everyOperatorAndFunctionSelectsWhatTheDatasetSays() throws Exception {
        Map<String, Predicate<Dev>> cases = new LinkedHashMap<>();
        cases.put("tags.site = 'north'", d -> d.site().equals("north"));
        cases.put("tags.site = 'east\\'s'", d -> d.site().equals("east's"));
        cases.put("tags.site = 'east''s'", d -> d.site().equals("east's"));
        cases.put("tags.site = \"east's\"", d -> d.site().equals("east's"));
        cases.put("tags.site <> 'north'", d -> !d.site().equals("north"));
        cases.put("tags.n > 30", d -> d.number() != null && d.number() > 30);
        cases.put("tags.n <= 3", d -> d.number() != null && d.number() <= 3);
        cases.put("tags.n = '10'", d -> "10".equals(d.n()));
        cases.put("tags.n = 10", d -> false);
        cases.put("tags.n != 3", d -> d.number() != null && d.number() != 3);
        cases.put("NOT (tags.n = 3)", d -> d.number() != null && d.number() != 3);
        cases.put("tags.n >= '40'", d -> d.n() instanceof String s && s.compareTo("40") >= 0);
        cases.put("tags.flag = true", d -> Boolean.TRUE.equals(d.flag()));
        cases.put("tags.flag", d -> Boolean.TRUE.equals(d.flag()));
        cases.put("NOT tags.flag", d -> Boolean.FALSE.equals(d.flag()));
        cases.put("tags.flag != true", d -> Boolean.FALSE.equals(d.flag()));
        cases.put("IS_DEFINED(tags.flag)", d -> d.flag() != null);
        cases.put("NOT IS_DEFINED(tags.flag)", d -> d.flag() == null);
        cases.put("IS_NULL(tags.nul)", Dev::nul);
        cases.put("tags.nul = null", Dev::nul);
        cases.put("IS_STRING(tags.n)", d -> d.n() instanceof String);
        cases.put("IS_NUMBER(tags.n)", d -> d.n() instanceof Integer);
        cases.put("NOT IS_NUMBER(tags.n)", d -> d.n() instanceof String);
        cases.put("IS_BOOL(tags.flag)", d -> d.flag() != null);
        cases.put("IS_OBJECT(tags.nested)", d -> true);
        cases.put("IS_PRIMITIVE(tags.nested)", d -> false);
        cases.put("IS_PRIMITIVE(tags.nested.level)", d -> true);
        cases.put("tags.nested.level IN [1, 3]", d -> d.level() == 1 || d.level() == 3);
        cases.put("tags.nested.level NIN [1, 3]", d -> d.level() != 1 && d.level() != 3);
        cases.put("NOT (tags.nested.level IN [1, 3])", d -> d.level() != 1 && d.level() != 3);
        cases.put("tags.site IN ['north', 1, true]", d -> d.site().equals("north"));
        cases.put("status = 'disabled'", d -> !d.enabled());
        cases.put("STARTSWITH(tags.site, 'no')", d -> d.site().startsWith("no"));
        cases.put("ENDSWITH(tags.site, 'th')", d -> d.site().endsWith("th"));
        cases.put("NOT ENDSWITH(tags.site, 'th')", d -> !d.site().endsWith("th"));
        cases.put("CONTAINS(tags.site, 'ou')", d -> d.site().contains("ou"));
        cases.put("tags.site = 'north' OR tags.site = 'south' AND tags.nested.level = 1",
                d -> d.site().equals("north") || (d.site().equals("south") && d.level() == 1));
        cases.put("(tags.site = 'north' OR tags.site = 'south') AND tags.nested.level = 1",
                d -> (d.site().equals("north") || d.site().equals("south")) && d.level() == 1);
        cases.put("NOT (tags.site = 'north' OR tags.nested.level = 1)", d -> !d.site().equals("north") && d.level() != 1);
        cases.put("properties.desired.rate >= 300", d -> d.rate() != null && d.rate() >= 300);
        cases.put("IS_DEFINED(properties.desired.rate)", d -> d.rate() != null);
        cases.put("tags.n * 2 + 1 > 41", d -> d.number() != null && d.number() * 2 + 1 > 41);
        cases.put("tags.n / 2 = 3.5", d -> d.number() != null && d.number() == 7);
        cases.put("tags.n % 10 = 3", d -> d.number() != null && d.number() % 10 == 3);
        cases.put("tags.n - tags.nested.level = 20", d -> d.number() != null && d.number() - d.level() == 20);
        cases.put("ABS(tags.n - 50) < 3", d -> d.number() != null && Math.abs(d.number() - 50) < 3);
        cases.put("LENGTH(tags.site) = 5", d -> d.site().length() == 5);
        cases.put("UPPER(tags.site) = 'NORTH'", d -> d.site().equals("north"));
        cases.put("CONCAT(tags.site, '-', tags.n) = 'north-30'", d -> d.site().equals("north") && "30".equals(d.n()));
        cases.put("deviceId IN ['q-01', 'q-02', 'nobody']", d -> d.id().equals("q-01") || d.id().equals("q-02"));
        cases.put("deviceId > 'q-55'", d -> d.id().compareTo("q-55") > 0);
        cases.put("tags.missing = 1", d -> false);
        cases.put("tags.missing != 1", d -> false);
        cases.put("NOT (tags.missing = 1)", d -> false);
        cases.put("moduleId = 'm1'", d -> false);
        cases.put("version >= 1 AND properties.desired.$version = version", d -> true);
        cases.put("capabilities.iotEdge = false AND authenticationType = 'sas'", d -> true);
        cases.put("connectionState = 'Disconnected' AND statusReason = null", d -> true);
        cases.put("statusUpdateTime > '2000-01-01T00:00:00Z'", d -> true);
        cases.put("true", d -> true);
        cases.put("NOT true", d -> false);
        for (Map.Entry<String, Predicate<Dev>> c : cases.entrySet()) {
            assertThat(twinIds(c.getKey())).as(c.getKey()).containsExactlyElementsOf(expected(c.getValue()));
        }
    }

    @Test
    void projectionsCountsGroupsAndTop() throws Exception {
        List<JsonNode> one = raw("SELECT deviceId, tags.site, tags.nested.level AS lvl, tags.nothing, "
                + "properties.desired.rate FROM devices WHERE deviceId = 'q-03'", 10);
        assertThat(one).hasSize(1);
        assertThat(one.get(0).toString()).isEqualTo("{\"deviceId\":\"q-03\",\"site\":\"north\",\"lvl\":3,\"rate\":30}");

        List<JsonNode> count = raw("SELECT COUNT() AS n FROM devices WHERE tags.site = 'north' AND " + MINE, 10);
        assertThat(count.toString()).isEqualTo("[{\"n\":" + expected(d -> d.site().equals("north")).size() + "}]");
        assertThat(raw("SELECT COUNT() FROM devices WHERE tags.site = 'nowhere'", 10).toString()).isEqualTo("[{\"$1\":0}]");

        Map<String, Long> bySite = new TreeMap<>();
        for (Dev d : DATA) bySite.merge(d.site(), 1L, Long::sum);
        List<JsonNode> groups = raw("SELECT tags.site, COUNT() AS n FROM devices WHERE " + MINE + " GROUP BY tags.site", 2);
        Map<String, Long> got = new TreeMap<>();
        for (JsonNode g : groups) got.put(g.get("site").asText(), g.get("n").asLong());
        assertThat(got).isEqualTo(bySite);

        // two keys, one of them a number, and a group whose key is undefined (no flag)
        List<JsonNode> pairs = raw("SELECT tags.flag AS f, status, COUNT() AS n FROM devices WHERE " + MINE
                + " GROUP BY tags.flag, status", 100);
        Map<String, Long> expectedPairs = new TreeMap<>();
        for (Dev d : DATA) expectedPairs.merge(d.flag() + "/" + (d.enabled() ? "enabled" : "disabled"), 1L, Long::sum);
        Map<String, Long> gotPairs = new TreeMap<>();
        for (JsonNode g : pairs) {
            String flag = g.has("f") ? String.valueOf(g.get("f").booleanValue()) : "null";
            gotPairs.put(flag + "/" + g.get("status").asText(), g.get("n").asLong());
        }
        assertThat(gotPairs).isEqualTo(expectedPairs);

        // TOP limits the whole result, across pages
        TwinQueryResponse top = sdk.queryTwins("SELECT TOP 5 * FROM devices WHERE " + MINE,
                QueryPageOptions.builder().pageSize(2).build());
        List<String> ids = new ArrayList<>();
        while (top.hasNext()) ids.add(top.next().getDeviceId());
        assertThat(ids).containsExactly("q-00", "q-01", "q-02", "q-03", "q-04");
    }

    @Test
    void modulesAreQueriedFromDevicesModulesOnly() throws Exception {
        TwinQueryResponse r = sdk.queryTwins("SELECT * FROM devices.modules WHERE tags.kind = 'sensor' AND " + MINE);
        List<String> keys = new ArrayList<>();
        while (r.hasNext()) {
            var t = r.next();
            keys.add(t.getDeviceId() + "/" + t.getModuleId());
        }
        assertThat(keys).containsExactly("q-00/m0", "q-02/m2");
        assertThat(raw("SELECT deviceId, moduleId FROM devices.modules WHERE moduleId IN ['m1', 'm3']", 1).toString())
                .isEqualTo("[{\"deviceId\":\"q-01\",\"moduleId\":\"m1\"}, {\"deviceId\":\"q-03\",\"moduleId\":\"m3\"}]");
        assertThat(twinIds("IS_DEFINED(tags.kind) OR IS_DEFINED(moduleId)")).isEmpty();
    }

    @Test
    void pagesOverRawHttpsReturnEveryRowOnceAndTokensAreBoundToTheirQuery() throws Exception {
        String query = "{\"query\":\"SELECT deviceId FROM devices WHERE " + MINE + "\"}";
        List<String> ids = new ArrayList<>();
        String token = null;
        int pages = 0;
        do {
            HttpResponse<String> r = token == null
                    ? server.send("POST", "/devices/query" + API, server.ownerSas(), query, "x-ms-max-item-count", "7")
                    : server.send("POST", "/devices/query" + API, server.ownerSas(), query, "x-ms-max-item-count", "7",
                    "x-ms-continuation", token);
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            assertThat(r.headers().firstValue("x-ms-item-type")).contains("Raw");
            for (JsonNode row : ServerExtension.JSON.readTree(r.body())) ids.add(row.get("deviceId").asText());
            String previous = token;
            token = r.headers().firstValue("x-ms-continuation").orElse(null);
            pages++;
            if (token != null && previous == null) {
                // the token works for this query only, and a changed token is refused
                String other = "{\"query\":\"SELECT * FROM devices\"}";
                assertBad(server.send("POST", "/devices/query" + API, server.ownerSas(), other, "x-ms-continuation", token),
                        "not a token this hub issued for this query");
                String tampered = (token.charAt(3) == 'A' ? "B" : "A");
                tampered = token.substring(0, 3) + tampered + token.substring(4);
                assertBad(server.send("POST", "/devices/query" + API, server.ownerSas(), query, "x-ms-continuation", tampered),
                        "not a token");
            }
        } while (token != null);
        assertThat(ids).containsExactlyElementsOf(expected(d -> true));
        assertThat(pages).isEqualTo((N + 6) / 7);

        HttpResponse<String> star = server.send("POST", "/devices/query" + API, server.ownerSas(),
                "{\"query\":\"SELECT * FROM devices WHERE deviceId = 'q-01'\"}");
        assertThat(star.headers().firstValue("x-ms-item-type")).contains("Twin");
        ArrayNode twins = (ArrayNode) ServerExtension.JSON.readTree(star.body());
        assertThat(twins.get(0).at("/tags/site").asText()).isEqualTo("south");
        assertThat(((ObjectNode) twins.get(0)).has("properties")).isTrue();
    }

    @Test
    void badQueriesAre400sThatNameThePlaceAndTheProblem() throws Exception {
        Map<String, String> cases = new LinkedHashMap<>();
        cases.put("SELECT * FROM devices WHERE", "line 1, column 28");
        cases.put("SELECT * FROM jobs", "FROM devices, FROM devices.modules or FROM devices.jobs");
        cases.put("SELECT deviceId FROM devices.jobs", "selects whole rows");
        cases.put("SELECT * FROM devices WHERE STARTS_WITH(deviceId, 'a')", "IoT Hub spells it STARTSWITH");
        cases.put("SELECT * FROM devices WHERE NOPE(deviceId)", "there is no function NOPE");
        cases.put("SELECT * FROM devices WHERE STARTSWITH(deviceId)", "takes 2 argument(s), not 1");
        cases.put("SELECT deviceId FROM devices GROUP BY tags.site", "is selected but not in GROUP BY");
        cases.put("SELECT * FROM devices GROUP BY tags.site", "not *");
        cases.put("SELECT deviceId, COUNT() FROM devices", "COUNT() without GROUP BY is selected alone");
        cases.put("SELECT tags.a.x, tags.b.x FROM devices", "two selected values are named 'x'");
        cases.put("SELECT * FROM devices WHERE x509Thumbprint.primaryThumbprint = 'a'", "cannot be used in WHERE");
        cases.put("SELECT * FROM devices WHERE properties.desired.$metadata.a = 1", "$metadata cannot be queried");
        cases.put("SELECT * FROM devices WHERE statusUpdateTime > 'yesterday'", "UTC time");
        cases.put("SELECT * FROM devices WHERE etag > 'AAAAAAAAAAE='", "only with = and !=");
        cases.put("SELECT * FROM devices WHERE deviceId = 'unterminated", "line 1, column");
        cases.put("SELECT * FROM devices WHERE tags.a = 'bad \\q escape'", "unknown escape");
        cases.put("SELECT * FROM devices WHERE tags.site", null);
        cases.put("SELECT * FROM devices WHERE 5", "a condition is needed here");
        cases.put("SELECT * FROM devices WHERE LOWER(tags.a)", "returns a value, not a condition");
        cases.put("SELECT TOP 1.5 * FROM devices", "whole number");
        cases.put("", "the query is empty");
        cases.put("SELECT * FROM devices WHERE tags.a = 1e400", "too large");
        cases.put("SELECT * FROM devices WHERE etag IN [] OR etag NIN []", null);
        for (Map.Entry<String, String> c : cases.entrySet()) {
            String body = ServerExtension.JSON.createObjectNode().put("query", c.getKey()).toString();
            HttpResponse<String> r = server.send("POST", "/devices/query" + API, server.ownerSas(), body);
            if (c.getValue() == null) {
                assertThat(r.statusCode()).as(c.getKey()).isEqualTo(200);
            } else {
                assertThat(r.statusCode()).as(c.getKey() + ": " + r.body()).isEqualTo(400);
                assertThat(ServerExtension.hubError(r).get("message").asText()).as(c.getKey()).contains(c.getValue());
            }
        }
        assertBad(server.send("POST", "/devices/query" + API, server.ownerSas(), "{\"query\":\"SELECT * FROM devices\"}",
                "x-ms-max-item-count", "10001"), "from 1 to 10000");
        // nesting as deep as the length limit allows is answered, or refused as too deep, never a 500
        for (String deep : List.of("(".repeat(4000) + "tags.a = 1" + ")".repeat(4000), "NOT ".repeat(2000) + "tags.a = 1")) {
            String body = ServerExtension.JSON.createObjectNode().put("query", "SELECT * FROM devices WHERE " + deep).toString();
            HttpResponse<String> r = server.send("POST", "/devices/query" + API, server.ownerSas(), body);
            assertThat(r.statusCode()).as(r.body()).isIn(200, 400);
            if (r.statusCode() == 400) assertThat(ServerExtension.hubError(r).get("message").asText()).contains("too deeply");
        }
        // the official client surfaces the 400 as an exception, with the message
        assertThatThrownBy(() -> sdk.queryTwins("SELECT * FROM devices WHERE tags.a = "))
                .isInstanceOf(IotHubException.class).hasMessageContaining("line 1");
    }

    @Test
    void anExportWithIolitesFilterWritesOnlyTheSelectedDevicesWithTheirModules() throws Exception {
        java.nio.file.Path root = java.nio.file.Path.of(server.ready().get("localBlobRoot").asText());
        // the hub API's job, with the filter as an extension field
        HttpResponse<String> created = server.send("POST", "/jobs/create" + API, server.ownerSas(),
                ServerExtension.JSON.createObjectNode().put("type", "export").put("outputBlobContainerUri", "file:north")
                        .put("ioliteFilter", "tags.site = 'north' AND tags.nested.level IN [0, 2] AND " + MINE).toString());
        assertThat(created.statusCode()).as(created.body()).isEqualTo(200);
        JsonNode done = Sdks.awaitJob(server, server.ownerSas(), ServerExtension.JSON.readTree(created.body()).get("jobId").asText());
        assertThat(done.get("status").asText()).as(done.toString()).isEqualTo("completed");
        List<String> expected = new ArrayList<>();
        for (Dev d : DATA) {
            if (!d.site().equals("north") || (d.level() != 0 && d.level() != 2)) continue;
            expected.add(d.id() + "/");
            int i = Integer.parseInt(d.id().substring(2));
            if (i < 4) expected.add(d.id() + "/m" + i); // the module goes with its device
        }
        assertThat(exported(root.resolve("north/devices.txt"))).containsExactlyElementsOf(expected);

        // the management API's exportDevices takes the same field
        HttpResponse<String> arm = server.send("POST", server.armHub(server.ready().get("hub").asText())
                        + "/exportDevices?api-version=2021-07-01", "Bearer " + server.armToken(),
                "{\"exportBlobContainerUri\":\"file:disabled\",\"excludeKeys\":true,"
                        + "\"ioliteFilter\":\"status = 'disabled' AND " + MINE + "\"}");
        assertThat(arm.statusCode()).as(arm.body()).isEqualTo(200);
        JsonNode armDone = Sdks.awaitJob(server, server.ownerSas(), ServerExtension.JSON.readTree(arm.body()).get("jobId").asText());
        assertThat(armDone.get("status").asText()).isEqualTo("completed");
        List<String> disabled = new ArrayList<>();
        for (Dev d : DATA) {
            if (d.enabled()) continue;
            disabled.add(d.id() + "/");
            if (d.id().equals("q-00")) disabled.add("q-00/m0");
        }
        assertThat(exported(root.resolve("disabled/devices.txt"))).containsExactlyElementsOf(disabled);

        // a filter that does not compile is a 400 naming its place, and an import takes none
        HttpResponse<String> bad = server.send("POST", "/jobs/create" + API, server.ownerSas(),
                "{\"type\":\"export\",\"outputBlobContainerUri\":\"file:x\",\"ioliteFilter\":\"tags.site = \"}");
        assertBad(bad, "'ioliteFilter': the filter does not parse at line 1, column 13");
        HttpResponse<String> imp = server.send("POST", "/jobs/create" + API, server.ownerSas(),
                "{\"type\":\"import\",\"inputBlobContainerUri\":\"file:north\",\"outputBlobContainerUri\":\"file:x\","
                        + "\"ioliteFilter\":\"true\"}");
        assertBad(imp, "an import takes none");
    }

    @Test
    void anExportFilterTheStoreCannotRunIsRefusedAtCreateAndNeverBecomesAFailingJob() throws Exception {
        // GIVEN filters that compile, and that a store refuses only when it prepares or binds the statement: on
        // SQLite an expression deeper than its 1,000 levels (a long OR chain), on PostgreSQL a NUL character, and on
        // both a nesting of SQUARE whose SQL once doubled at each level (now past the language's nesting limit)
        Map<String, String> filters = new LinkedHashMap<>();
        filters.put("a long OR chain", "tags.n = 1" + " OR tags.n = 1".repeat(540) + " AND " + MINE);
        filters.put("a NUL character", "tags.site = 'no\0rth' AND " + MINE);
        filters.put("SQUARE nested 30 deep", "SQUARE(".repeat(30) + "tags.n" + ")".repeat(30) + " > 0 AND " + MINE);
        for (Map.Entry<String, String> f : filters.entrySet()) {
            // WHEN an export with it is created through either surface
            HttpResponse<String> hub = server.send("POST", "/jobs/create" + API, server.ownerSas(),
                    ServerExtension.JSON.createObjectNode().put("type", "export").put("outputBlobContainerUri", "file:refused")
                            .put("ioliteFilter", f.getValue()).toString());
            HttpResponse<String> arm = hub.statusCode() == 400 ? server.send("POST",
                    server.armHub(server.ready().get("hub").asText()) + "/exportDevices?api-version=2021-07-01",
                    "Bearer " + server.armToken(), ServerExtension.JSON.createObjectNode()
                            .put("exportBlobContainerUri", "file:refused").put("excludeKeys", true)
                            .put("ioliteFilter", f.getValue()).toString()) : null;
            // THEN it is a 400 that names the field, or, where this store runs it, a job that completes: never a
            // job accepted with 200 that the store then fails
            if (hub.statusCode() == 400) {
                assertThat(ServerExtension.hubError(hub).get("message").asText()).as(f.getKey()).contains("'ioliteFilter'");
                assertThat(arm.statusCode()).as(f.getKey() + ": " + arm.body()).isEqualTo(400);
                assertThat(arm.body()).as(f.getKey()).contains("ioliteFilter");
                continue;
            }
            assertThat(hub.statusCode()).as(f.getKey() + ": " + hub.body()).isEqualTo(200);
            String id = ServerExtension.JSON.readTree(hub.body()).get("jobId").asText();
            JsonNode done = JobPolling.until("job " + id + " ends", java.time.Duration.ofSeconds(30),
                    java.time.Duration.ofMillis(50), () -> ServerExtension.JSON.readTree(
                            server.send("GET", "/jobs/" + id + API, server.ownerSas(), null).body()), JobPolling::ended);
            assertThat(done.get("status").asText()).as(f.getKey() + ": " + done).isEqualTo("completed");
        }
    }

    /** The device/module keys of an export blob's lines, in order. */
    private static List<String> exported(java.nio.file.Path blob) throws Exception {
        List<String> keys = new ArrayList<>();
        for (String line : java.nio.file.Files.readAllLines(blob)) {
            JsonNode n = ServerExtension.JSON.readTree(line);
            keys.add(n.get("id").asText() + "/" + (n.hasNonNull("moduleId") ? n.get("moduleId").asText() : ""));
        }
        return keys;
    }

    private static void assertBad(HttpResponse<String> r, String message) throws Exception {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
        assertThat(ServerExtension.hubError(r).get("message").asText()).contains(message);
    }
}

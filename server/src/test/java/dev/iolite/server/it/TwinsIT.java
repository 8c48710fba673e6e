package dev.iolite.server.it;

import dev.iolite.server.testkit.ServerExtension;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.http.HttpResponse;

import static org.assertj.core.api.Assertions.assertThat;

/** Twins of devices and modules over raw HTTPS (the Java SDK 2.x moved twins to a separate client). */
class TwinsIT {
    @RegisterExtension
    static final ServerExtension server = new ServerExtension();

    private static final String API = "?api-version=2021-04-12";

    private JsonNode json(HttpResponse<String> r) throws Exception {
        return ServerExtension.JSON.readTree(r.body());
    }

    @Test
    void patchMergesPutReplacesAndNullRemoves() throws Exception {
        server.send("PUT", "/devices/twin-1" + API, server.ownerSas(), "{}");
        JsonNode twin = json(server.send("GET", "/twins/twin-1" + API, server.ownerSas(), null));
        assertThat(twin.get("tags").size()).isZero();
        String etag0 = twin.get("etag").asText();
        long version0 = twin.get("version").asLong();

        HttpResponse<String> patched = server.send("PATCH", "/twins/twin-1" + API, server.ownerSas(),
                "{\"tags\":{\"site\":\"north\",\"floor\":{\"level\":3,\"room\":\"a\"}},"
                        + "\"properties\":{\"desired\":{\"rate\":10}}}", "If-Match", "\"" + etag0 + "\"");
        assertThat(patched.statusCode()).as(patched.body()).isEqualTo(200);
        JsonNode p1 = json(patched);
        assertThat(p1.get("version").asLong()).isGreaterThan(version0);
        assertThat(p1.get("etag").asText()).isNotEqualTo(etag0);
        assertThat(patched.headers().firstValue("ETag")).contains("\"" + p1.get("etag").asText() + "\"");
        assertThat(p1.at("/properties/desired/rate").asInt()).isEqualTo(10);
        assertThat(p1.at("/properties/desired/$version").isNumber()).isTrue();

        // null removes a key; nested objects merge
        JsonNode p2 = json(server.send("PATCH", "/twins/twin-1" + API, server.ownerSas(),
                "{\"tags\":{\"site\":null,\"floor\":{\"room\":\"b\"}}}", "If-Match", "*"));
        assertThat(p2.get("tags").has("site")).isFalse();
        assertThat(p2.at("/tags/floor/level").asInt()).isEqualTo(3);
        assertThat(p2.at("/tags/floor/room").asText()).isEqualTo("b");
        assertThat(p2.at("/properties/desired/rate").asInt()).isEqualTo(10);

        // PUT replaces tags and desired properties wholesale
        JsonNode p3 = json(server.send("PUT", "/twins/twin-1" + API, server.ownerSas(),
                "{\"tags\":{\"only\":true}}", "If-Match", "*"));
        assertThat(p3.get("tags").size()).isEqualTo(1);
        assertThat(p3.at("/properties/desired/rate").isMissingNode()).isTrue();

        // the identity's etag is untouched by twin writes
        JsonNode device = json(server.send("GET", "/devices/twin-1" + API, server.ownerSas(), null));
        assertThat(p3.get("deviceEtag").asText()).isEqualTo(device.get("etag").asText());
    }

    @Test
    void staleTwinEtagIsRefusedWith412AndChangesNothing() throws Exception {
        server.send("PUT", "/devices/twin-2" + API, server.ownerSas(), "{}");
        String etag = json(server.send("GET", "/twins/twin-2" + API, server.ownerSas(), null)).get("etag").asText();
        server.send("PATCH", "/twins/twin-2" + API, server.ownerSas(), "{\"tags\":{\"a\":1}}", "If-Match", etag);
        HttpResponse<String> stale = server.send("PATCH", "/twins/twin-2" + API, server.ownerSas(),
                "{\"tags\":{\"a\":2}}", "If-Match", etag);
        assertThat(stale.statusCode()).isEqualTo(412);
        assertThat(ServerExtension.hubError(stale).get("errorCode").asInt()).isEqualTo(412001);
        assertThat(json(server.send("GET", "/twins/twin-2" + API, server.ownerSas(), null)).at("/tags/a").asInt())
                .isEqualTo(1);
    }

    @Test
    void twinLimitsAreEnforcedWithTheFieldNamed() throws Exception {
        server.send("PUT", "/devices/twin-3" + API, server.ownerSas(), "{}");
        StringBuilder deep = new StringBuilder();
        for (int i = 0; i < 11; i++) deep.append("{\"l").append(i).append("\":");
        deep.append("1").append("}".repeat(11));
        assertBad(server.send("PATCH", "/twins/twin-3" + API, server.ownerSas(), "{\"tags\":" + deep + "}"),
                "deeper than 10");
        assertBad(server.send("PATCH", "/twins/twin-3" + API, server.ownerSas(), "{\"tags\":{\"a.b\":1}}"), "'.'");
        assertBad(server.send("PATCH", "/twins/twin-3" + API, server.ownerSas(), "{\"tags\":{\"$x\":1}}"), "'$'");
        assertBad(server.send("PATCH", "/twins/twin-3" + API, server.ownerSas(),
                "{\"tags\":{\"big\":\"" + "x".repeat(5000) + "\"}}"), "4096 bytes");
        assertBad(server.send("PATCH", "/twins/twin-3" + API, server.ownerSas(),
                "{\"tags\":{\"a\":\"" + "x".repeat(4000) + "\",\"b\":\"" + "x".repeat(4000) + "\",\"c\":\""
                        + "x".repeat(4000) + "\"}}"), "the limit is 8192 bytes");
        assertBad(server.send("PATCH", "/twins/twin-3" + API, server.ownerSas(),
                "{\"tags\":{\"n\":9007199254740993}}"), "outside");
        assertBad(server.send("PATCH", "/twins/twin-3" + API, server.ownerSas(), "{\"tags\":[1]}"),
                "'tags' must be a JSON object");
        JsonNode twin = json(server.send("GET", "/twins/twin-3" + API, server.ownerSas(), null));
        assertThat(twin.get("tags").size()).isZero();
    }

    @Test
    void moduleTwinsAreSeparateFromTheirDevice() throws Exception {
        server.send("PUT", "/devices/twin-4" + API, server.ownerSas(), "{}");
        server.send("PUT", "/devices/twin-4/modules/m" + API, server.ownerSas(), "{}");
        JsonNode m = json(server.send("PATCH", "/twins/twin-4/modules/m" + API, server.ownerSas(),
                "{\"properties\":{\"desired\":{\"mode\":\"fast\"}}}"));
        assertThat(m.get("moduleId").asText()).isEqualTo("m");
        assertThat(m.at("/properties/desired/mode").asText()).isEqualTo("fast");
        JsonNode d = json(server.send("GET", "/twins/twin-4" + API, server.ownerSas(), null));
        assertThat(d.at("/properties/desired/mode").isMissingNode()).isTrue();
        assertThat(server.send("GET", "/twins/twin-4/modules/nope" + API, server.ownerSas(), null).statusCode())
                .isEqualTo(404);
    }

    @Test
    void bulkUpdateTwinModesRespectTheTwinEtag() throws Exception {
        server.send("PUT", "/devices/twin-5" + API, server.ownerSas(), "{}");
        String deviceEtag = json(server.send("GET", "/devices/twin-5" + API, server.ownerSas(), null)).get("etag").asText();
        String twinEtag = json(server.send("GET", "/twins/twin-5" + API, server.ownerSas(), null)).get("etag").asText();
        HttpResponse<String> r = server.send("POST", "/devices" + API, server.ownerSas(),
                "[{\"id\":\"twin-5\",\"importMode\":\"updateTwinIfMatchETag\",\"twinETag\":\"" + twinEtag
                        + "\",\"tags\":{\"set\":\"by-bulk\"}}]");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        HttpResponse<String> stale = server.send("POST", "/devices" + API, server.ownerSas(),
                "[{\"id\":\"twin-5\",\"importMode\":\"updateTwinIfMatchETag\",\"twinETag\":\"" + twinEtag
                        + "\",\"tags\":{\"set\":\"again\"}}]");
        assertThat(stale.statusCode()).isEqualTo(400);
        assertThat(json(stale).at("/errors/0/errorCode").asText()).isEqualTo("PreconditionFailed");
        JsonNode twin = json(server.send("GET", "/twins/twin-5" + API, server.ownerSas(), null));
        assertThat(twin.at("/tags/set").asText()).isEqualTo("by-bulk");
        assertThat(twin.get("deviceEtag").asText()).isEqualTo(deviceEtag);
    }

    private static void assertBad(HttpResponse<String> r, String messagePart) throws Exception {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
        assertThat(ServerExtension.hubError(r).get("message").asText()).contains(messagePart);
    }
}

package dev.iolite.server.it;

import dev.iolite.server.testkit.ServerExtension;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Query pages are bounded in bytes, on the store the run is for: a page of many large twins stops at 4 MiB of
 * JSON whatever {@code x-ms-max-item-count} asks, and its continuation token brings the rest, each twin once.
 */
class QueryPagesIT {
    @RegisterExtension
    static final ServerExtension server = new ServerExtension();

    private static final String API = "?api-version=2021-04-12";
    private static final int BUDGET = 4 * 1024 * 1024;
    /** About 36 KiB of twin each (tags and desired properties near their 8 and 32 KiB limits): 5 MiB together. */
    private static final int DEVICES = 150;
    private static String sas;

    @BeforeAll
    static void bigTwins() throws Exception {
        sas = server.createHub("big-pages");
        String s = "x".repeat(3_900);
        String tags = "{\"a\":\"" + s + "\",\"b\":\"" + s + "\"}";
        StringBuilder desired = new StringBuilder("{");
        for (int k = 0; k < 7; k++) desired.append(k == 0 ? "" : ",").append("\"p").append(k).append("\":\"").append(s).append('"');
        desired.append('}');
        for (int from = 0; from < DEVICES; from += 5) {
            StringBuilder b = new StringBuilder("[");
            for (int i = from; i < from + 5; i++) {
                b.append(i == from ? "" : ",").append("{\"id\":\"big-").append(String.format("%03d", i)).append("\",\"tags\":")
                        .append(tags).append(",\"properties\":{\"desired\":").append(desired).append("}}");
            }
            HttpResponse<String> r = server.send("POST", "/devices" + API, sas, b.append(']').toString());
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        }
    }

    private static List<String> pages(String query, String idField, List<Integer> sizes) throws Exception {
        List<String> ids = new ArrayList<>();
        String token = null;
        do {
            String[] headers = token == null ? new String[]{"x-ms-max-item-count", "10000"}
                    : new String[]{"x-ms-max-item-count", "10000", "x-ms-continuation", token};
            HttpResponse<String> r = server.send("POST", "/devices/query" + API, sas,
                    ServerExtension.JSON.writeValueAsString(Map.of("query", query)), headers);
            assertThat(r.statusCode()).as(r.body().length() > 500 ? r.body().substring(0, 500) : r.body()).isEqualTo(200);
            sizes.add(r.body().length());
            for (JsonNode row : ServerExtension.JSON.readTree(r.body())) ids.add(row.get(idField).asText());
            token = r.headers().firstValue("x-ms-continuation").orElse(null);
        } while (token != null && sizes.size() < 10);
        return ids;
    }

    private static List<String> expected() {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < DEVICES; i++) ids.add(String.format("big-%03d", i));
        return ids;
    }

    @Test
    void aPageOfLargeTwinsStopsAt4MiBAndItsTokenBringsTheRest() throws Exception {
        List<Integer> sizes = new ArrayList<>();
        List<String> ids = pages("SELECT * FROM devices", "deviceId", sizes);
        assertThat(sizes).as("bytes per page").hasSize(2).allSatisfy(n -> assertThat(n).isLessThanOrEqualTo(BUDGET));
        assertThat(sizes.get(0)).isGreaterThan(BUDGET - 64 * 1024);
        assertThat(ids).containsExactlyElementsOf(expected());
    }

    @Test
    void projectionsArePagedByBytesToo() throws Exception {
        List<Integer> sizes = new ArrayList<>();
        List<String> ids = pages("SELECT deviceId, tags, properties.desired FROM devices", "deviceId", sizes);
        assertThat(sizes).hasSize(2).allSatisfy(n -> assertThat(n).isLessThanOrEqualTo(BUDGET));
        assertThat(ids).containsExactlyElementsOf(expected());
    }
}

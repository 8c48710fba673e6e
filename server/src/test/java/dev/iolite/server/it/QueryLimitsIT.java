package dev.iolite.server.it;

import dev.iolite.server.testkit.ServerExtension;
import com.fasterxml.jackson.databind.JsonNode;
import dev.iolite.server.query.QueryLimits;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.StringJoiner;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Queries cost what their text says, and give one answer on every store: the nested SQUARE that once took
 * minutes or the heap answers at once, numbers out of range, NUL characters and times past year 9999 are
 * the same 400 on SQLite and PostgreSQL, and each of the documented limits is a 400 that names it. Raw
 * HTTPS with a SAS token, on the store the run is for.
 */
class QueryLimitsIT {
    @RegisterExtension
    static final ServerExtension server = new ServerExtension();

    private static final String API = "?api-version=2021-04-12";
    private static final int N = 40;
    /** Generous for a loaded machine; the nested SQUARE took 53 s on 10,000 rows before. */
    private static final long ANSWER_MILLIS = 20_000;

    @BeforeAll
    static void dataset() throws Exception {
        StringJoiner b = new StringJoiner(",", "[", "]");
        for (int i = 0; i < N; i++) {
            b.add("{\"id\":\"lim-" + i + "\",\"status\":\"enabled\",\"tags\":{\"one\":1,\"two\":2,\"i\":" + i
                    + ",\"tiny\":1e-200,\"s\":\"x" + i + "\"}}");
        }
        HttpResponse<String> r = server.send("POST", "/devices" + API, server.ownerSas(), b.toString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    }

    private static HttpResponse<String> query(String query) throws Exception {
        String body = ServerExtension.JSON.createObjectNode().put("query", query).toString();
        long started = System.nanoTime();
        HttpResponse<String> r = server.send("POST", "/devices/query" + API, server.ownerSas(), body, "x-ms-max-item-count", "1000");
        assertThat((System.nanoTime() - started) / 1_000_000).as("time to answer " + query).isLessThan(ANSWER_MILLIS);
        return r;
    }

    /** How many of this class's devices the condition selects. */
    private static int count(String where) throws Exception {
        HttpResponse<String> r = query("SELECT COUNT() AS n FROM devices WHERE (" + where + ") AND STARTSWITH(deviceId, 'lim-')");
        assertThat(r.statusCode()).as(where + ": " + r.body()).isEqualTo(200);
        return ServerExtension.JSON.readTree(r.body()).get(0).get("n").asInt();
    }

    private static void assertBad(String query, String message) throws Exception {
        HttpResponse<String> r = query(query);
        assertThat(r.statusCode()).as(query.length() > 300 ? query.substring(0, 300) : query).as(r.body()).isEqualTo(400);
        JsonNode error = ServerExtension.hubError(r);
        assertThat(error.get("errorCode").asInt()).isEqualTo(400004);
        assertThat(error.get("message").asText()).contains(message);
    }

    private static String nested(String function, int depth, String inner) {
        return (function + "(").repeat(depth) + inner + ")".repeat(depth);
    }

    @Test
    void nestedSquaresAnswerAtOnceAndTheirNumbersAreTheSameOnEveryStore() throws Exception {
        // nested as the report's 159-character query, which once took 53 s on 10,000 rows
        String report = "SELECT * FROM devices WHERE " + nested("SQUARE", 17, "tags.one") + " > 0";
        HttpResponse<String> r = query(report);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(count(nested("SQUARE", 17, "tags.one") + " = 1")).isEqualTo(N);
        assertThat(count(nested("SQUARE", 5, "tags.two") + " = 4294967296")).isEqualTo(N);
        // the 215-character one, once out of memory, nests deeper than the limit
        String deeper = "SELECT * FROM devices WHERE " + nested("SQUARE", 25, "tags.one") + " > 0";
        assertBad(deeper, "26 levels deep; the limit is " + QueryLimits.MAX_DEPTH);
        // as deep as the limit allows, with the costliest operator
        assertThat(count("(".repeat(22) + "tags.i" + " % 7)".repeat(22) + " = 3")).isEqualTo((int) java.util.stream.IntStream.range(0, N)
                .filter(i -> i % 7 == 3).count());
    }

    @Test
    void arithmeticIsInDoublesAndOutOfRangeIsOne400OnEveryStore() throws Exception {
        // once a bigint overflow (503) on PostgreSQL and a real on SQLite
        // 2^63 - 1 + 1 is 2^63 as a double, and so is 2^63 - 1: a computed number is compared as a double
        assertThat(count("9223372036854775807 + tags.one = 9223372036854775807")).isEqualTo(N);
        assertThat(count("9223372036854775807 + tags.one > 9223372036854775806")).isEqualTo(0);
        assertThat(count("SQUARE(9223372036854775807 * tags.one) > 8.5e37")).isEqualTo(N);
        assertThat(count("tags.i / 4 = 2.25")).isEqualTo(1);
        assertThat(count("tags.i % 2.5 = 1.5")).isEqualTo(8); // 4, 9, 14, ... 39
        assertThat(count("ROUND(tags.i / 4) = 3")).isEqualTo(4); // 10, 11, 12, 13 (halves away from zero)
        assertThat(count("ROUND(0 - tags.i / 4) = -3")).isEqualTo(4);
        assertThat(count("tags.i / 0 = 1 OR IS_NUMBER(tags.i % 0) OR IS_DEFINED(ABS(tags.s)) OR LENGTH(tags.i) + 1 > 0")).isEqualTo(0);
        assertThat(count("NOT IS_DEFINED(tags.i / 0) AND NOT IS_NUMBER(LENGTH(tags.i) * 2)")).isEqualTo(N);
        assertBad("SELECT * FROM devices WHERE " + nested("SQUARE", 12, "tags.two") + " > 0", "out of range");
        assertBad("SELECT * FROM devices WHERE tags.tiny * tags.tiny > 0", "out of range");
        assertBad("SELECT * FROM devices WHERE 1e300 * tags.two * 1e300 < 0", "out of range");
    }

    @Test
    void nulAndTimesPastYear9999AreOne400OnEveryStore() throws Exception {
        assertBad("SELECT * FROM devices WHERE tags.s = 'a\\u0000b'", "cannot hold \\u0000 (NUL)");
        assertBad("SELECT * FROM devices WHERE tags.[[a\u0000b]] = 1", "U+0000 (NUL)");
        assertBad("SELECT * FROM devices WHERE tags.s = 'a\u0000b'", "U+0000 (NUL)");
        assertBad("SELECT * FROM devices WHERE statusUpdateTime > '+1000000000-01-01T00:00:00Z'", "from year 1 to year 9999");
        assertBad("SELECT * FROM devices WHERE statusUpdateTime < '+10000-01-01T00:00:00Z'", "from year 1 to year 9999");
        assertThat(count("statusUpdateTime < '9999-12-31T23:59:59Z'")).isEqualTo(N);
    }

    @Test
    void longListsAndChainsAnswerUpToTheLimitsAndEachLimitIsA400NamingIt() throws Exception {
        List<String> values = new ArrayList<>();
        for (int i = 0; i < QueryLimits.MAX_IN_VALUES; i++) values.add(String.valueOf(i % 2 == 0 ? i : -i));
        String list = "[" + String.join(",", values) + "]";
        assertThat(count("tags.i IN " + list)).isEqualTo(N / 2);
        assertThat(count("tags.i NIN " + list)).isEqualTo(N / 2);
        assertBad("SELECT * FROM devices WHERE tags.i IN " + list.replace("]", ",1]"),
                "holds " + (QueryLimits.MAX_IN_VALUES + 1) + " values; the limit is " + QueryLimits.MAX_IN_VALUES);

        StringJoiner chain = new StringJoiner(" OR ");
        for (int i = 0; i < QueryLimits.MAX_CONDITIONS - 1; i++) chain.add("tags.i=" + i);
        assertThat(count(chain.toString())).isEqualTo(N);
        assertBad("SELECT * FROM devices WHERE " + chain + " OR tags.i=1 OR tags.i=2",
                (QueryLimits.MAX_CONDITIONS + 1) + " conditions; the limit is " + QueryLimits.MAX_CONDITIONS);

        StringJoiner selected = new StringJoiner(",");
        for (int i = 0; i <= QueryLimits.MAX_SELECTED; i++) selected.add("tags.p" + i);
        assertBad("SELECT " + selected + " FROM devices", "selects " + (QueryLimits.MAX_SELECTED + 1)
                + " values; the limit is " + QueryLimits.MAX_SELECTED);

        StringJoiner keys = new StringJoiner(",");
        for (int i = 0; i <= QueryLimits.MAX_GROUP_KEYS; i++) keys.add("tags.k" + i);
        assertBad("SELECT " + keys + ", COUNT() FROM devices GROUP BY " + keys, "groups by " + (QueryLimits.MAX_GROUP_KEYS + 1)
                + " properties; the limit is " + QueryLimits.MAX_GROUP_KEYS);

        String args = ", tags.s".repeat(QueryLimits.MAX_ARGUMENTS);
        assertBad("SELECT * FROM devices WHERE CONCAT(tags.s" + args + ") = 'x'", "CONCAT is given " + (QueryLimits.MAX_ARGUMENTS + 1)
                + " arguments; the limit is " + QueryLimits.MAX_ARGUMENTS);
        assertThat(count("CONCAT(tags.s" + ", tags.s".repeat(QueryLimits.MAX_ARGUMENTS - 1) + ") = 'x0x0'")).isEqualTo(0);

        assertBad("SELECT * FROM devices WHERE tags.s = '" + "x".repeat(QueryLimits.MAX_QUERY_CHARS) + "'",
                "the limit is " + QueryLimits.MAX_QUERY_CHARS);
    }
}

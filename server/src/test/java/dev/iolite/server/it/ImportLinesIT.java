package dev.iolite.server.it;

import dev.iolite.server.testkit.ServerExtension;
import dev.iolite.server.testkit.Sdks;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An import never loses a line unseen: every line that is not one JSON object (a comment, a JSON array
 * on one line or over many) fails with its number in the error log, in IoT Hub's error-log shape; only a
 * blank line is skipped. Also the query language's refusals that name what the user wrote: ORDER BY, and
 * an export filter's place counted within the filter.
 */
class ImportLinesIT {
    @RegisterExtension
    @Order(1)
    static final ServerExtension server = new ServerExtension();

    private static final String API = "?api-version=2021-04-12";

    /** Imports the text from a file: container and returns the ended job and the error log's lines. */
    private static Ended importText(String container, String text) throws Exception {
        Path dir = Files.createDirectories(server.blobRoot().resolve(container));
        Files.writeString(dir.resolve("devices.txt"), text, StandardCharsets.UTF_8);
        HttpResponse<String> created = server.send("POST", "/jobs/create" + API, server.ownerSas(),
                "{\"type\":\"import\",\"inputBlobContainerUri\":\"file:" + container
                        + "\",\"outputBlobContainerUri\":\"file:" + container + "\"}");
        assertThat(created.statusCode()).as(created.body()).isEqualTo(200);
        JsonNode job = Sdks.awaitJob(server, server.ownerSas(),
                ServerExtension.JSON.readTree(created.body()).get("jobId").asText());
        List<JsonNode> log = new ArrayList<>();
        for (String line : Files.readAllLines(dir.resolve("importErrors.log"))) log.add(ServerExtension.JSON.readTree(line));
        return new Ended(job, log);
    }

    private record Ended(JsonNode job, List<JsonNode> log) {
        List<Long> failedLines() { return log.stream().map(l -> l.get("lineNumber").asLong()).toList(); }
    }

    @Test
    void aJsonArrayOnOneLineFailsAsOneLineInTheErrorLog() throws Exception {
        // WHEN a file that is one JSON array on one line is imported
        Ended e = importText("array-one-line", "[{\"id\":\"arr-1\"},{\"id\":\"arr-2\"}]\n");
        // THEN the line is counted as failed and reported with its number, in IoT Hub's error-log shape
        assertThat(e.job().get("status").asText()).isEqualTo("completed");
        assertThat(e.job().get("devicesProcessed").asLong()).isEqualTo(1);
        assertThat(e.job().get("devicesFailed").asLong()).isEqualTo(1);
        assertThat(e.log()).hasSize(1);
        JsonNode line = e.log().get(0);
        assertThat(line.get("lineNumber").asLong()).isEqualTo(1);
        assertThat(line.get("errorCode").asInt()).isEqualTo(400012);
        assertThat(line.get("errorStatus").asText()).startsWith("Invalid device format in line 1: ")
                .contains("not an array");
        assertThat(line.has("deviceId")).isFalse();
        assertThat(server.send("GET", "/devices/arr-1" + API, server.ownerSas(), null).statusCode()).isEqualTo(404);
    }

    @Test
    void aPrettyPrintedJsonArrayFailsLineByLine() throws Exception {
        Ended e = importText("array-pretty", "[\n  {\"id\":\"pretty-1\"},\n  {\n    \"id\": \"pretty-2\"\n  }\n]\n");
        assertThat(e.job().get("status").asText()).isEqualTo("completed");
        assertThat(e.job().get("devicesFailed").asLong()).isEqualTo(6);
        assertThat(e.job().get("devicesSucceeded").asLong()).isZero();
        assertThat(e.failedLines()).containsExactly(1L, 2L, 3L, 4L, 5L, 6L);
        assertThat(e.log()).allMatch(l -> l.get("errorCode").asInt() == 400012);
    }

    @Test
    void aCommentLineFailsWithItsNumberAndOnlyBlankLinesAreSkipped() throws Exception {
        // GIVEN a first line that is a comment, a blank line, and a line of another kind of JSON further down
        Ended e = importText("comment", "# exported devices\n{\"id\":\"comment-1\"}\n\n   \n\"a string\"\n{\"id\":\"comment-2\"}\n");
        // THEN the two devices are imported, and the comment and the string fail with their numbers
        assertThat(e.job().get("devicesSucceeded").asLong()).isEqualTo(2);
        assertThat(e.job().get("devicesFailed").asLong()).isEqualTo(2);
        assertThat(e.failedLines()).containsExactly(1L, 5L);
        assertThat(e.log().get(1).get("errorStatus").asText()).contains("a line must be one JSON object");
        assertThat(server.send("GET", "/devices/comment-2" + API, server.ownerSas(), null).statusCode()).isEqualTo(200);
    }

    @Test
    void orderByIsRefusedByNameAsIoTHubHasNone() throws Exception {
        HttpResponse<String> r = server.send("POST", "/devices/query" + API, server.ownerSas(),
                "{\"query\":\"SELECT * FROM devices WHERE status = 'enabled' ORDER BY deviceId\"}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
        assertThat(r.headers().firstValue("iothub-errorcode")).contains("ArgumentInvalid");
        String message = ServerExtension.hubError(r).get("message").asText();
        assertThat(message).contains("line 1, column 48").contains("has no ORDER BY").doesNotContain("mismatched");

        HttpResponse<String> lower = server.send("POST", "/devices/query" + API, server.ownerSas(),
                "{\"query\":\"select deviceId from devices order by deviceId desc\"}");
        assertThat(ServerExtension.hubError(lower).get("message").asText()).contains("has no ORDER BY");
    }

    @Test
    void anExportFilterIsReportedWithinItsOwnText() throws Exception {
        // a filter that parses but does not compile names the filter and a column counted from the filter's start
        HttpResponse<String> r = server.send("POST", "/jobs/create" + API, server.ownerSas(),
                "{\"type\":\"export\",\"outputBlobContainerUri\":\"file:x\",\"ioliteFilter\":\"tags.site = 'a' AND foo(x) = 1\"}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
        assertThat(ServerExtension.hubError(r).get("message").asText())
                .startsWith("'ioliteFilter': the filter is not valid at line 1, column 21: ");
        HttpResponse<String> ordered = server.send("POST", "/jobs/create" + API, server.ownerSas(),
                "{\"type\":\"export\",\"outputBlobContainerUri\":\"file:x\",\"ioliteFilter\":\"tags.x = 1 ORDER BY deviceId\"}");
        assertThat(ServerExtension.hubError(ordered).get("message").asText())
                .contains("the filter is not valid at line 1, column 12").contains("has no ORDER BY");
    }
}

package dev.iolite.cli.it;

import dev.iolite.server.testkit.SqliteOnly;
import dev.iolite.server.testkit.ServerExtension;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedWriter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What a user sees of {@code iolite import --file}, {@code export --to-file}, {@code --where} errors,
 * {@code jobs cancel} and a query with ORDER BY, each run as the user runs it: the launcher in a child
 * process, its standard input a pipe where it reads one.
 */
@SqliteOnly("the command line does not depend on the store; ImportLinesIT covers the server on both")
class ImportFileIT {

    @RegisterExtension
    @Order(1)
    static final ServerExtension server = new ServerExtension();

    @TempDir
    Path tmp;

    /** Runs ./iolite with the test server's data dir; {@code stdin} (may be null) is written to its input pipe. */
    static CliProcess.Result iolite(byte[] stdin, String... args) throws Exception {
        List<String> all = new ArrayList<>(List.of(args));
        all.add("--data-dir");
        all.add(server.dataDir().toString());
        return CliProcess.withInput(stdin, all.toArray(String[]::new));
    }

    private static void assertOneCleanLine(CliProcess.Result r) {
        assertThat(r.errLines()).as(r.err()).hasSize(1);
        assertThat(r.err()).startsWith("iolite: ").doesNotContain("Exception").doesNotContain("\tat ");
    }

    private static int deviceStatus(String id) throws Exception {
        return server.send("GET", "/devices/" + id + "?api-version=2021-04-12", server.ownerSas(), null).statusCode();
    }

    @Test
    void aJsonArrayFileOnOneLineOrPrettyPrintedIsImported() throws Exception {
        // GIVEN the same kind of devices as a JSON array on one line, and pretty-printed over many lines
        Path oneLine = tmp.resolve("one-line.json");
        Files.writeString(oneLine, "[{\"id\":\"arr-1\",\"tags\":{\"rack\":1.50}},{\"id\":\"arr-2\"}]");
        Path pretty = tmp.resolve("pretty.json");
        Files.writeString(pretty, "\uFEFF[\n  {\n    \"id\": \"pretty-1\",\n    \"tags\": {\"site\": \"north\"}\n  },\n"
                + "  {\n    \"id\": \"pretty-2\"\n  },\n  \"not a device\"\n]\n");
        // WHEN each is imported
        CliProcess.Result one = iolite(null, "import", "--file", oneLine.toString(), "--wait");
        CliProcess.Result many = iolite(null, "import", "--file", pretty.toString(), "--wait");
        // THEN each element became a line: the devices are imported, and the element that is no device failed
        assertThat(one.code()).as(one.err()).isZero();
        assertThat(one.err()).contains("converted the JSON array").contains("2 elements");
        assertThat(one.out()).containsPattern("succeeded: +2").containsPattern("failed: +0");
        assertThat(many.code()).as(many.err()).isZero();
        assertThat(many.out()).containsPattern("succeeded: +2").containsPattern("failed: +1");
        for (String id : List.of("arr-1", "arr-2", "pretty-1", "pretty-2")) assertThat(deviceStatus(id)).as(id).isEqualTo(200);
        JsonNode twin = ServerExtension.JSON.readTree(server.send("GET", "/twins/arr-1?api-version=2021-04-12",
                server.ownerSas(), null).body());
        assertThat(twin.at("/tags/rack").asDouble()).isEqualTo(1.5);
    }

    @Test
    void aFileThatStartsAsAnArrayButIsNotOneIsRefusedWithOneLine() throws Exception {
        Path broken = tmp.resolve("broken.json");
        Files.writeString(broken, "[{\"id\":\"broken-1\"},\n{\"id\":");
        CliProcess.Result r = iolite(null, "import", "--file", broken.toString(), "--wait");
        assertThat(r.code()).isEqualTo(1);
        assertOneCleanLine(r);
        assertThat(r.err()).contains(broken.toString()).contains("line 2").contains("nothing was imported");
        assertThat(deviceStatus("broken-1")).isEqualTo(404);
    }

    @Test
    void standardInputIsReadFromAPipeAsDashOrDevStdin() throws Exception {
        byte[] lines = "{\"id\":\"pipe-1\"}\n{\"id\":\"pipe-2\"}\n".getBytes(StandardCharsets.UTF_8);
        CliProcess.Result dash = iolite(lines, "import", "--file", "-", "--wait");
        assertThat(dash.code()).as(dash.err()).isZero();
        assertThat(dash.err()).contains("staged standard input");
        assertThat(dash.out()).containsPattern("succeeded: +2");
        byte[] array = "[{\"id\":\"pipe-3\"}]".getBytes(StandardCharsets.UTF_8);
        CliProcess.Result dev = iolite(array, "import", "--file", "/dev/stdin", "--wait");
        assertThat(dev.code()).as(dev.err()).isZero();
        assertThat(dev.out()).containsPattern("succeeded: +1");
        for (String id : List.of("pipe-1", "pipe-2", "pipe-3")) assertThat(deviceStatus(id)).as(id).isEqualTo(200);
    }

    @Test
    void exportToAFileWritesAPrivateFileAndNamesItsPath() throws Exception {
        // GIVEN devices of a site
        Path file = tmp.resolve("site.jsonl");
        Files.writeString(file, "{\"id\":\"tofile-1\",\"tags\":{\"site\":\"east\"}}\n{\"id\":\"tofile-2\",\"tags\":{\"site\":\"east\"}}\n");
        assertThat(iolite(null, "import", "--file", file.toString(), "--wait").code()).isZero();
        // WHEN they are exported to a local file
        Path out = tmp.resolve("east.jsonl");
        CliProcess.Result r = iolite(null, "export", "--to-file", out.toString(), "--where", "tags.site = 'east'");
        // THEN the file holds them, only its owner may read it, and the result names the real path
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(Files.readAllLines(out)).hasSize(2).allMatch(l -> l.contains("\"tofile-") && l.contains("\"east\""));
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(out))).isEqualTo("rw-------");
        assertThat(r.out()).contains(out.toString()).doesNotContain("file:");
        JsonNode json = ServerExtension.JSON.readTree(iolite(null, "export", "--to-file", out.toString(), "--force",
                "--exclude-keys", "--where", "tags.site = 'east'", "-o", "json").out());
        assertThat(json.get("outputBlobUri").asText()).isEqualTo(out.toString());
        assertThat(json.get("status").asText()).isEqualTo("completed");
        // AND an existing file is replaced only with --force; --to and --to-file exclude each other
        CliProcess.Result again = iolite(null, "export", "--to-file", out.toString());
        assertThat(again.code()).isEqualTo(2);
        assertOneCleanLine(again);
        assertThat(again.err()).contains("--force");
        assertThat(iolite(null, "export", "--to-file", out.toString(), "--to", "file:x").code()).isEqualTo(2);
    }

    @Test
    void whereErrorsPointIntoTheConditionAndNameTheFlag() throws Exception {
        CliProcess.Result export = iolite(null, "export", "--to", "file:where-x", "--where", "tags.site = ");
        assertThat(export.code()).isEqualTo(1);
        assertOneCleanLine(export);
        assertThat(export.err()).startsWith("iolite: --where: the condition does not parse at column 13: ")
                .doesNotContain("ioliteFilter");
        CliProcess.Result compiled = iolite(null, "export", "--to-file", tmp.resolve("x.jsonl").toString(),
                "--where", "tags.site = 'a' AND foo(x) = 1");
        assertThat(compiled.err()).startsWith("iolite: --where: the condition is not valid at column 21: ");
        CliProcess.Result list = iolite(null, "device", "list", "--where", "tags.site = ");
        assertThat(list.code()).isEqualTo(1);
        assertOneCleanLine(list);
        assertThat(list.err()).startsWith("iolite: --where: the condition does not parse at column 13: ")
                .doesNotContain("column 41");
    }

    @Test
    void orderByIsRefusedByName() throws Exception {
        CliProcess.Result r = iolite(null, "query", "SELECT * FROM devices ORDER BY deviceId");
        assertThat(r.code()).isEqualTo(1);
        assertOneCleanLine(r);
        assertThat(r.err()).contains("has no ORDER BY").doesNotContain("mismatched");
    }

    @Test
    void cancelSaysWhatHappenedAndExits1WhenThereWasNothingToCancel() throws Exception {
        // GIVEN a job that has ended
        Path small = tmp.resolve("small.jsonl");
        Files.writeString(small, "{\"id\":\"cancel-small\"}\n");
        CliProcess.Result done = iolite(null, "import", "--file", small.toString(), "--wait", "-o", "json");
        String doneId = ServerExtension.JSON.readTree(done.out()).get("jobId").asText();
        // WHEN it is cancelled THEN the command says there was nothing to cancel, and exits 1
        CliProcess.Result late = iolite(null, "jobs", "cancel", doneId);
        assertThat(late.code()).isEqualTo(1);
        assertOneCleanLine(late);
        assertThat(late.err()).contains("job " + doneId + " had already ended completed").contains("nothing to cancel");
        assertThat(late.out()).isEmpty();

        // GIVEN a long import, running
        Path big = tmp.resolve("big.jsonl");
        try (BufferedWriter w = Files.newBufferedWriter(big, StandardCharsets.UTF_8)) {
            for (int i = 0; i < 1_000_000; i++) w.write("{\"id\":\"cancel-big-" + i + "\"}\n");
        }
        String id = ServerExtension.JSON.readTree(iolite(null, "import", "--file", big.toString(), "-o", "json").out())
                .get("jobId").asText();
        // WHEN it is cancelled THEN the command says so, and never shows the job as running
        CliProcess.Result cancel = iolite(null, "jobs", "cancel", id);
        assertThat(cancel.code()).as(cancel.err()).isZero();
        assertThat(cancel.out()).containsAnyOf("cancelled job " + id, "cancellation of job " + id + " requested")
                .doesNotContain("running");
        String status = ServerExtension.JSON.readTree(iolite(null, "jobs", "watch", id, "-o", "json").out()).get("status").asText();
        assertThat(status).isEqualTo("cancelled");
    }
}

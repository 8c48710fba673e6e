package dev.iolite.cli.it;

import dev.iolite.server.testkit.SqliteOnly;
import dev.iolite.server.testkit.ServerExtension;

import com.fasterxml.jackson.databind.JsonNode;
import dev.iolite.cli.Main;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedWriter;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the commands print, read as a person or a script reads it: tables with one header that stay aligned,
 * {@code -o tsv} and {@code -o json} on every command that prints records, query columns in SELECT order, and
 * hints that work when copied.
 */
@SqliteOnly("output formats do not depend on the store")
class OutputIT {
    @RegisterExtension
    static final ServerExtension server = new ServerExtension();

    @TempDir
    Path tmp;

    private String dataDir() { return server.dataDir().toString(); }

    /** Runs a command in this JVM against the test server's data dir. */
    private static CliProcess.Result cli(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.add("--data-dir");
        all.add(server.dataDir().toString());
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(new PrintWriter(out, true), new PrintWriter(err, true), all.toArray(String[]::new));
        return new CliProcess.Result(code, out.toString(), err.toString());
    }

    private Path devices(String name, int n, java.util.function.IntFunction<String> line) throws Exception {
        Path file = tmp.resolve(name);
        try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            for (int i = 0; i < n; i++) w.write(line.apply(i) + "\n");
        }
        return file;
    }

    private void hubWith(String hub, Path file) {
        assertThat(cli("hub", "create", hub).code()).isZero();
        CliProcess.Result imported = cli("import", "--file", file.toString(), "--hub", hub, "--wait");
        assertThat(imported.code()).as(imported.out() + imported.err()).isZero();
        assertThat(imported.out()).contains("failed 0");
    }

    @Test
    void twentyThousandDevicesAreOneTableWithOneHeaderAlignedToTheEnd() throws Exception {
        // GIVEN a hub of 20,000 devices whose ids grow longer in the last pages
        hubWith("out-table", devices("table.jsonl", 20_000, i -> "{\"id\":\"t-" + (i < 19_000 ? String.format("%05d", i)
                : "late-" + i) + "\"}"));

        // WHEN they are listed as a table THEN `wc -l` counts them plus one header
        CliProcess.Result counted = CliProcess.shell(tmp, CliProcess.REPO.resolve("iolite") + " device list --hub out-table"
                + " --data-dir " + dataDir() + " | wc -l");
        assertThat(counted.out().strip()).as(counted.err()).isEqualTo("20001");

        // AND every line's status starts where the header's STATUS does, and the overflowed lines were announced
        CliProcess.Result table = CliProcess.run(tmp, "device", "list", "--hub", "out-table", "--data-dir", dataDir());
        assertThat(table.code()).as(table.err()).isZero();
        List<String> lines = table.outLines();
        assertThat(lines).hasSize(20_001);
        assertThat(lines.stream().filter(l -> l.startsWith("DEVICE"))).hasSize(1);
        int status = lines.get(0).indexOf("STATUS");
        assertThat(lines.subList(1, 19_001)).allSatisfy(l -> assertThat(l.substring(status)).startsWith("enabled "));
        assertThat(lines.subList(19_001, 20_001)).allSatisfy(l -> assertThat(l).matches("t-late-\\d+  enabled +sas +\\S+"));
        assertThat(table.err()).contains("1,000 lines hold a value wider than its column").contains("20,000 devices");

        // AND as tsv: one line per device, no header, four fields
        CliProcess.Result tsv = CliProcess.run(tmp, "device", "list", "--hub", "out-table", "--data-dir", dataDir(), "-o", "tsv");
        assertThat(tsv.code()).as(tsv.err()).isZero();
        assertThat(tsv.outLines()).hasSize(20_000).allSatisfy(l -> assertThat(l.split("\t", -1)).hasSize(4)
                .satisfies(f -> assertThat(f[0]).startsWith("t-")).satisfies(f -> assertThat(f[1]).isEqualTo("enabled")));
    }

    @Test
    void queryColumnsKeepTheSelectOrderInATableAndInTsv() throws Exception {
        // GIVEN two devices, the first without the second selected property, the other with a note holding a tab
        hubWith("out-query", devices("query.jsonl", 2, i -> i == 0
                ? "{\"id\":\"ord-0\",\"tags\":{\"note\":\"tab\\there\\nnext\"}}"
                : "{\"id\":\"ord-1\",\"status\":\"disabled\",\"tags\":{\"site\":\"north\"}}"));
        String query = "SELECT deviceId, tags.site, status, tags.note FROM devices";

        CliProcess.Result table = CliProcess.run(tmp, "query", query, "--hub", "out-query", "--data-dir", dataDir());
        assertThat(table.code()).as(table.err()).isZero();
        assertThat(table.outLines()).containsExactly(
                "DEVICE  SITE   STATUS    NOTE",
                "ord-0          enabled   tab\\there\\nnext",
                "ord-1   north  disabled");

        CliProcess.Result tsv = CliProcess.run(tmp, "query", query, "--hub", "out-query", "--data-dir", dataDir(), "-o", "tsv");
        assertThat(tsv.code()).as(tsv.err()).isZero();
        assertThat(tsv.out()).isEqualTo("ord-0\t\tenabled\ttab\\there\\nnext\nord-1\tnorth\tdisabled\t\n");
        assertThat(tsv.err()).contains("2 rows");
    }

    @Test
    void theHintAfterAStartedImportCarriesTheHubAndDataDirAndWorksWhenCopied() throws Exception {
        // GIVEN an import started on a hub other than the default, without --wait
        assertThat(cli("hub", "create", "out-lab").code()).isZero();
        Path file = devices("lab.jsonl", 10, i -> "{\"id\":\"lab-" + i + "\"}");
        CliProcess.Result started = CliProcess.run(tmp, "import", "--file", file.toString(), "--hub", "out-lab",
                "--data-dir", dataDir());
        assertThat(started.code()).as(started.err()).isZero();

        // WHEN the suggested command is run as printed
        Matcher hint = Pattern.compile("Watch it with '" + Pattern.quote(CliProcess.REPO.resolve("iolite").toString()) + " (jobs watch [^']+)'").matcher(started.out());
        assertThat(hint.find()).as(started.out()).isTrue();
        assertThat(hint.group(1)).endsWith(" --data-dir " + dataDir() + " --hub out-lab");
        CliProcess.Result watched = CliProcess.run(tmp, hint.group(1).split(" "));

        // THEN it watches that job to its end
        assertThat(watched.code()).as(watched.err()).isZero();
        assertThat(watched.out()).contains("import completed 100%");
    }

    @Test
    void ctrlCWhileWatchingSuggestsCommandsThatReachTheSameJob() throws Exception {
        // GIVEN a job on a hub of its own whose reader stands still, so that it runs while it is watched
        assertThat(cli("hub", "create", "out-watch").code()).isZero();
        Path file = devices("watch.jsonl", 5_000, i -> "{\"id\":\"w-" + i + "\"}");
        System.setProperty("iolite.test.fault", "import-reader:stall");
        try {
            CliProcess.Result started = cli("import", "--file", file.toString(), "--hub", "out-watch", "-o", "json");
            assertThat(started.code()).as(started.err()).isZero();
            String id = ServerExtension.JSON.readTree(started.out()).get("jobId").asText();

            // WHEN its watcher is interrupted
            Process p = CliProcess.interruptible("jobs", "watch", id, "--hub", "out-watch", "--data-dir", dataDir());
            String rest;
            try (var out = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                assertThat(out.readLine()).contains("import");
                new ProcessBuilder("kill", "-INT", Long.toString(p.pid())).start().waitFor();
                assertThat(p.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)).as("the watcher stopped on SIGINT").isTrue();
                rest = out.lines().collect(java.util.stream.Collectors.joining("\n"));
            } finally {
                p.destroyForcibly();
            }

            // THEN the hint names the hub and the data dir, and its cancel command reaches the job
            String suffix = " --data-dir " + dataDir() + " --hub out-watch";
            String launcher = CliProcess.REPO.resolve("iolite").toString();
            assertThat(rest).contains("'" + launcher + " jobs watch " + id + suffix + "'")
                    .contains("'" + launcher + " jobs cancel " + id + suffix + "'");
            CliProcess.Result cancel = CliProcess.run(tmp, ("jobs cancel " + id + suffix).split(" "));
            assertThat(cancel.code()).as(cancel.err()).isZero();
            assertThat(cancel.out()).contains(id);
        } finally {
            System.clearProperty("iolite.test.fault");
        }
    }

    @Test
    void tokenSasTokenAndBackupTakeOutputJsonAsEveryCommandDoes() throws Exception {
        JsonNode token = ServerExtension.JSON.readTree(cli("token", "-o", "json").out());
        assertThat(token.get("accessToken").asText()).isNotBlank();
        assertThat(token.get("tokenType").asText()).isEqualTo("Bearer");
        assertThat(java.time.Instant.parse(token.get("expiresOn").asText())).isAfter(java.time.Instant.now());
        assertThat(cli("token", "-o", "tsv").outLines()).singleElement().asString().isNotBlank().doesNotContain("\t");

        JsonNode sas = ServerExtension.JSON.readTree(cli("sas-token", "--output", "json").out());
        assertThat(sas.get("sasToken").asText()).startsWith("SharedAccessSignature sr=");
        assertThat(server.send("GET", "/statistics/devices?api-version=2021-04-12", sas.get("sasToken").asText(), null).statusCode())
                .isEqualTo(200);

        if (!"postgresql".equalsIgnoreCase(System.getProperty("iolite.test.store", "sqlite"))) {
            Path to = tmp.resolve("backup.db");
            CliProcess.Result backup = cli("backup", "--to", to.toString(), "-o", "json");
            assertThat(backup.code()).as(backup.err()).isZero();
            JsonNode b = ServerExtension.JSON.readTree(backup.out());
            assertThat(b.get("backup").asText()).isEqualTo(to.toString());
            assertThat(b.get("bytes").asLong()).isEqualTo(Files.size(to));
        }
    }

    @Test
    void everyCommandThatPrintsRecordsTakesTsvWithoutAHeader() throws Exception {
        String hub = server.ready().get("hub").asText();
        assertThat(cli("device", "create", "tsv-dev").code()).isZero();
        assertThat(cli("stats", "-o", "tsv").outLines()).singleElement().asString().matches(hub + "\t[\\d,]+\t[\\d,]+\t[\\d,]+");
        assertThat(cli("hub", "list", "-o", "tsv").outLines()).anySatisfy(l -> assertThat(l).startsWith(hub + "\t"))
                .allSatisfy(l -> assertThat(l.split("\t", -1)).hasSize(5));
        assertThat(cli("hub", "keys", "-o", "tsv").outLines()).anySatisfy(l -> assertThat(l).startsWith("iothubowner\t"))
                .allSatisfy(l -> assertThat(l.split("\t", -1)).hasSize(4));
        assertThat(cli("device", "show", "tsv-dev", "-o", "tsv").outLines()).singleElement().asString().startsWith("tsv-dev\tenabled\t");
        Path file = devices("tsv.jsonl", 3, i -> "{\"id\":\"tsv-" + i + "\"}");
        CliProcess.Result started = cli("import", "--file", file.toString(), "-o", "tsv", "--wait");
        assertThat(started.code()).as(started.err()).isZero();
        assertThat(started.outLines()).as("the job, without progress lines or hints").singleElement().asString()
                .matches("\\S+\timport\tcompleted\t100%\t3\t3\t0\t.*");
        assertThat(cli("jobs", "list", "-o", "tsv").outLines()).isNotEmpty().allSatisfy(l -> assertThat(l.split("\t", -1)).hasSize(7));
    }
}

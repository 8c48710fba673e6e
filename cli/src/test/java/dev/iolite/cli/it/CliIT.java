package dev.iolite.cli.it;

import dev.iolite.server.testkit.ServerExtension;
import dev.iolite.server.testkit.TestTls;
import dev.iolite.server.testkit.JobPolling;
import dev.iolite.server.testkit.SqliteOnly;
import com.fasterxml.jackson.databind.JsonNode;
import dev.iolite.cli.Main;
import dev.iolite.client.DeviceRegistry;
import dev.iolite.client.IotHubClient;
import org.junit.jupiter.api.Order;
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
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The {@code iolite} commands run in-process against a real server, and as a user runs them (./iolite). */
@SqliteOnly("the command line does not depend on the store")
class CliIT {
    private static final Path REPO = Path.of("").toAbsolutePath().getParent();

    @RegisterExtension
    @Order(1)
    static final ServerExtension server = new ServerExtension();

    @TempDir
    Path tmp;

    record Result(int code, String out, String err) {
        List<String> errLines() { return err.lines().toList(); }
    }

    /** Runs a command in this JVM against the test server's data dir. */
    static Result cli(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        if (!all.contains("--data-dir") && !all.contains("--server")) {
            all.add("--data-dir");
            all.add(server.dataDir().toString());
        }
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(new PrintWriter(out, true), new PrintWriter(err, true), all.toArray(String[]::new));
        return new Result(code, out.toString(), err.toString());
    }

    static void assertOneCleanLine(Result r) {
        assertThat(r.errLines()).as(r.err).hasSize(1);
        assertThat(r.err).startsWith("iolite: ").doesNotContain("Exception").doesNotContain("\tat ");
    }

    @Test
    void statsAndHubsInTableAndJson() throws Exception {
        Result table = cli("stats");
        assertThat(table.code).isZero();
        assertThat(table.out).contains("hub:").contains("total:");

        Result json = cli("stats", "--output", "json");
        JsonNode stats = ServerExtension.JSON.readTree(json.out);
        assertThat(stats.has("totalDeviceCount")).isTrue();

        assertThat(cli("hub", "create", "cli-hub", "--sku", "S2").out).contains("cli-hub").contains("S2");
        assertThat(cli("hub", "list").out).contains("cli-hub").contains(server.ready().get("hub").asText());
        assertThat(cli("hub", "show", "cli-hub", "-o", "json").out).contains("\"hostName\" : \"cli-hub.azure-devices.net\"");
        assertThat(cli("hub", "keys", "cli-hub").out).contains("iothubowner").contains("RegistryWrite");
        assertThat(cli("hub", "delete", "cli-hub", "--yes").code).isZero();
        Result gone = cli("hub", "show", "cli-hub");
        assertThat(gone.code).isEqualTo(1);
        assertOneCleanLine(gone);
        assertThat(gone.err).contains("HTTP 404").contains("IotHubNotFound");
    }

    @Test
    void deviceLifecycle() throws Exception {
        Result created = cli("device", "create", "cli-dev", "-o", "json");
        assertThat(created.code).as(created.err).isZero();
        String key = ServerExtension.JSON.readTree(created.out).get("primaryKey").asText();
        assertThat(key).hasSize(44);
        assertThat(cli("device", "update", "cli-dev", "--status", "disabled", "--reason", "stolen").out)
                .contains("disabled").contains("stolen");
        assertThat(cli("device", "show", "cli-dev").out).contains(key);
        Result list = cli("device", "list", "-o", "json");
        assertThat(ServerExtension.JSON.readTree(list.out).findValuesAsText("deviceId")).contains("cli-dev");
        assertThat(cli("device", "delete", "cli-dev", "--yes").out).contains("deleted device cli-dev");
        Result missing = cli("device", "show", "cli-dev");
        assertThat(missing.code).isEqualTo(1);
        assertOneCleanLine(missing);
        assertThat(missing.err).contains("DeviceNotFound");
    }

    @Test
    void queriesListsByConditionAndFilteredExports() throws Exception {
        // GIVEN devices of two sites, one of them disabled, imported from a file
        Path file = tmp.resolve("sites.jsonl");
        try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            for (int i = 0; i < 30; i++) {
                w.write("{\"id\":\"site-" + i + "\",\"status\":\"" + (i == 7 ? "disabled" : "enabled")
                        + "\",\"tags\":{\"site\":\"" + (i % 3 == 0 ? "north" : "south") + "\",\"rack\":" + i + "}}\n");
            }
        }
        assertThat(cli("import", "--file", file.toString(), "--wait").code).isZero();
        String mine = "STARTSWITH(deviceId, 'site-')";

        // WHEN counting by site THEN a table with the group and count columns
        Result groups = cli("query", "SELECT tags.site, COUNT() AS n FROM devices WHERE " + mine + " GROUP BY tags.site");
        assertThat(groups.code).as(groups.err).isZero();
        assertThat(groups.out.lines().toList()).containsExactly("SITE   N", "north  10", "south  20");
        assertThat(groups.err).contains("2 rows");
        // AND whole twins show as id, status, version and tags; JSON output is an array of the rows
        Result twins = cli("query", "SELECT * FROM devices WHERE tags.rack = 7 AND " + mine);
        assertThat(twins.out.lines().toList()).hasSize(2);
        assertThat(twins.out).contains("DEVICE").contains("site-7").contains("disabled").contains("{\"site\":\"south\",\"rack\":7}");
        JsonNode rows = ServerExtension.JSON.readTree(cli("query", "SELECT deviceId FROM devices WHERE tags.rack < 2 AND "
                + mine, "-o", "json").out);
        assertThat(rows.toString()).isEqualTo("[{\"deviceId\":\"site-0\"},{\"deviceId\":\"site-1\"}]");

        // WHEN listing devices by a condition THEN only those
        Result disabled = cli("device", "list", "--where", "status = 'disabled' AND " + mine);
        assertThat(disabled.out).contains("site-7").doesNotContain("site-8");
        assertThat(disabled.err).contains("1 devices");

        // WHEN exporting one site THEN the blob holds its devices only
        Result north = cli("export", "--to", "file:cli-north", "--where", "tags.site = 'north' AND " + mine, "--wait");
        assertThat(north.code).as(north.err).isZero();
        assertThat(Files.readAllLines(server.blobRoot().resolve("cli-north/devices.txt"))).hasSize(10)
                .allMatch(l -> l.contains("\"site\":\"north\""));

        // AND a bad query is one clean line naming the place, exit 1
        Result bad = cli("query", "SELECT * FROM devices WHERE tags.site = ");
        assertThat(bad.code).isEqualTo(1);
        assertOneCleanLine(bad);
        assertThat(bad.err).contains("line 1, column");
    }

    @Test
    void importFromAFileExportAndJobs() throws Exception {
        Path file = tmp.resolve("fleet.jsonl");
        try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            for (int i = 0; i < 500; i++) w.write("{\"id\":\"cli-imp-" + i + "\"}\n");
            w.write("not json\n");
        }
        // WHEN importing a local file and waiting (not a terminal: plain progress lines)
        Result imported = cli("import", "--file", file.toString(), "--wait");
        // THEN the job completes with one failed line and the output shows the counts
        assertThat(imported.code).as(imported.err).isZero();
        assertThat(imported.out).contains("import completed 100%").contains("processed 501").contains("failed 1");
        assertThat(imported.err).contains("staged " + file);

        Result exported = cli("export", "--to", "file:cli-export", "--blob", "all.txt", "--exclude-keys", "--wait");
        assertThat(exported.code).as(exported.err).isZero();
        assertThat(Files.readAllLines(server.blobRoot().resolve("cli-export/all.txt")))
                .anyMatch(l -> l.contains("\"id\":\"cli-imp-499\""));

        Result jobs = cli("jobs", "list");
        assertThat(jobs.out).contains("JOB").contains("import").contains("export").contains("completed");
        String jobId = ServerExtension.JSON.readTree(cli("jobs", "list", "-o", "json").out).get(0).get("jobId").asText();
        assertThat(cli("jobs", "show", jobId).out).contains(jobId).contains("completed");
        Result watched = cli("jobs", "watch", jobId);
        assertThat(watched.code).isZero();
        assertThat(watched.out).contains("completed 100%");

        // AND a started job returns at once without --wait, and can be cancelled
        try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            for (int i = 0; i < 200_000; i++) w.write("{\"id\":\"cli-big-" + i + "\"}\n");
        }
        Result started = cli("import", "--file", file.toString(), "-o", "json");
        assertThat(started.code).as(started.err).isZero();
        String big = ServerExtension.JSON.readTree(started.out).get("jobId").asText();
        assertThat(cli("jobs", "cancel", big).code).isZero();
        Result cancelled = cli("jobs", "watch", big, "-o", "json");
        assertThat(cancelled.code).isEqualTo(1);
        assertThat(ServerExtension.JSON.readTree(cancelled.out).get("status").asText()).isEqualTo("cancelled");
    }

    @Test
    void configurationsTravelWithAnExportAndAnImportThatIncludeThem() throws Exception {
        // GIVEN a hub of its own with a device and a configuration
        String sas = server.createHub("cli-cfg-hub");
        String api = "?api-version=2021-04-12";
        assertThat(server.send("PUT", "/devices/cli-cfg-dev" + api, sas, "{\"deviceId\":\"cli-cfg-dev\"}").statusCode())
                .isEqualTo(200);
        var created = server.send("PUT", "/configurations/cli-travel" + api, sas, "{\"id\":\"cli-travel\",\"priority\":4,"
                + "\"targetCondition\":\"tags.cli = 'travel'\",\"content\":{\"deviceContent\":{\"properties.desired.t\":1}}}");
        assertThat(created.statusCode()).as(created.body()).isEqualTo(200);
        // WHEN an export includes it, under a blob name of the user's
        Result exported = cli("export", "--hub", "cli-cfg-hub", "--to", "file:cli-cfg", "--include-configurations", "--configurations-blob",
                "cfg.txt", "--wait");
        // THEN the blob holds it
        assertThat(exported.code).as(exported.err).isZero();
        assertThat(Files.readAllLines(server.blobRootOf("cli-cfg-hub").resolve("cli-cfg/cfg.txt")))
                .singleElement().asString().contains("\"id\":\"cli-travel\"").contains("\"priority\":4");
        // WHEN it is deleted and an import that includes configurations reads that blob back
        assertThat(server.send("DELETE", "/configurations/cli-travel" + api, sas, null).statusCode()).isEqualTo(204);
        Result imported = cli("import", "--hub", "cli-cfg-hub", "--from", "file:cli-cfg", "--errors-to", "file:cli-cfg", "--include-configurations",
                "--configurations-blob", "cfg.txt", "--wait");
        // THEN it is back, and no line failed
        assertThat(imported.code).as(imported.err).isZero();
        var back = server.send("GET", "/configurations/cli-travel" + api, sas, null);
        assertThat(back.statusCode()).isEqualTo(200);
        assertThat(ServerExtension.JSON.readTree(back.body()).get("priority").asInt()).isEqualTo(4);
        assertThat(Files.readString(server.blobRootOf("cli-cfg-hub").resolve("cli-cfg/importConfigErrors.log"))).isEmpty();
        // AND the option is refused where it means nothing
        Result toFile = cli("export", "--to-file", tmp.resolve("x.jsonl").toString(), "--include-configurations");
        assertThat(toFile.code).isEqualTo(2);
        assertThat(toFile.err).contains("--include-configurations goes with --to");
        assertThat(server.send("DELETE", "/configurations/cli-travel" + api, sas, null).statusCode()).isEqualTo(204);
    }

    @Test
    void badInputGetsOneLineAndTheRightExitCode() throws Exception {
        Result missingFile = cli("import", "--file", tmp.resolve("nope.jsonl").toString());
        assertThat(missingFile.code).isEqualTo(2);
        assertThat(missingFile.err).contains("no such file");

        Result badUri = cli("stats", "--server", "not a url", "--token", "t", "--hub", "h", "--subscription", "s");
        assertThat(badUri.code).isEqualTo(2);
        assertOneCleanLine(badUri);

        Result unreachable = cli("stats", "--server", "https://127.0.0.1:1", "--token", "t", "--hub", "h",
                "--subscription", "s");
        assertThat(unreachable.code).isEqualTo(1);
        assertOneCleanLine(unreachable);
        assertThat(unreachable.err).contains("could not reach 127.0.0.1:1: ");

        Result badToken = cli("stats", "--server", server.url(), "--token", "forged", "--hub", "iolite",
                "--subscription", server.ready().get("subscriptionId").asText(),
                "--truststore", server.ready().get("truststore").asText());
        assertThat(badToken.code).isEqualTo(1);
        assertOneCleanLine(badToken);
        assertThat(badToken.err).contains("HTTP 401");

        Result unknownHub = cli("stats", "--hub", "no-such-hub");
        assertThat(unknownHub.code).isEqualTo(1);
        assertOneCleanLine(unknownHub);

        Result noServer = cli("stats", "--data-dir", tmp.toString());
        assertThat(noServer.code).isEqualTo(1);
        assertOneCleanLine(noServer);
        assertThat(noServer.err).contains("no server is running");

        assertThat(cli("jobs", "show").code).isEqualTo(2);
        assertThat(cli("no-such-command").code).isEqualTo(2);
        Result verbose = cli("stats", "--hub", "no-such-hub", "--verbose");
        assertThat(verbose.err).contains("\tat ");
    }

    @Test
    void ctrlCWhileWatchingLeavesTheJobRunningAndSaysWhatToDo() throws Exception {
        Path file = tmp.resolve("long.jsonl");
        try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            // long enough that the watcher (a new JVM, on a loaded machine) starts well before the job ends
            for (int i = 0; i < 1_200_000; i++) w.write("{\"id\":\"cli-long-" + i + "\"}\n");
        }
        String id = ServerExtension.JSON.readTree(cli("import", "--file", file.toString(), "-o", "json").out)
                .get("jobId").asText();
        Process p = CliProcess.interruptible("jobs", "watch", id, "--data-dir", server.dataDir().toString());
        try (var out = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            assertThat(out.readLine()).contains("import");
            new ProcessBuilder("kill", "-INT", Long.toString(p.pid())).start().waitFor();
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).as("the watcher stopped on SIGINT").isTrue();
            StringBuilder rest = new StringBuilder();
            for (String l; (l = out.readLine()) != null; ) rest.append(l).append('\n');
            assertThat(rest.toString()).contains("job " + id + " goes on")
                    .contains("iolite jobs watch " + id).contains("iolite jobs cancel " + id);
        } finally {
            p.destroyForcibly();
        }
        String status = ServerExtension.JSON.readTree(cli("jobs", "show", id, "-o", "json").out).get("status").asText();
        assertThat(status).isIn("running", "completed");
        cli("jobs", "cancel", id);
        cli("jobs", "watch", id);
    }

    @Test
    void aBackupTakenDuringAnImportOpensAndHoldsAConsistentRegistry() throws Exception {
        // GIVEN an import of 400,000 devices under way on a hub of its own
        String sas = server.createHub("backup-hub");
        Path in = Files.createDirectories(server.blobRootOf("backup-hub").resolve("in"));
        try (BufferedWriter w = Files.newBufferedWriter(in.resolve("devices.txt"))) {
            for (int i = 0; i < 400_000; i++) w.write("{\"id\":\"b-" + i + "\",\"importMode\":\"create\"}\n");
        }
        var created = server.send("POST", "/jobs/create?api-version=2021-04-12", sas,
                "{\"type\":\"import\",\"inputBlobContainerUri\":\"file:in\",\"outputBlobContainerUri\":\"file:in\"}");
        assertThat(created.statusCode()).as(created.body()).isEqualTo(200);
        String jobId = ServerExtension.JSON.readTree(created.body()).get("jobId").asText();
        JobPolling.until("the import is under way", java.time.Duration.ofSeconds(60), java.time.Duration.ofMillis(20),
                () -> ServerExtension.JSON.readTree(server.send("GET", "/jobs/" + jobId + "?api-version=2021-04-12", sas, null).body()),
                JobPolling.processedAtLeast(10_000));

        // WHEN a backup is taken while it runs
        Path backup = tmp.resolve("registry-backup.db");
        Result r = cli("backup", "--to", backup.toString());
        assertThat(r.code).as(r.err).isZero();
        assertThat(r.out).contains("Backed up").contains(backup.toString());
        JsonNode after = ServerExtension.JSON.readTree(server.send("GET", "/jobs/" + jobId + "?api-version=2021-04-12", sas, null).body());

        // THEN the copy opens, checks out, and holds one committed state: the hub's counters, its rows and the job's
        // checkpoint agree, taken in the middle of the import
        assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(backup))).isEqualTo("rw-------");
        try (java.sql.Connection c = java.sql.DriverManager.getConnection("jdbc:sqlite:" + backup)) {
            java.sql.Statement s = c.createStatement();
            assertThat(scalar(s, "PRAGMA integrity_check")).isEqualTo("ok");
            long counted = Long.parseLong(scalar(s, "SELECT total FROM hub_stats WHERE hub = 'backup-hub'"));
            long rows = Long.parseLong(scalar(s, "SELECT count(*) FROM devices WHERE hub = 'backup-hub' AND module_id = ''"));
            long succeeded = Long.parseLong(scalar(s, "SELECT succeeded FROM jobs WHERE id = '" + jobId + "'"));
            assertThat(rows).isEqualTo(counted).isEqualTo(succeeded).isPositive().isLessThan(400_000);
            assertThat(scalar(s, "SELECT status FROM jobs WHERE id = '" + jobId + "'")).isEqualTo("running");
        }
        assertThat(after.get("status").asText()).isIn("running", "completed");
        Result again = cli("backup", "--to", backup.toString());
        assertThat(again.code).isEqualTo(1);
        assertOneCleanLine(again);
        assertThat(again.err).contains("exists");
        JobPolling.until("the import ends", java.time.Duration.ofSeconds(120), java.time.Duration.ofMillis(100),
                () -> ServerExtension.JSON.readTree(server.send("GET", "/jobs/" + jobId + "?api-version=2021-04-12", sas, null).body()),
                JobPolling::ended);
    }

    private static String scalar(java.sql.Statement s, String sql) throws java.sql.SQLException {
        try (java.sql.ResultSet r = s.executeQuery(sql)) {
            r.next();
            return r.getString(1);
        }
    }

    @Test
    void demoRunsAsAUserRunsIt() throws Exception {
        Path data = tmp.resolve("demo-data");
        Process p = new ProcessBuilder(REPO.resolve("iolite").toString(), "demo", "--devices", "20000",
                "--data-dir", data.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(180, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        assertThat(out).contains("Generating 20,000 devices")
                .contains("now holds 20,000 devices: 18,000 enabled, 2,000 disabled")
                .contains("21,000 lines applied, 3 failed")
                .contains("Export: 21,000 identities written")
                .contains("Server stopped");
        Path blobs = data.resolve("blobs/iolite");
        try (var dirs = Files.list(blobs)) {
            Path run = dirs.filter(d -> d.getFileName().toString().startsWith("demo-")).findFirst().orElseThrow();
            assertThat(Files.readAllLines(run.resolve("importErrors.log"))).hasSize(3);
            assertThat(Files.readAllLines(run.resolve("export/devices.txt"))).hasSize(21_000);
        }
        assertThat(data.resolve("ready.json")).doesNotExist();

        Process stats = new ProcessBuilder(REPO.resolve("iolite").toString(), "stats", "--data-dir", data.toString()).start();
        String err = new String(stats.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(stats.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(stats.exitValue()).isEqualTo(1);
        assertThat(err.lines().toList()).singleElement().asString().contains("no server is running");
    }

    @Test
    void hubKeysRegenerateRotatesOneKeyAndTheOldTokenStopsAtOnce() throws Exception {
        server.createHub("cli-rotate");
        String oldToken = server.ownerSasOf("cli-rotate");
        assertThat(server.send("GET", "/statistics/devices?api-version=2021-04-12", oldToken, null).statusCode()).isEqualTo(200);
        Result keysBefore = cli("hub", "keys", "cli-rotate", "--output", "json");
        Result r = cli("hub", "keys", "cli-rotate", "--regenerate", "iothubowner", "--primary", "--output", "json");
        assertThat(r.code).as(r.err).isZero();
        assertThat(r.out).isNotEqualTo(keysBefore.out);
        assertThat(server.send("GET", "/statistics/devices?api-version=2021-04-12", oldToken, null).statusCode())
                .as("a token of the old key").isEqualTo(401);
        String newToken = server.ownerSasOf("cli-rotate");
        assertThat(server.send("GET", "/statistics/devices?api-version=2021-04-12", newToken, null).statusCode()).isEqualTo(200);
        // the secondary key and the other policies are as they were
        com.fasterxml.jackson.databind.JsonNode was = ServerExtension.JSON.readTree(keysBefore.out);
        com.fasterxml.jackson.databind.JsonNode now = ServerExtension.JSON.readTree(r.out);
        for (int i = 0; i < was.size(); i++) {
            boolean owner = was.get(i).get("keyName").asText().equals("iothubowner");
            assertThat(now.get(i).get("secondaryKey")).isEqualTo(was.get(i).get("secondaryKey"));
            if (!owner) assertThat(now.get(i).get("primaryKey")).isEqualTo(was.get(i).get("primaryKey"));
        }
        Result both = cli("hub", "keys", "cli-rotate", "--regenerate", "iothubowner", "--primary", "--secondary");
        assertThat(both.code).isEqualTo(2);
        Result unknown = cli("hub", "keys", "cli-rotate", "--regenerate", "noSuchPolicy");
        assertThat(unknown.code).isEqualTo(1);
        assertOneCleanLine(unknown);
        assertThat(unknown.err).contains("noSuchPolicy");
        assertThat(server.send("GET", "/statistics/devices?api-version=2021-04-12", newToken, null).statusCode())
                .as("nothing changed").isEqualTo(200);
    }

    @Test
    void aTokenFromAFileStaysOffTheCommandLine() throws Exception {
        Path file = tmp.resolve("token");
        Files.writeString(file, server.armToken() + "\n");
        Result r = cli("stats", "--server", server.url(), "--token-file", file.toString(), "--hub",
                server.ready().get("hub").asText(), "--subscription", server.ready().get("subscriptionId").asText(),
                "--truststore", TestTls.TRUSTSTORE.toString());
        assertThat(r.code).as(r.err).isZero();
        assertThat(r.out).contains("total:");
        Result missing = cli("stats", "--server", server.url(), "--token-file", tmp.resolve("nope").toString(), "--hub", "x",
                "--subscription", "s", "--truststore", TestTls.TRUSTSTORE.toString());
        assertThat(missing.code).isEqualTo(1);
        assertOneCleanLine(missing);
    }

    @Test
    void scheduledTwinAndMethodJobsRunOverAConditionWithProgressAndASummary() throws Exception {
        // GIVEN six devices, four of them on floor 1
        Path file = tmp.resolve("floors.jsonl");
        try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            for (int i = 0; i < 6; i++) w.write("{\"id\":\"sj-" + i + "\",\"tags\":{\"floor\":" + (i < 4 ? 1 : 2) + "}}\n");
        }
        assertThat(cli("import", "--file", file.toString(), "--wait").code).isZero();
        String floor1 = "tags.floor = 1 AND STARTSWITH(deviceId, 'sj-')";

        // WHEN a twin update is scheduled over floor 1 (it waits by default, without a terminal: plain lines)
        Result twin = cli("jobs", "schedule-twin", "--where", floor1, "--job-id", "cli-twin",
                "--patch", "{\"tags\":{\"moved\":true},\"properties\":{\"desired\":{\"interval\":30}}}");

        // THEN it shows the progress line of imports, then a summary with the counts, and exits 0
        assertThat(twin.code).as(twin.err).isZero();
        assertThat(twin.err).contains("job cli-twin");
        assertThat(twin.out).contains("scheduleUpdateTwin completed 100%").contains("status:    completed")
                .contains("devices:   4").contains("succeeded: 4").contains("failed:    0");
        // AND the twins of floor 1, read back through the client, have the tag and the desired property; floor 2's not
        DeviceRegistry registry = client().iotHubResource().devices(server.ready().get("resourceGroup").asText(),
                server.ready().get("hub").asText());
        for (int i = 0; i < 6; i++) {
            JsonNode t = registry.getTwin("sj-" + i, null);
            assertThat(t.at("/properties/desired/interval").asInt(-1)).as("sj-" + i).isEqualTo(i < 4 ? 30 : -1);
            assertThat(t.at("/tags/moved").asBoolean(false)).isEqualTo(i < 4);
            assertThat(t.at("/tags/floor").asInt()).isEqualTo(i < 4 ? 1 : 2);
        }

        // WHEN a method is called on all six, none of them connected
        Result method = cli("jobs", "schedule-method", "--where", "STARTSWITH(deviceId, 'sj-')", "reboot",
                "--payload", "{\"delay\":0}", "--job-id", "cli-method", "--response-timeout", "5");
        // THEN the job completes (exit 0, as an import with failed lines does) and its summary counts and names the failures
        assertThat(method.code).as(method.err).isZero();
        assertThat(method.out).contains("scheduleDeviceMethod completed 100%").contains("action:    reboot {\"delay\":0}")
                .contains("devices:   6").contains("succeeded: 0").contains("failed:    6").contains("errors:    DeviceNotOnline 6");
        JsonNode shown = ServerExtension.JSON.readTree(cli("jobs", "show", "cli-method", "-o", "json").out);
        assertThat(shown.get("type").asText()).isEqualTo("scheduleDeviceMethod");
        assertThat(shown.at("/deviceJobStatistics/failedCount").asInt()).isEqualTo(6);

        // WHEN a job is scheduled for later THEN it returns at once as scheduled, and jobs list, show and cancel know it
        Result later = cli("jobs", "schedule-twin", "--where", floor1, "--at", "+1h", "--job-id", "cli-later",
                "--patch", "{\"properties\":{\"desired\":{\"interval\":60}}}");
        assertThat(later.code).as(later.err).isZero();
        assertThat(later.out).contains("status:    scheduled").contains("jobs cancel cli-later");
        assertThat(cli("jobs", "show", "cli-later").out).contains("status:    scheduled").contains("devices:");
        assertThat(cli("jobs", "list").out).contains("cli-later").contains("scheduleUpdateTwin").contains("cli-method");
        Result cancel = cli("jobs", "cancel", "cli-later");
        assertThat(cancel.code).as(cancel.err).isZero();
        assertThat(cancel.out).contains("cancelled job cli-later").contains("status:    cancelled");
        assertThat(registry.getTwin("sj-0", null).at("/properties/desired/interval").asInt()).isEqualTo(30);
        // AND a job id in use is the server's one-line refusal
        Result again = cli("jobs", "schedule-twin", "--where", floor1, "--job-id", "cli-twin", "--patch", "{\"tags\":{\"x\":1}}");
        assertThat(again.code).isEqualTo(1);
        assertOneCleanLine(again);
        assertThat(again.err).contains("JobAlreadyExists");
    }

    @Test
    void aScheduledJobsBadPatchOrConditionIsOneLineAndNothingRuns() throws Exception {
        String where = "deviceId = 'nobody'";
        String before = cli("jobs", "list", "-o", "json").out;
        // not JSON, or not a twin patch: a usage error (exit 2) naming the option
        Result notJson = cli("jobs", "schedule-twin", "--where", where, "--patch", "{\"tags\": {");
        assertThat(notJson.code).isEqualTo(2);
        assertOneCleanLine(notJson);
        assertThat(notJson.err).contains("--patch is not valid JSON");
        Result bare = cli("jobs", "schedule-twin", "--where", where, "--patch", "{\"interval\": 30}");
        assertThat(bare.code).isEqualTo(2);
        assertOneCleanLine(bare);
        assertThat(bare.err).contains("--patch holds 'interval'").contains("{\"properties\": {\"desired\"");
        // a patch the twin rules refuse, and a condition that does not compile: the server's message, exit 1
        Result badKey = cli("jobs", "schedule-twin", "--where", where, "--patch", "{\"tags\":{\"a$b\":1}}");
        assertThat(badKey.code).isEqualTo(1);
        assertOneCleanLine(badKey);
        assertThat(badKey.err).contains("key 'a$b' in 'tags'").contains("HTTP 400");
        Result badWhere = cli("jobs", "schedule-method", "--where", "tags.floor = ", "reboot");
        assertThat(badWhere.code).isEqualTo(1);
        assertOneCleanLine(badWhere);
        assertThat(badWhere.err).startsWith("iolite: --where: the condition").contains("column").contains("HTTP 400");
        Result badAt = cli("jobs", "schedule-method", "--where", where, "reboot", "--at", "tomorrow");
        assertThat(badAt.code).isEqualTo(2);
        assertOneCleanLine(badAt);
        assertThat(badAt.err).contains("--at tomorrow");
        // AND none of them left a job behind
        assertThat(cli("jobs", "list", "-o", "json").out).isEqualTo(before);
    }

    /** A client library for the test server, as an application builds one. */
    private static IotHubClient client() throws java.io.IOException {
        String token = server.armToken();
        return IotHubClient.builder().endpoint(server.url())
                .credential(r -> reactor.core.publisher.Mono.just(new com.azure.core.credential.AccessToken(token,
                        java.time.OffsetDateTime.now().plusHours(1))))
                .subscriptionId(server.ready().get("subscriptionId").asText())
                .trustStore(Path.of(server.ready().get("truststore").asText()), "changeit").build();
    }
}

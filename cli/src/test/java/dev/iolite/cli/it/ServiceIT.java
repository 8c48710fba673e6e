package dev.iolite.cli.it;

import dev.iolite.server.testkit.ServerExtension;
import dev.iolite.server.testkit.TestTls;
import dev.iolite.server.testkit.SqliteOnly;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.iolite.server.auth.SasToken;

import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code iolite serve} as a service manager runs it: one server per data dir, start-up failures as one line and exit code. */
@SqliteOnly("the command line does not depend on the store")
class ServiceIT {
    private static final Path JAR = Path.of("target/iolite.jar").toAbsolutePath();

    @TempDir
    Path tmp;

    private final List<Process> servers = new ArrayList<>();

    @AfterEach
    void stopAll() throws Exception {
        for (Process p : servers) {
            p.destroy();
            if (!p.waitFor(30, TimeUnit.SECONDS)) p.destroyForcibly();
        }
    }

    record Run(int code, String out, String err) {}

    private Run run(String... args) throws Exception {
        return start(args).call();
    }

    /** A command started in the background; {@code get} waits up to 90 seconds for it to end. */
    private Callable<Run> start(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("java", "-jar", JAR.toString()));
        cmd.addAll(List.of(args));
        Path out = tmp.resolve("out-" + System.nanoTime());
        Path err = tmp.resolve("err-" + System.nanoTime());
        Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        return () -> {
            assertThat(p.waitFor(90, TimeUnit.SECONDS)).as("command ended").isTrue();
            return new Run(p.exitValue(), Files.readString(out), Files.readString(err));
        };
    }

    /** Starts a server in the background and waits for its ready.json. */
    private JsonNode serve(Path data, String... extra) throws Exception {
        return serve(data, tmp.resolve("serve-" + System.nanoTime() + ".log"), extra);
    }

    private JsonNode serve(Path data, Path log, String... extra) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("java", "-jar", JAR.toString(), "serve", "--data-dir", data.toString(), "--port", "0"));
        cmd.addAll(List.of(extra));
        Process p = new ProcessBuilder(cmd).redirectError(log.toFile())
                .redirectOutput(log.resolveSibling(log.getFileName() + ".out").toFile()).start();
        servers.add(p);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!Files.exists(data.resolve("ready.json"))) {
            if (!p.isAlive()) throw new AssertionError(Files.readString(log));
            assertThat(System.nanoTime()).as("server ready").isLessThan(deadline);
            Thread.sleep(50);
        }
        return ServerExtension.JSON.readTree(data.resolve("ready.json").toFile());
    }

    private static void assertOneLine(Run r, int code, String... fragments) {
        assertThat(r.code).as(r.err).isEqualTo(code);
        List<String> lines = r.err.lines().filter(l -> !l.isBlank()).toList();
        assertThat(lines).as(r.err).hasSize(1);
        assertThat(lines.get(0)).startsWith("iolite: ").doesNotContain("\tat ").contains(fragments);
    }

    @Test
    void aSecondServerOnARunningServersDataDirRefusesNamingItsPidAndUrl() throws Exception {
        Path data = tmp.resolve("data");
        JsonNode first = serve(data);
        String readyBefore = Files.readString(data.resolve("ready.json"));

        Run second = run("serve", "--data-dir", data.toString(), "--port", "0");

        assertOneLine(second, 3, data.toString(), "pid " + first.get("pid").asText(), first.get("url").asText());
        assertThat(Files.readString(data.resolve("ready.json"))).isEqualTo(readyBefore);
    }

    @Test
    void aPortInUseIsOneLineNamingThePort() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            Run r = run("serve", "--data-dir", tmp.resolve("data").toString(), "--port", Integer.toString(taken.getLocalPort()));
            assertOneLine(r, 4, "port " + taken.getLocalPort() + " on 127.0.0.1 is in use; choose another with --port");
        }
    }

    @Test
    void everyOtherStartUpFailureIsOneLineWithItsOwnExitCode() throws Exception {
        // an unreachable PostgreSQL is waited for (30 s, as for a database still starting) while the others run
        Callable<Run> unreachable;
        int port;
        try (ServerSocket closed = new ServerSocket(0)) {
            port = closed.getLocalPort();
        }
        unreachable = start("serve", "--data-dir", tmp.resolve("d2").toString(), "--port", "0",
                "--store", "postgresql://iolite:s3cret-pw@127.0.0.1:" + port + "/iolite");

        Path notPem = Files.writeString(tmp.resolve("not.pem"), "hello");
        assertOneLine(run("serve", "--data-dir", tmp.resolve("d1").toString(), "--port", "0",
                "--tls-cert", notPem.toString(), "--tls-key", notPem.toString()), 5, "TLS", "not.pem");

        Path file = Files.writeString(tmp.resolve("a-file"), "x");
        assertOneLine(run("serve", "--data-dir", file.resolve("data").toString(), "--port", "0"), 6,
                "cannot be created or written", "--data-dir");

        // a data dir whose recorded schema no longer matches this version's migrations
        Path d3 = tmp.resolve("d3");
        serve(d3);
        stopAll();
        servers.clear();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + d3.resolve("iolite.db"))) {
            c.createStatement().executeUpdate("UPDATE flyway_schema_history SET checksum = 12345 WHERE version = '1'");
        }
        assertOneLine(run("serve", "--data-dir", d3.toString(), "--port", "0"), 8, "schema could not be migrated");

        Run verbose = run("serve", "--data-dir", d3.toString(), "--port", "0", "--verbose");
        assertThat(verbose.code).isEqualTo(8);
        assertThat(verbose.err).contains("\tat ");

        // a data dir that a newer version migrated: this version refuses it rather than misread its rows
        Path d4 = tmp.resolve("d4");
        serve(d4);
        stopAll();
        servers.clear();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + d4.resolve("iolite.db"))) {
            c.createStatement().executeUpdate("INSERT INTO flyway_schema_history (installed_rank, version, description, type,"
                    + " script, checksum, installed_by, execution_time, success) VALUES (99, '99', 'from a newer version', 'SQL',"
                    + " 'V99__newer.sql', 1, 'iolite', 1, 1)");
        }
        assertOneLine(run("serve", "--data-dir", d4.toString(), "--port", "0"), 8,
                "the store's schema is at version 99, newer than this version of Iolite knows (");

        Run refused = unreachable.call();
        assertOneLine(refused, 7, "PostgreSQL", "could not be opened");
        assertThat(refused.out + refused.err).doesNotContain("s3cret-pw");
    }

    @Test
    void jsonLogsParseCarryTheRequestIdIntoTheJobAndHoldNoSecret() throws Exception {
        // GIVEN a server logging JSON at debug
        Path data = tmp.resolve("logs");
        Path log = tmp.resolve("json.log");
        JsonNode ready = serve(data, log, "--log-format", "json", "--log-level", "debug");
        String conn = ready.get("connectionString").asText();
        String hubKey = conn.substring(conn.indexOf("SharedAccessKey=") + 16);
        String sas = SasToken.create(ready.get("hubHostName").asText(), "iothubowner", hubKey, Instant.now().plusSeconds(3600));
        HttpClient http = HttpClient.newBuilder().sslContext(TestTls.trusting(Path.of(ready.get("truststore").asText()))).build();
        java.util.function.Function<String[], HttpResponse<String>> send = a -> {
            try {
                HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(ready.get("url").asText() + a[1] + "?api-version=2021-04-12"))
                        .header("Authorization", a[3]).method(a[0], a[2] == null ? HttpRequest.BodyPublishers.noBody()
                                : HttpRequest.BodyPublishers.ofString(a[2]));
                if (a[2] != null) b.header("Content-Type", "application/json");
                for (int i = 4; i < a.length; i += 2) b.header(a[i], a[i + 1]);
                return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        };

        // WHEN a device is created (its keys are in the response), a bad signature is refused, and an export
        // is created by a request that names its id
        HttpResponse<String> device = send.apply(new String[] {"PUT", "/devices/logs-dev", "{\"deviceId\":\"logs-dev\"}", sas});
        assertThat(device.statusCode()).as(device.body()).isEqualTo(200);
        String deviceKey = ServerExtension.JSON.readTree(device.body()).at("/authentication/symmetricKey/primaryKey").asText();
        String forged = sas.replaceAll("sig=[^&]+", "sig=Zm9yZ2VkLXNpZ25hdHVyZQ%3D%3D");
        assertThat(send.apply(new String[] {"GET", "/devices/logs-dev", null, forged}).statusCode()).isEqualTo(401);
        HttpResponse<String> created = send.apply(new String[] {"POST", "/jobs/create",
                "{\"type\":\"export\",\"outputBlobContainerUri\":\"file:logs-out\",\"excludeKeysInExport\":false}", sas,
                "x-ms-request-id", "rt-4711"});
        assertThat(created.statusCode()).as(created.body()).isEqualTo(200);
        assertThat(created.headers().firstValue("x-ms-request-id")).contains("rt-4711");
        String jobId = ServerExtension.JSON.readTree(created.body()).get("jobId").asText();
        HttpResponse<String> other = send.apply(new String[] {"GET", "/statistics/devices", null, sas, "Request-Id", "req-42"});
        assertThat(other.headers().firstValue("x-ms-request-id")).contains("req-42");
        HttpResponse<String> unusable = send.apply(new String[] {"GET", "/statistics/devices", null, sas,
                "x-ms-request-id", "two words"});
        assertThat(unusable.headers().firstValue("x-ms-request-id").orElseThrow()).matches("[0-9a-f-]{36}");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!ServerExtension.JSON.readTree(send.apply(new String[] {"GET", "/jobs/" + jobId, null, sas}).body())
                .get("status").asText().equals("completed")) {
            assertThat(System.nanoTime()).as("export done").isLessThan(deadline);
            Thread.sleep(100);
        }
        stopAll();
        servers.clear();

        // THEN every line is one JSON object with the four fields, the job's lines carry the creating request's id,
        // and no key or signature appears anywhere
        List<String> lines = Files.readAllLines(log);
        assertThat(lines).isNotEmpty();
        List<JsonNode> events = new ArrayList<>();
        for (String line : lines) {
            JsonNode e = ServerExtension.JSON.readTree(line);
            assertThat(e.isObject()).as(line).isTrue();
            for (String field : new String[] {"time", "level", "logger", "message"}) assertThat(e.hasNonNull(field)).as(line).isTrue();
            Instant.parse(e.get("time").asText());
            events.add(e);
        }
        assertThat(events).anySatisfy(e -> {
            assertThat(e.path("jobId").asText()).isEqualTo(jobId);
            assertThat(e.path("requestId").asText()).isEqualTo("rt-4711");
            assertThat(e.path("hub").asText()).isEqualTo(ready.get("hub").asText());
            assertThat(e.get("message").asText()).contains("completed");
        });
        assertThat(events).anySatisfy(e -> {
            assertThat(e.get("level").asText()).isEqualTo("DEBUG");
            assertThat(e.path("requestId").asText()).isEqualTo("req-42");
            assertThat(e.get("message").asText()).contains("/statistics/devices").contains("200");
        });
        String all = String.join("\n", lines);
        String signature = java.net.URLDecoder.decode(sas.replaceAll(".*sig=([^&]+).*", "$1"), java.nio.charset.StandardCharsets.UTF_8);
        assertThat(all).doesNotContain(hubKey).doesNotContain(deviceKey).doesNotContain(signature)
                .doesNotContain(sas.replaceAll(".*sig=([^&]+).*", "$1")).doesNotContain("Zm9yZ2VkLXNpZ25hdHVyZQ")
                .doesNotContain("SharedAccessSignature");
    }

    @Test
    void textLogsEscapeControlCharactersFromRequestsWhereverTheyReachALine() throws Exception {
        // GIVEN a server logging text at debug (every request is logged)
        Path data = tmp.resolve("text-logs");
        Path log = tmp.resolve("text.log");
        JsonNode ready = serve(data, log, "--log-level", "debug");
        String conn = ready.get("connectionString").asText();
        String sas = SasToken.create(ready.get("hubHostName").asText(), "iothubowner",
                conn.substring(conn.indexOf("SharedAccessKey=") + 16), Instant.now().plusSeconds(3600));
        HttpClient http = HttpClient.newBuilder().sslContext(TestTls.trusting(Path.of(ready.get("truststore").asText()))).build();
        String controls = "\u001b[31m\u0000\r\nforged\t\u0085\u2028\u007f";

        // WHEN requests carry control characters in their path, in bracketed path segments and literals of queries,
        // and in a job's container URI and blob name
        for (String path : new String[] {"/devices/%1b%5b31m%0d%0aforged", "/devices/a%00b/modules/%7f", "/twins/%e2%80%a8x"}) {
            http.send(HttpRequest.newBuilder(URI.create(ready.get("url").asText() + path + "?api-version=2021-04-12"))
                    .header("Authorization", sas).build(), HttpResponse.BodyHandlers.ofString());
        }
        for (String query : new String[] {"SELECT * FROM devices WHERE tags.[[" + controls + "]] = '" + controls + "'",
                "SELECT properties.reported.[[" + controls + "]] FROM devices", "SELECT * FROM devices WHERE [[" + controls + "]]"}) {
            http.send(HttpRequest.newBuilder(URI.create(ready.get("url").asText() + "/devices/query?api-version=2021-04-12"))
                    .header("Authorization", sas).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(ServerExtension.JSON.createObjectNode().put("query", query).toString()))
                    .build(), HttpResponse.BodyHandlers.ofString());
        }
        http.send(HttpRequest.newBuilder(URI.create(ready.get("url").asText() + "/jobs/create?api-version=2021-04-12"))
                .header("Authorization", sas).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"type\":\"export\",\"outputBlobContainerUri\":\"file:x\\u001b[2J\","
                        + "\"outputBlobName\":\"a\\u001b]0;t\\u0007\"}")).build(), HttpResponse.BodyHandlers.ofString());
        stopAll();
        servers.clear();

        // THEN every line is one event, starting with its time, and holds no control character
        List<String> lines = Files.readAllLines(log);
        assertThat(lines).isNotEmpty().anySatisfy(l -> assertThat(l).contains("/devices/query"));
        for (String line : lines) {
            assertThat(line).as(line).matches("\\d{4}-\\d\\d-\\d\\dT\\S+Z [A-Z]+ .*");
            assertThat(line.chars().filter(c -> c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0) || c == 0x2028 || c == 0x2029))
                    .as(line).isEmpty();
        }
    }

    @Test
    void versionNamesTheProjectVersionAndBuild() throws Exception {
        Run r = run("--version");
        assertThat(r.code).isZero();
        assertThat(r.out.strip()).matches("iolite \\d+\\.\\d+\\.\\d+(-SNAPSHOT)? \\(build [0-9a-f]{7,}(\\+changes)?, \\d{4}-\\d\\d-\\d\\dT[\\d:]+Z\\)");
    }

}

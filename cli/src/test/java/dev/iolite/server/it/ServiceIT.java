package dev.iolite.server.it;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code iolite serve} as a service manager runs it: one server per data dir, start-up failures as one line and exit code. */
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
        List<String> cmd = new ArrayList<>(List.of("java", "-jar", JAR.toString()));
        cmd.addAll(List.of(args));
        Path out = tmp.resolve("out-" + System.nanoTime());
        Path err = tmp.resolve("err-" + System.nanoTime());
        Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        assertThat(p.waitFor(90, TimeUnit.SECONDS)).as("command ended").isTrue();
        return new Run(p.exitValue(), Files.readString(out), Files.readString(err));
    }

    /** Starts a server in the background and waits for its ready.json. */
    private JsonNode serve(Path data, String... extra) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("java", "-jar", JAR.toString(), "serve", "--data-dir", data.toString(), "--port", "0"));
        cmd.addAll(List.of(extra));
        Path log = tmp.resolve("serve-" + System.nanoTime() + ".log");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
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
        Path notPem = Files.writeString(tmp.resolve("not.pem"), "hello");
        assertOneLine(run("serve", "--data-dir", tmp.resolve("d1").toString(), "--port", "0",
                "--tls-cert", notPem.toString(), "--tls-key", notPem.toString()), 5, "TLS", "not.pem");

        Path file = Files.writeString(tmp.resolve("a-file"), "x");
        assertOneLine(run("serve", "--data-dir", file.resolve("data").toString(), "--port", "0"), 6,
                "cannot be created or written", "--data-dir");

        try (ServerSocket closed = new ServerSocket(0)) {
            int port = closed.getLocalPort();
            closed.close();
            Run unreachable = run("serve", "--data-dir", tmp.resolve("d2").toString(), "--port", "0",
                    "--store", "postgresql://iolite:s3cret-pw@127.0.0.1:" + port + "/iolite");
            assertOneLine(unreachable, 7, "PostgreSQL", "could not be opened");
            assertThat(unreachable.out + unreachable.err).doesNotContain("s3cret-pw");
        }

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
    }

    @Test
    void versionNamesTheProjectVersionAndBuild() throws Exception {
        Run r = run("--version");
        assertThat(r.code).isZero();
        assertThat(r.out.strip()).matches("iolite \\d+\\.\\d+\\.\\d+(-SNAPSHOT)? \\(build [0-9a-f]{7,}(\\+changes)?, \\d{4}-\\d\\d-\\d\\dT[\\d:]+Z\\)");
    }

}

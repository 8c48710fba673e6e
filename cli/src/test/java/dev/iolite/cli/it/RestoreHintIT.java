package dev.iolite.cli.it;

import dev.iolite.server.testkit.SqliteOnly;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code iolite backup} prints how to restore, and doing what it says restores the backup, even after a crash. */
@SqliteOnly("backup and restore are SQLite's")
class RestoreHintIT {
    private static final Path JAR = Path.of("target/iolite.jar").toAbsolutePath();

    @TempDir
    Path tmp;

    private static Process serve(Path data) throws Exception {
        Process p = new ProcessBuilder("java", "-Xmx256m", "-jar", JAR.toString(), "serve", "--data-dir", data.toString(),
                "--port", "0").redirectErrorStream(true).redirectOutput(data.resolveSibling("serve.log").toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        // ready.json of this process: one of a killed server may still be there
        while (!Files.exists(data.resolve("ready.json")) || !Files.readString(data.resolve("ready.json")).contains("\"pid\" : " + p.pid())) {
            assertThat(p.isAlive()).as(Files.exists(data.resolveSibling("serve.log"))
                    ? Files.readString(data.resolveSibling("serve.log")) : "the server ended").isTrue();
            assertThat(System.nanoTime()).as("the server is ready within 90 s").isLessThan(deadline);
            Thread.sleep(100);
        }
        return p;
    }

    @Test
    void followingTheRestoreHintBringsBackTheBackupOverACrashedServersWriteAheadLog() throws Exception {
        // GIVEN a server on a data dir whose path needs quoting, with one device when the backup is taken
        Path data = tmp.resolve("data dir");
        Process server = serve(data);
        String dir = data.toString();
        String hint;
        try {
            assertThat(CliProcess.withText(null, "device", "create", "before-backup", "--data-dir", dir).code()).isZero();
            Path backup = tmp.resolve("backup.db");
            CliProcess.Result b = CliProcess.withText(null, "backup", "--data-dir", dir, "--to", backup.toString());
            assertThat(b.code()).as(b.toString()).isZero();
            hint = b.out().lines().map(String::strip).filter(l -> l.startsWith("rm -f ")).findFirst().orElseThrow();
            // AND a device created after it, then the server killed: the later write is in the write-ahead log only
            assertThat(CliProcess.withText(null, "device", "create", "after-backup", "--data-dir", dir).code()).isZero();
        } finally {
            server.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        }
        assertThat(data.resolve("iolite.db-wal")).exists();

        // WHEN the command line that backup printed is run
        assertThat(hint).contains(data.resolve("iolite.db-wal").toString()).contains(data.resolve("iolite.db-shm").toString());
        Process restore = new ProcessBuilder("bash", "-c", hint).redirectErrorStream(true).start();
        String restored = new String(restore.getInputStream().readAllBytes());
        assertThat(restore.waitFor()).as(hint + "\n" + restored).isZero();

        // THEN the restarted server holds the backup's device, and not the later one
        server = serve(data);
        try {
            assertThat(CliProcess.withText(null, "device", "show", "before-backup", "--data-dir", dir).code()).isZero();
            CliProcess.Result later = CliProcess.withText(null, "device", "show", "after-backup", "--data-dir", dir);
            assertThat(later.code()).as(later.toString()).isEqualTo(1);
            assertThat(later.err()).contains("DeviceNotFound");
        } finally {
            server.destroy();
            server.waitFor(30, TimeUnit.SECONDS);
        }
    }
}

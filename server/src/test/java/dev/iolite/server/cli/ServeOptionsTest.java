package dev.iolite.server.cli;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** Bad `serve` options are usage errors: exit code 2, one clear line naming the option, nothing started. */
class ServeOptionsTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "--job-batch-lines|0|--job-batch-lines",
            "--port|70000|--port",
            "--hub|-bad|--hub",
            "--storage-account|nokey|NAME=KEY",
            "--max-request-bytes|10|size cap",
            "--store|mysql://db/x|postgresql://USER:PASSWORD@HOST:PORT/DB",
            "--store|postgresql://u:secret@/nodb|needs a host and a database",
            "--job-lease|1s|--job-lease",
            "--job-lease|soon|duration",
    })
    void badValuesExitWith2(String option, String value, String message) {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream old = System.err;
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        int code;
        try {
            code = Main.run("serve", "--data-dir", dir.resolve("data").toString(), option, value);
        } finally {
            System.setErr(old);
        }
        assertThat(code).isEqualTo(2);
        String text = err.toString(StandardCharsets.UTF_8);
        assertThat(text).contains(message).doesNotContain("Exception").doesNotContain("\tat ");
        assertThat(Files.exists(dir.resolve("data"))).as("nothing was created").isFalse();
    }
}

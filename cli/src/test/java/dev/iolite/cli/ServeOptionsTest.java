package dev.iolite.cli;

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
            "--job-stall-after|0s|--job-stall-after",
            "--public-url|http://insecure.example|--public-url",
            "--public-url|https://iolite.example/?next=x|--public-url",
            "--storage-account-file|no-such-file|does not exist",
            "--store-password-file|no-such-file|goes with --store",
            "--job-stall-after|later|duration",
            "--job-workers|0|--job-workers must be 1 to 64",
            "--job-workers|65|--job-workers must be 1 to 64",
            "--throttle|F1|--throttle must be S1, S2 or S3",
            "--throttle|S1:0|--throttle units must be 1 to 200",
            "--throttle|S3:lots|--throttle units must be a whole number",
            "--bind|no-such-host.invalid|--bind and --metrics-bind must be an address",
            "--query-timeout|2h|--query-timeout",
            "--query-timeout|soon|duration",
    })
    void badValuesExitWith2(String option, String value, String message) {
        assertUsageError(message, option, value);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            // an issuer without an audience would make every token of the issuer, for any service, an administrator
            "https://login.example.test/t/v2.0|https://login.example.test/keys||--arm-audience",
            "https://login.example.test/t/v2.0|http://login.example.test/keys|api://iolite|https://",
            "|https://login.example.test/keys|api://iolite|--arm-issuer",
    })
    void anExternalIssuerNeedsAnAudienceAndAnHttpsJwks(String issuer, String jwks, String audience, String message) {
        java.util.List<String> args = new java.util.ArrayList<>();
        if (issuer != null) args.addAll(java.util.List.of("--arm-issuer", issuer));
        if (jwks != null) args.addAll(java.util.List.of("--arm-jwks-url", jwks));
        if (audience != null) args.addAll(java.util.List.of("--arm-audience", audience));
        assertUsageError(message, args.toArray(new String[0]));
    }

    @org.junit.jupiter.api.Test
    void secretsInBadOptionsAreNotEchoed() {
        String text = assertUsageError("needs a key", "--storage-account", "acct=@hub1");
        assertThat(text).doesNotContain("@hub1");
        assertUsageError("does not exist", "--store", "postgresql://u@db.example/x", "--store-password-file", "no-such-file");
        String store = assertUsageError("postgresql://", "--store", "mysql://u:hunter2@db/x");
        assertThat(store).doesNotContain("hunter2");
    }

    @org.junit.jupiter.api.Test
    void byDefaultOnlyAzureStorageIsAllowedLoopbackComesFromTheBind() {
        ServeCommand serve = new ServeCommand();
        new picocli.CommandLine(serve).setDefaultValueProvider(new ConfigDefaults()).parseArgs();
        assertThat(serve.allowedBlobHosts).containsExactly("*.blob.core.windows.net");
    }

    @org.junit.jupiter.api.Test
    void aMetricsTokenFileThatOtherUsersCanReadIsRefusedWithoutEchoingIt() throws Exception {
        Path token = Files.writeString(dir.resolve("metrics.token"), "tok-8d2e-secret\n");
        Files.setPosixFilePermissions(token, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
        String text = assertUsageError("--metrics-token-file " + token + " is readable or writable by other users",
                "--metrics-port", "0", "--metrics-token-file", token.toString());
        assertThat(text).contains("chmod 600").doesNotContain("tok-8d2e-secret");
        assertUsageError("does not exist", "--metrics-port", "0", "--metrics-token-file", dir.resolve("none").toString());
    }

    private String assertUsageError(String message, String... options) {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream old = System.err;
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        int code;
        try {
            String[] args = new String[options.length + 3];
            args[0] = "serve";
            args[1] = "--data-dir";
            args[2] = dir.resolve("data").toString();
            System.arraycopy(options, 0, args, 3, options.length);
            code = Main.run(args);
        } finally {
            System.setErr(old);
        }
        String text = err.toString(StandardCharsets.UTF_8);
        assertThat(code).as(text).isEqualTo(2);
        assertThat(text).contains(message).doesNotContain("Exception").doesNotContain("\tat ");
        assertThat(Files.exists(dir.resolve("data"))).as("nothing was created").isFalse();
        return text;
    }
}

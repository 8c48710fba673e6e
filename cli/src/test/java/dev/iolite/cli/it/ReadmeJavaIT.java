package dev.iolite.cli.it;

import dev.iolite.server.testkit.SqliteOnly;
import dev.iolite.server.testkit.ServerExtension;

import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import java.io.ByteArrayOutputStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** README's Java example, as a user pastes it: compiled from the README's own text and run against a server. */
@SqliteOnly("README's snippet runs against the default store")
class ReadmeJavaIT {
    private static final Path REPO = Path.of("").toAbsolutePath().getParent();
    private static final String IMPORTS = """
            import com.azure.core.credential.*;
            import com.azure.core.management.AzureEnvironment;
            import com.azure.core.management.profile.AzureProfile;
            import com.azure.resourcemanager.iothub.IotHubManager;
            import com.microsoft.azure.sdk.iot.service.registry.Device;
            import com.microsoft.azure.sdk.iot.service.registry.RegistryClient;
            import reactor.core.publisher.Mono;
            import java.time.OffsetDateTime;
            import java.util.Map;
            """;

    @RegisterExtension
    @Order(1)
    static final ServerExtension server = new ServerExtension();

    @TempDir
    Path tmp;

    @Test
    void theQuickstartsJavaExampleCompilesAndRuns() throws Exception {
        // GIVEN the Java block of the quickstart, aimed at this test's server instead of port 8443
        String readme = Files.readString(REPO.resolve("README.md"));
        int from = readme.indexOf("```java\n", readme.indexOf("From Java, with the official SDKs")) + "```java\n".length();
        String snippet = readme.substring(from, readme.indexOf("```", from)).replace("127.0.0.1:8443", server.hostPort());
        Path source = tmp.resolve("ReadmeExample.java");
        Files.writeString(source, IMPORTS + "public class ReadmeExample {\n"
                + "    public static void run(String sasToken, String armToken, String subscriptionId) throws Exception {\n" + snippet + "\n    }\n}\n");

        // WHEN it is compiled against the official SDKs
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        ByteArrayOutputStream diagnostics = new ByteArrayOutputStream();
        int compiled = javac.run(null, diagnostics, diagnostics, "-classpath", System.getProperty("java.class.path"),
                "-d", tmp.toString(), source.toString());
        assertThat(compiled).as(diagnostics.toString()).isZero();

        // THEN it runs: the device is created through the service API and the statistics read through ARM
        try (URLClassLoader loader = new URLClassLoader(new URL[] {tmp.toUri().toURL()}, getClass().getClassLoader())) {
            loader.loadClass("ReadmeExample").getMethod("run", String.class, String.class, String.class)
                    .invoke(null, server.ownerSas(), server.armToken(), server.ready().get("subscriptionId").asText());
        }
        assertThat(server.send("GET", "/devices/my-device?api-version=2021-04-12", server.ownerSas(), null).statusCode()).isEqualTo(200);
    }
}

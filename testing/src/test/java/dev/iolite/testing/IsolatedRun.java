package dev.iolite.testing;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;

/**
 * What {@link IsolationTest} runs in a child JVM, as a source file, whose class path holds this artifact and
 * JUnit's API only: the API loads, and a server starts and answers, with no library on the class path.
 */
public final class IsolatedRun {
    private IsolatedRun() {}

    public static void main(String[] args) throws Exception {
        for (String name : List.of("com.fasterxml.jackson.core.StreamReadConstraints", "org.eclipse.jetty.server.Server",
                "io.javalin.Javalin", "io.netty.buffer.ByteBuf", "com.azure.core.http.HttpClient", "org.slf4j.LoggerFactory",
                "org.sqlite.JDBC", "dev.iolite.server.Iolite", "dev.iolite.testing.bundle.Bridge")) {
            if (visible(name)) throw new AssertionError(name + " is visible to the test suite");
        }
        Class.forName("dev.iolite.testing.IoliteExtension");
        try (IoliteServer iolite = IoliteServer.builder().extraHubs("second").start()) {
            HttpClient http = HttpClient.newBuilder().sslContext(iolite.sslContext()).build();
            for (String token : List.of(iolite.sasToken(), iolite.sasToken("second"))) {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(iolite.url() + "/statistics/devices?api-version=2021-04-12"))
                        .header("Authorization", token).build(), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() != 200) throw new AssertionError("statistics answered " + r.statusCode() + ": " + r.body());
            }
            System.out.println("isolated run: ok, server on port " + iolite.port());
        }
    }

    private static boolean visible(String name) {
        try {
            Class.forName(name, false, IsolatedRun.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException e) {
            return false;
        }
    }
}

package dev.iolite.server.it;

import dev.iolite.server.testkit.ServerExtension;
import dev.iolite.server.testkit.SqliteOnly;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/** A job create's container probe is bounded at 3 s in all, the TLS handshake included. */
@SqliteOnly("the blob probes' deadline does not depend on the store")
class BlobProbeIT {
    private static final String API = "?api-version=2021-04-12";

    @RegisterExtension
    static final ServerExtension server = new ServerExtension();

    @Test
    void aBlobHostThatNeverAnswersTheTlsHandshakeFailsTheCreateWithinSeconds() throws Exception {
        // GIVEN a blob host on loopback (allowed while the server listens on loopback) that accepts connections
        // and then says nothing, so a TLS handshake never completes
        List<Socket> held = new CopyOnWriteArrayList<>();
        try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Thread acceptor = new Thread(() -> {
                while (!silent.isClosed()) {
                    try {
                        held.add(silent.accept());
                    } catch (Exception e) {
                        return;
                    }
                }
            }, "silent-blob-host");
            acceptor.setDaemon(true);
            acceptor.start();
            String container = "https://127.0.0.1:" + silent.getLocalPort() + "/devstoreaccount1/probe?sv=2021-08-06&sig=x";
            // the Azure SDK loads at the first http(s) container, which takes seconds on a busy machine: load it first
            try (ServerSocket closed = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                String nowhere = "https://127.0.0.1:" + closed.getLocalPort() + "/devstoreaccount1/warm?sig=x";
                closed.close();
                assertThat(server.send("POST", "/jobs/create" + API, server.ownerSas(), "{\"type\":\"export\","
                        + "\"outputBlobContainerUri\":\"" + nowhere + "\",\"excludeKeysInExport\":true}").statusCode()).isEqualTo(400);
            }

            for (String body : new String[] {
                    "{\"type\":\"export\",\"outputBlobContainerUri\":\"" + container + "\",\"excludeKeysInExport\":true}",
                    "{\"type\":\"import\",\"inputBlobContainerUri\":\"" + container + "\",\"outputBlobContainerUri\":\""
                            + container + "\"}"}) {
                // WHEN a job is created with it
                long started = System.nanoTime();
                HttpResponse<String> r = server.send("POST", "/jobs/create" + API, server.ownerSas(), body);
                Duration took = Duration.ofNanos(System.nanoTime() - started);

                // THEN the create fails with IoT Hub's error for an unusable container, within the probe's 3 s
                // (and well before reactor-netty's 10 s handshake timeout)
                assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
                assertThat(ServerExtension.hubError(r).get("errorCode").asInt()).as(r.body()).isEqualTo(400008);
                assertThat(ServerExtension.hubError(r).get("message").asText()).contains("could not be reached");
                assertThat(took).as("the create's time").isGreaterThanOrEqualTo(Duration.ofMillis(2500))
                        .isLessThan(Duration.ofSeconds(6));
                assertThat(held).as("the probe reached the silent host").isNotEmpty();
            }
        } finally {
            for (Socket s : held) s.close();
        }
    }
}

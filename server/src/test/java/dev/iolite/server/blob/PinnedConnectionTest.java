package dev.iolite.server.blob;

import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The blob client connects through the guard's resolver: a host that passes the allow-list by pattern but
 * resolves to an internal address is never connected to, and an explicitly listed one is.
 */
class PinnedConnectionTest {
    @TempDir
    Path root;

    @Test
    void aPatternMatchThatResolvesToLoopbackIsNeverContacted() throws Exception {
        AtomicInteger requests = new AtomicInteger();
        HttpServer storage = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        storage.createContext("/", ex -> {
            requests.incrementAndGet();
            ex.sendResponseHeaders(404, -1);
            ex.close();
        });
        storage.start();
        try {
            // GIVEN a public-looking name that DNS (here, a stand-in) answers with a loopback address
            BlobHostGuard.Lookup dns = host -> host.equals("acct.storage.test")
                    ? new java.net.InetAddress[]{java.net.InetAddress.getByName("127.0.0.1")}
                    : java.net.InetAddress.getAllByName(host);
            String uri = "http://acct.storage.test:" + storage.getAddress().getPort() + "/acct/c?sv=x&sig=y";
            // WHEN it is allowed only by a pattern, THEN nothing connects to the loopback service
            BlobContainers byPattern = new BlobContainers(root,
                    new BlobHostGuard(List.of("*.storage.test"), false, dns), List.of(), () -> 1);
            BlobContainer guarded = byPattern.open("hub", uri, StorageAuth.KEY_BASED, BlobField.INPUT_CONTAINER, false, BlobContainers.Use.PROBE);
            assertThatThrownBy(guarded::exists).isNotNull();
            assertThat(requests.get()).as("requests that reached the loopback service").isZero();
            // AND a loopback IP literal allowed only by pattern is refused before any connection
            assertThatThrownBy(() -> byPattern.open("hub", "http://127.0.0.1:" + storage.getAddress().getPort()
                    + "/acct/c?sig=y", StorageAuth.KEY_BASED, BlobField.INPUT_CONTAINER, false, BlobContainers.Use.PROBE))
                    .hasMessageContaining("may not contact");

            // WHEN the name is listed explicitly, THEN the connection goes to the address the guard resolved
            BlobContainers listed = new BlobContainers(root,
                    new BlobHostGuard(List.of("acct.storage.test"), false, dns), List.of(), () -> 1);
            BlobContainer allowed = listed.open("hub", uri, StorageAuth.KEY_BASED, BlobField.INPUT_CONTAINER, false, BlobContainers.Use.PROBE);
            assertThat(allowed.exists()).as("404 from the listed host: no such container").isFalse();
            assertThat(requests.get()).isPositive();
        } finally {
            storage.stop(0);
        }
    }
}

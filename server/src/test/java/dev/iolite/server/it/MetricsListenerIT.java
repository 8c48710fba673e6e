package dev.iolite.server.it;

import dev.iolite.server.testkit.ServerExtension;
import dev.iolite.server.testkit.SqliteOnly;
import dev.iolite.server.ServerConfig;
import dev.iolite.server.metrics.MetricsEndpoint;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The metrics listener of a server whose API listens on every address: it stays on loopback, needs its bearer
 * token, and answers a scrape at once while other connections hang half-way through a request.
 */
@SqliteOnly("the metrics listener does not depend on the store")
class MetricsListenerIT {
    private static final String TOKEN = "scrape-token-5c1f";

    @RegisterExtension
    static final ServerExtension server = new ServerExtension(c -> c.withHttp(c.http().withBind("0.0.0.0")
            .withMetricsPort(0).withMetricsAccess(null, new ServerConfig.Secret(TOKEN))));

    private static final HttpClient PLAIN = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private static HttpResponse<String> scrape(String authorization) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.ready().get("metricsUrl").asText()))
                .timeout(Duration.ofSeconds(10));
        if (authorization != null) b.header("Authorization", authorization);
        return PLAIN.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static int metricsPort() {
        return URI.create(server.ready().get("metricsUrl").asText()).getPort();
    }

    @Test
    void halfOpenConnectionsNeitherBlockAScrapeNorStayOpen() throws Exception {
        // GIVEN ten connections that each sent half a request and then nothing
        List<Socket> stalled = new ArrayList<>();
        try {
            for (int i = 0; i < 10; i++) {
                Socket s = new Socket(InetAddress.getLoopbackAddress(), metricsPort());
                OutputStream out = s.getOutputStream();
                out.write("GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bea".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                stalled.add(s);
            }

            // WHEN a scraper asks
            long started = System.nanoTime();
            HttpResponse<String> r = scrape("Bearer " + TOKEN);

            // THEN it is answered at once (the one-thread listener answered after 120 s)
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).contains("jvm_memory_used_bytes");
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(3));

            // AND the stalled connections are closed by the server after its idle timeout
            Socket first = stalled.get(0);
            first.setSoTimeout((int) MetricsEndpoint.IDLE_TIMEOUT.plusSeconds(15).toMillis());
            InputStream in = first.getInputStream();
            long waited = System.nanoTime();
            int read;
            try {
                do {
                    read = in.read();
                } while (read >= 0);
            } catch (SocketException reset) {
                read = -1;
            } catch (SocketTimeoutException e) {
                throw new AssertionError("the server kept a half-open connection open for "
                        + Duration.ofNanos(System.nanoTime() - waited).toSeconds() + " s", e);
            }
            assertThat(read).isEqualTo(-1);
        } finally {
            for (Socket s : stalled) s.close();
        }
    }

    @Test
    void aScrapeNeedsTheBearerToken() throws Exception {
        for (String auth : new String[] {null, "Bearer wrong-token", "Bearer " + TOKEN + "x", TOKEN, "Basic " + TOKEN}) {
            HttpResponse<String> r = scrape(auth);
            assertThat(r.statusCode()).as(String.valueOf(auth)).isEqualTo(401);
            assertThat(r.headers().firstValue("WWW-Authenticate").orElse("")).startsWith("Bearer");
            assertThat(r.body()).doesNotContain("jvm_").doesNotContain(TOKEN);
        }
        assertThat(scrape("Bearer " + TOKEN).statusCode()).isEqualTo(200);
    }

    @Test
    void theListenerStaysOnLoopbackWhileTheApiListensEverywhere() throws Exception {
        assertThat(server.ready().get("metricsUrl").asText()).startsWith("http://127.0.0.1:").endsWith("/metrics");
        InetAddress external = null;
        for (NetworkInterface n : Collections.list(NetworkInterface.getNetworkInterfaces())) {
            if (!n.isUp() || n.isLoopback()) continue;
            for (InetAddress a : Collections.list(n.getInetAddresses())) {
                if (a instanceof Inet4Address && !a.isLoopbackAddress()) external = a;
            }
        }
        assumeTrue(external != null, "this machine has an address other than loopback");
        InetAddress address = external;
        // the API answers on that address, the metrics listener does not
        try (Socket api = new Socket()) {
            api.connect(new InetSocketAddress(address, server.port()), 5000);
        }
        assertThatThrownBy(() -> {
            try (Socket metrics = new Socket()) {
                metrics.connect(new InetSocketAddress(address, metricsPort()), 5000);
            }
        }).isInstanceOf(ConnectException.class);
    }
}

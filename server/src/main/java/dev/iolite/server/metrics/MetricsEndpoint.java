package dev.iolite.server.metrics;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.server.ConnectionLimit;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.AbstractHandler;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.BlockingArrayQueue;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.util.thread.Scheduler;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * {@code GET /metrics} in Prometheus's text format, over plain HTTP on a listener of its own, so the API's
 * listener keeps requiring its credentials. Nothing else is served here.
 *
 * <p>A small Jetty server rather than the JDK's {@code HttpServer}: Jetty reads requests without holding a
 * thread until a request is complete, so a connection that sends half a request and stops (or trickles) ties
 * up no thread and never delays another scraper; its idle timeout is a setting of this connector, where the
 * JDK server's read timeouts are JVM-wide system properties. Bounds: {@link #THREADS} threads with a bounded
 * queue, {@link #MAX_CONNECTIONS} connections, {@link #IDLE_TIMEOUT} without a byte and {@link #MAX_CONNECTION_AGE}
 * in all per connection.
 *
 * <p>With a token, every request needs {@code Authorization: Bearer TOKEN} (compared in constant time), else 401.
 */
public final class MetricsEndpoint implements AutoCloseable {
    private static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";
    /** Threads of the listener: one accepts, one selects, the rest answer (a scrape takes milliseconds). */
    static final int THREADS = 6;
    /** Connections open at once; beyond it new ones wait in the backlog until one closes. */
    static final int MAX_CONNECTIONS = 64;
    /** A connection that sends or takes no byte for this long is closed: a half-open one, or an idle keep-alive. */
    public static final Duration IDLE_TIMEOUT = Duration.ofSeconds(5);
    /** A connection is closed this long after it opened, whatever it does: a trickled request cannot last. */
    public static final Duration MAX_CONNECTION_AGE = Duration.ofSeconds(30);

    private final Server server;
    private final ServerConnector connector;

    private MetricsEndpoint(Server server, ServerConnector connector) {
        this.server = server;
        this.connector = connector;
    }

    /**
     * Listens on {@code bind}:{@code port} (0: a free port) until closed.
     *
     * @param token the bearer token every request must carry, or null for none
     * @throws IOException when the address cannot be bound (the cause Jetty gave, such as a BindException)
     */
    public static MetricsEndpoint start(PrometheusMeterRegistry registry, String bind, int port, String token) throws IOException {
        QueuedThreadPool threads = new QueuedThreadPool(THREADS, 2, 60_000, new BlockingArrayQueue<>(MAX_CONNECTIONS));
        threads.setName("iolite-metrics");
        threads.setDaemon(true);
        Server server = new Server(threads);
        server.setStopTimeout(1000);
        HttpConfiguration http = new HttpConfiguration();
        http.setSendServerVersion(false);
        http.setSendDateHeader(false);
        http.setRequestHeaderSize(8 * 1024);
        ServerConnector connector = new ServerConnector(server, 1, 1, new HttpConnectionFactory(http));
        connector.setHost(bind);
        connector.setPort(port);
        connector.setIdleTimeout(IDLE_TIMEOUT.toMillis());
        connector.addBean(new AgeLimit(connector));
        server.addConnector(connector);
        server.addBean(new ConnectionLimit(MAX_CONNECTIONS, connector));
        ErrorHandler errors = new ErrorHandler();
        errors.setShowStacks(false);
        errors.setShowServlet(false);
        server.setErrorHandler(errors);
        server.setHandler(new Scrape(registry, token == null ? null : sha256("Bearer " + token)));
        try {
            server.start();
        } catch (Exception e) {
            try {
                server.stop();
            } catch (Exception ignored) {
                // already failing
            }
            if (e instanceof IOException io) throw io;
            if (e.getCause() instanceof IOException io) throw io;
            throw new IOException("the metrics listener did not start: " + e, e);
        }
        return new MetricsEndpoint(server, connector);
    }

    /** The one route, behind the token when there is one. */
    private static final class Scrape extends AbstractHandler {
        private final PrometheusMeterRegistry registry;
        private final byte[] expected;

        Scrape(PrometheusMeterRegistry registry, byte[] expected) {
            this.registry = registry;
            this.expected = expected;
        }

        @Override
        public void handle(String target, Request base, HttpServletRequest request, HttpServletResponse response)
                throws IOException {
            base.setHandled(true);
            String auth = request.getHeader("Authorization");
            if (expected != null && (auth == null || !MessageDigest.isEqual(expected, sha256(auth)))) {
                response.setHeader("WWW-Authenticate", "Bearer realm=\"iolite-metrics\"");
                send(request, response, 401, "a bearer token is required (see --metrics-token-file)\n");
            } else if (!request.getRequestURI().equals("/metrics")) {
                send(request, response, 404, "not found; metrics are at /metrics\n");
            } else if (!request.getMethod().equals("GET") && !request.getMethod().equals("HEAD")) {
                response.setHeader("Allow", "GET, HEAD");
                send(request, response, 405, "use GET\n");
            } else {
                response.setContentType(CONTENT_TYPE);
                send(request, response, 200, registry.scrape());
            }
        }
    }

    /** Closes each connection {@link #MAX_CONNECTION_AGE} after it opened. */
    private static final class AgeLimit implements Connection.Listener {
        private final ServerConnector connector;
        private final Map<Connection, Scheduler.Task> closes = new ConcurrentHashMap<>();

        AgeLimit(ServerConnector connector) {
            this.connector = connector;
        }

        @Override
        public void onOpened(Connection connection) {
            closes.put(connection, connector.getScheduler().schedule(() -> connection.getEndPoint().close(),
                    MAX_CONNECTION_AGE.toMillis(), TimeUnit.MILLISECONDS));
        }

        @Override
        public void onClosed(Connection connection) {
            Scheduler.Task close = closes.remove(connection);
            if (close != null) close.cancel();
        }
    }

    private static void send(HttpServletRequest request, HttpServletResponse response, int status, String body)
            throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        response.setStatus(status);
        if (response.getContentType() == null) response.setContentType("text/plain; charset=utf-8");
        response.setContentLength(bytes.length);
        if (!request.getMethod().equals("HEAD")) {
            try (OutputStream out = response.getOutputStream()) {
                out.write(bytes);
            }
        }
    }

    private static byte[] sha256(String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JVM; its absence indicates a bug", e);
        }
    }

    public int port() { return connector.getLocalPort(); }

    @Override
    public void close() {
        try {
            server.stop();
        } catch (Exception e) {
            throw new IllegalStateException("the metrics listener did not stop: " + e, e);
        }
    }
}

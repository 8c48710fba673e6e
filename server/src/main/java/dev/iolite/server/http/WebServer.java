package dev.iolite.server.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.iolite.server.errors.ErrorCode;
import dev.iolite.server.errors.IoliteException;
import dev.iolite.server.errors.ThrottledException;
import dev.iolite.server.errors.LogText;
import dev.iolite.server.store.StoreUnavailableException;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import io.javalin.json.JavalinJackson;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.UriCompliance;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import dev.iolite.server.errors.LogKeys;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import org.slf4j.Logger;
import org.slf4j.MDC;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * The HTTPS server: Javalin on Jetty with TLS always. Pipeline, in order:
 * <ol>
 *   <li>Jetty parses the request; malformed request lines and URIs are answered by
 *       {@link JsonErrorHandler} in the hub API's error format;</li>
 *   <li>{@link InFlight} counts the request until its response ends (for a request answered later, when its
 *       asynchronous context completes), for graceful stop;</li>
 *   <li>{@link BodyLimit} caps the body on the bytes read, chunked or not (413);</li>
 *   <li>a before-handler takes the caller's request id or makes one ({@link RequestIds}), echoes it in
 *       {@code x-ms-request-id} (ARM's request id, the hub API's tracking id) and puts it in the log context;</li>
 *   <li>the route tables of each surface authenticate and run their handler;</li>
 *   <li>exceptions are rendered once, in the surface's format ({@link ErrorRenderer}); anything unexpected is
 *       logged with the request id and answered 500;</li>
 *   <li>an after-handler (or, for a route's future that failed, the exception handler, since Javalin runs no
 *       after-handler then) times the request by route template, method and status, and logs it at debug.</li>
 * </ol>
 */
public final class WebServer {
    private static final Logger LOG = LoggerFactory.getLogger(WebServer.class);
    public static final String REQUEST_ID = "iolite.requestId";
    private static final String STARTED = "iolite.started";
    /**
     * The latency histogram's buckets, Prometheus's own defaults: eleven per series keep a scrape small (Micrometer's
     * percentile histogram has about seventy), and cover registry calls (milliseconds) to queries (seconds).
     */
    private static final Duration[] LATENCY_BUCKETS = {Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25),
            Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1),
            Duration.ofMillis(2500), Duration.ofSeconds(5), Duration.ofSeconds(10)};
    /** Every request at debug: method, path, status and time, with the request id from the context. */
    private static final Logger REQUESTS = LoggerFactory.getLogger("dev.iolite.server.http.Requests");

    private final Javalin app;
    private final InFlight inFlight = new InFlight();
    private final MeterRegistry meters;
    private ServerConnector connector;

    /** The tables of routes of one surface. */
    public interface RouteTable {
        void addRoutes(Javalin app);
    }

    public WebServer(String bind, int port, long maxRequestBytes, TlsMaterial tls, ObjectMapper json,
                     ErrorRenderer errors, Clock clock, List<RouteTable> tables, MeterRegistry meters) {
        this.meters = meters;
        char[] keyPassword = UUID.randomUUID().toString().toCharArray();
        this.app = Javalin.create(cfg -> {
            cfg.showJavalinBanner = false;
            cfg.http.maxRequestSize = maxRequestBytes;
            cfg.http.defaultContentType = "application/json; charset=utf-8";
            cfg.router.caseInsensitiveRoutes = true;
            cfg.router.ignoreTrailingSlashes = true;
            cfg.jsonMapper(new JavalinJackson(json, false));
            cfg.jetty.modifyServletContextHandler(handler -> {
                handler.addFilter(new org.eclipse.jetty.servlet.FilterHolder(inFlight), "/*",
                        java.util.EnumSet.of(jakarta.servlet.DispatcherType.REQUEST));
                handler.addFilter(new org.eclipse.jetty.servlet.FilterHolder(new BodyLimit(maxRequestBytes)), "/*",
                        java.util.EnumSet.of(jakarta.servlet.DispatcherType.REQUEST));
            });
            cfg.jetty.modifyServer(server -> {
                server.setStopTimeout(Duration.ofSeconds(30).toMillis());
                server.setErrorHandler(new JsonErrorHandler(errors, clock));
                connector = httpsConnector(server, bind, port, tls, keyPassword);
                server.addConnector(connector);
            });
        });

        app.before(ctx -> {
            ctx.attribute(STARTED, System.nanoTime());
            String id = RequestIds.from(ctx.header("x-ms-request-id"), ctx.header("Request-Id"));
            ctx.attribute(REQUEST_ID, id);
            ctx.header("x-ms-request-id", id);
            MDC.put(LogKeys.REQUEST_ID, id);
        });
        app.after(this::finished);
        app.exception(IoliteException.class, (e, ctx) -> {
            if (e instanceof ThrottledException t) ctx.header("Retry-After", t.retryAfterSeconds());
            respond(ctx, errors, clock, e.errorCode(), e.getMessage());
            if (ctx.req().isAsyncStarted()) finished(ctx);  // a failed future: Javalin runs no after-handler then
        });
        app.exception(StoreUnavailableException.class, (e, ctx) -> {
            LOG.warn("request {} failed: store unavailable: {}", requestId(ctx), e.getMessage());
            respond(ctx, errors, clock, ErrorCode.SERVICE_UNAVAILABLE, "the store is unavailable; try again shortly");
            if (ctx.req().isAsyncStarted()) finished(ctx);
        });
        app.exception(HttpResponseException.class, (e, ctx) -> {
            respond(ctx, errors, clock, ErrorRenderer.forStatus(e.getStatus()), describe(e, ctx));
            if (ctx.req().isAsyncStarted()) finished(ctx);
        });
        app.exception(Exception.class, (e, ctx) -> {
            LOG.error("request {} {} {} failed", requestId(ctx), ctx.method(), LogText.escape(ctx.path()), e);
            respond(ctx, errors, clock, ErrorCode.SERVER_ERROR, "internal error; tracking id " + requestId(ctx));
            if (ctx.req().isAsyncStarted()) finished(ctx);
        });
        app.error(404, ctx -> {
            if (ctx.result() == null || ctx.result().isEmpty()) {
                respond(ctx, errors, clock, ErrorCode.NOT_FOUND, "no operation at " + ctx.method() + " " + ctx.path());
            }
        });
        app.error(405, ctx -> respond(ctx, errors, clock, ErrorCode.METHOD_NOT_ALLOWED,
                ctx.method() + " is not allowed on " + ctx.path()));
        for (RouteTable t : tables) t.addRoutes(app);
    }

    /** The route template that served the request (its ids left out), or "unmatched". */
    private static String route(Context ctx) {
        try {
            String path = ctx.endpointHandlerPath();
            return path == null || path.equals("*") ? "unmatched" : path;
        } catch (RuntimeException e) {
            return "unmatched";
        }
    }

    private static String describe(HttpResponseException e, Context ctx) {
        return switch (e.getStatus()) {
            case 404 -> "no operation at " + ctx.method() + " " + ctx.path();
            case 413 -> "the request body is larger than the server's limit";
            default -> e.getMessage();
        };
    }

    static void respond(Context ctx, ErrorRenderer errors, Clock clock, ErrorCode code, String message) {
        ErrorRenderer.Rendered r = errors.render(ctx.path(), code, message, requestId(ctx), clock.instant());
        ctx.status(r.status());
        if (r.errorCodeHeader() != null) ctx.header("iothub-errorcode", r.errorCodeHeader());
        ctx.contentType("application/json; charset=utf-8");
        ctx.result(r.body());
    }

    public static String requestId(Context ctx) {
        String id = ctx.attribute(REQUEST_ID);
        return id == null ? "-" : id;
    }

    private static ServerConnector httpsConnector(Server server, String bind, int port, TlsMaterial tls, char[] password) {
        SslContextFactory.Server ssl = new SslContextFactory.Server();
        ssl.setKeyStore(tls.keyStore(password));
        ssl.setKeyStorePassword(new String(password));
        ssl.setSniRequired(false);
        HttpConfiguration https = new HttpConfiguration();
        https.setSendServerVersion(false);
        https.setUriCompliance(UriCompliance.LEGACY);
        SecureRequestCustomizer secure = new SecureRequestCustomizer();
        // Clients reach us by IP, "localhost" or a hub host name that the certificate need not carry.
        secure.setSniHostCheck(false);
        https.addCustomizer(secure);
        ServerConnector c = new ServerConnector(server, new SslConnectionFactory(ssl, "http/1.1"),
                new HttpConnectionFactory(https));
        c.setHost(bind);
        c.setPort(port);
        return c;
    }

    public void start() { app.start(); }

    /**
     * True when the server could not start because its address is taken: Javalin reports the bind failure
     * only in its log and then fails as stopped, so the address is tried once more here.
     */
    public static boolean isBindFailure(Throwable e, String bind, int port) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof java.net.BindException) return true;
        }
        if (port == 0) return false;
        try (java.net.ServerSocket probe = new java.net.ServerSocket()) {
            probe.bind(new java.net.InetSocketAddress(bind, port));
            return false;
        } catch (java.io.IOException bound) {
            return true;
        }
    }

    /** A request's end, once: its latency by route and status, its debug line; the request id leaves the log's context. */
    private void finished(Context ctx) {
        Long started = ctx.attribute(STARTED);
        ctx.attribute(STARTED, null);
        if (started != null) {
            long nanos = System.nanoTime() - started;
            String route = route(ctx);
            Timer.builder("http.server.requests").description("HTTPS requests by route template, method and status")
                    .tags("route", route, "method", ctx.method().name(), "status", Integer.toString(ctx.statusCode()))
                    .serviceLevelObjectives(LATENCY_BUCKETS).register(meters).record(nanos, TimeUnit.NANOSECONDS);
            REQUESTS.debug("{} {} {} {} ms", ctx.method(), LogText.escape(ctx.path()), ctx.statusCode(), nanos / 1_000_000);
        }
        MDC.remove(LogKeys.REQUEST_ID);
    }

    public int port() { return connector.getLocalPort(); }

    /** Stops accepting, waits up to {@code grace} for requests in flight, then stops the server. */
    public void stop(Duration grace) {
        try {
            connector.close();
        } catch (RuntimeException e) {
            LOG.debug("closing the connector failed", e);
        }
        long deadline = System.nanoTime() + grace.toNanos();
        while (inFlight.count() > 0 && System.nanoTime() < deadline) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        if (inFlight.count() > 0) LOG.warn("{} HTTPS requests were still in flight after {} s; they end now", inFlight.count(), grace.toSeconds());
        app.stop();
    }

    /** Jetty's own errors (bad request lines, bad URIs, 400s before routing) in the hub API's format. */
    static final class JsonErrorHandler extends ErrorHandler {
        private final ErrorRenderer errors;
        private final Clock clock;

        JsonErrorHandler(ErrorRenderer errors, Clock clock) {
            this.errors = errors;
            this.clock = clock;
        }

        @Override
        public ByteBuffer badMessageError(int status, String reason, HttpFields.Mutable fields) {
            ErrorCode code = ErrorRenderer.forStatus(status);
            String message = "the request could not be read (" + (reason == null ? "HTTP " + status : reason)
                    + "); percent-encode ids and other path segments";
            ErrorRenderer.Rendered r = errors.hub(code, message, UUID.randomUUID().toString(), clock.instant());
            fields.put("Content-Type", "application/json; charset=utf-8");
            fields.put("iothub-errorcode", r.errorCodeHeader());
            return ByteBuffer.wrap(r.body().getBytes(StandardCharsets.UTF_8));
        }

        @Override
        protected void generateAcceptableResponse(org.eclipse.jetty.server.Request baseRequest,
                                                  jakarta.servlet.http.HttpServletRequest request,
                                                  jakarta.servlet.http.HttpServletResponse response, int code,
                                                  String message) throws java.io.IOException {
            String path = request.getRequestURI();
            ErrorRenderer.Rendered r = errors.render(path, ErrorRenderer.forStatus(code),
                    message == null ? "HTTP " + code : message, UUID.randomUUID().toString(), clock.instant());
            baseRequest.setHandled(true);
            response.setContentType("application/json; charset=utf-8");
            if (r.errorCodeHeader() != null) response.setHeader("iothub-errorcode", r.errorCodeHeader());
            response.getOutputStream().write(r.body().getBytes(StandardCharsets.UTF_8));
        }
    }
}

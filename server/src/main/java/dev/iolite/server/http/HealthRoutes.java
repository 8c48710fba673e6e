package dev.iolite.server.http;

import io.javalin.Javalin;

import java.util.function.Supplier;

/**
 * Probes for load balancers and orchestrators, without authentication and small enough to call every
 * second: {@code GET /health/live} answers 200 while the process serves; {@code GET /health/ready}
 * answers 200 when the store answers (its migrations ran when it opened), and 503 with the reason
 * otherwise. The supplier must answer at once and in words fit for anyone: the store's is a cached check
 * on a connection of its own (see {@code jdbc/Readiness.java}), never a pooled connection.
 */
public final class HealthRoutes implements WebServer.RouteTable {
    private final Supplier<String> notReadyBecause;

    /** {@code notReadyBecause} gives null when the server can take requests, or why it cannot. */
    public HealthRoutes(Supplier<String> notReadyBecause) {
        this.notReadyBecause = notReadyBecause;
    }

    @Override
    public void addRoutes(Javalin app) {
        app.get("/health/live", ctx -> ctx.contentType("application/json").result("{\"status\":\"live\"}"));
        app.get("/health/ready", ctx -> {
            String reason = notReadyBecause.get();
            if (reason == null) {
                ctx.contentType("application/json").result("{\"status\":\"ready\"}");
            } else {
                ctx.status(503).contentType("application/json")
                        .result(ctx.jsonMapper().toJsonString(java.util.Map.of("status", "unavailable", "reason", reason),
                                java.util.Map.class));
            }
        });
    }
}

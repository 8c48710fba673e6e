package dev.iolite.server.metrics;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

import java.io.IOException;

/**
 * The server's meters. With metrics on, a Prometheus registry with the JVM's and the process's meters bound,
 * scraped at {@link MetricsEndpoint}; with metrics off, a registry with nothing behind it, whose meters
 * cost a method call, so the code that counts never asks whether metrics are on.
 */
public final class Meters implements AutoCloseable {
    private final MeterRegistry registry;
    private final JvmGcMetrics gc;
    private final MetricsEndpoint endpoint;

    private Meters(MeterRegistry registry, JvmGcMetrics gc, MetricsEndpoint endpoint) {
        this.registry = registry;
        this.gc = gc;
        this.endpoint = endpoint;
    }

    /** No meters recorded, nothing served. */
    public static Meters off() {
        return new Meters(new CompositeMeterRegistry(), null, null);
    }

    /**
     * Meters recorded and served at {@code bind}:{@code port}{@code /metrics} (0: a free port), to callers with
     * {@code token} as their bearer token (null: to every caller).
     */
    public static Meters served(String bind, int port, String token) throws IOException {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        new ClassLoaderMetrics().bindTo(registry);
        new JvmMemoryMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        new FileDescriptorMetrics().bindTo(registry);
        JvmGcMetrics gc = new JvmGcMetrics();
        gc.bindTo(registry);
        try {
            return new Meters(registry, gc, MetricsEndpoint.start(registry, bind, port, token));
        } catch (IOException | RuntimeException e) {
            gc.close();
            registry.close();
            throw e;
        }
    }

    public MeterRegistry registry() { return registry; }

    /** The port metrics are served on, or -1 when they are off. */
    public int port() { return endpoint == null ? -1 : endpoint.port(); }

    @Override
    public void close() {
        if (endpoint != null) endpoint.close();
        if (gc != null) gc.close();
        registry.close();
    }
}

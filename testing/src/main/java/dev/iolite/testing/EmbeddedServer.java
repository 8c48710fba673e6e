package dev.iolite.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

/**
 * One server in the embedded server's class loader ({@link ServerBundle#loader()}), whose parent is the platform
 * class loader: it sees the JDK and its own jars, never the test suite's class path, so its Jackson, Jetty, Netty
 * or azure-core and the suite's never meet. This class talks to the bundle's
 * {@code dev.iolite.testing.bundle.Bridge} by reflection, with JDK types only. {@link #close()} stops the server:
 * its threads, connections and store.
 */
final class EmbeddedServer implements AutoCloseable {
    private static final String BRIDGE = "dev.iolite.testing.bundle.Bridge";

    private final ClassLoader loader;
    private final Object bridge;
    private final Map<String, Object> facts;

    private EmbeddedServer(ClassLoader loader, Object bridge, Map<String, Object> facts) {
        this.loader = loader;
        this.bridge = bridge;
        this.facts = facts;
    }

    static EmbeddedServer start(Path dataDir, String hubName, String postgresUrl, boolean jobQueue) throws IOException {
        ClassLoader loader = ServerBundle.loader();
        try {
            Class<?> type = Class.forName(BRIDGE, true, loader);
            Method start = type.getMethod("start", Path.class, String.class, String.class, boolean.class);
            Object bridge = call(loader, start, null, dataDir, hubName, postgresUrl, jobQueue);
            @SuppressWarnings("unchecked")
            Map<String, Object> facts = (Map<String, Object>) call(loader, type.getMethod("facts"), bridge);
            return new EmbeddedServer(loader, bridge, facts);
        } catch (ClassNotFoundException | NoSuchMethodException e) {
            throw new IllegalStateException("iolite-testing's embedded server does not match its API: " + e, e);
        }
    }

    String text(String fact) { return (String) facts.get(fact); }

    Path path(String fact) { return (Path) facts.get(fact); }

    int port() { return (Integer) facts.get("port"); }

    String sasToken(String hostName, String policy, String key, Instant expiresAt) {
        return (String) invoke("sasToken", new Class<?>[] {String.class, String.class, String.class, Instant.class},
                hostName, policy, key, expiresAt);
    }

    String armToken(Duration ttl) {
        return (String) invoke("armToken", new Class<?>[] {Duration.class}, ttl);
    }

    /** The iothubowner key in an ARM listkeys answer, or null. */
    String ownerKey(String listKeysJson) {
        return (String) invoke("ownerKey", new Class<?>[] {String.class}, listKeysJson);
    }

    String devicePrimaryKey(String deviceJson) {
        return (String) invoke("devicePrimaryKey", new Class<?>[] {String.class}, deviceJson);
    }

    int mqttPort() { return (Integer) facts.get("mqttPort"); }

    int amqpPort() { return (Integer) facts.get("amqpPort"); }

    @Override
    public void close() {
        invoke("close", new Class<?>[0]);
    }

    private Object invoke(String name, Class<?>[] types, Object... args) {
        try {
            return call(loader, bridge.getClass().getMethod(name, types), bridge, args);
        } catch (NoSuchMethodException e) {
            throw new IllegalStateException("iolite-testing's embedded server does not match its API: " + e, e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Calls into the bundle with its class loader as the thread's context class loader, so that threads the server
     * starts and any library looking up services through the context see the bundle, not the test suite. An
     * exception of the bundle's own types is rethrown as {@link IllegalStateException} naming it, as the suite
     * cannot catch types it does not see.
     */
    private static Object call(ClassLoader loader, Method m, Object target, Object... args) throws IOException {
        Thread t = Thread.currentThread();
        ClassLoader before = t.getContextClassLoader();
        t.setContextClassLoader(loader);
        try {
            return m.invoke(target, args);
        } catch (InvocationTargetException e) {
            Throwable cause = e.getCause();
            if (cause.getClass().getClassLoader() == loader) throw new IllegalStateException(cause.toString(), cause);
            if (cause instanceof IOException io) throw io;
            if (cause instanceof RuntimeException r) throw r;
            if (cause instanceof Error err) throw err;
            throw new IllegalStateException(cause.toString(), cause);
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(e);
        } finally {
            t.setContextClassLoader(before);
        }
    }
}

package dev.iolite.testing;

import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.jupiter.api.extension.TestInstancePostProcessor;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;

/**
 * A JUnit 5 extension that starts an {@link IoliteServer} and injects it into test methods' and
 * constructors' parameters and into fields of type {@code IoliteServer}.
 *
 * <pre>{@code
 * @ExtendWith(IoliteExtension.class)
 * class RegistryTest {
 *     @Test
 *     void createsADevice(IoliteServer iolite) { ... }
 * }
 * }</pre>
 *
 * With {@code @ExtendWith} each test class gets its own server, stopped after the class. To choose options, or
 * to share one server among every test class of the JVM, register it instead:
 * {@code @RegisterExtension static IoliteExtension iolite = new IoliteExtension(IoliteServer.builder().extraHubs("b"), Scope.JVM);}
 * A shared server is stopped when the test run ends (at the latest when the JVM exits); classes that register
 * the same options object (or {@link #sharedPerJvm()}) share one server.
 */
public final class IoliteExtension implements BeforeAllCallback, TestInstancePostProcessor, ParameterResolver {
    /** How long a server lives: one test class (and its nested classes), or the whole run in this JVM. */
    public enum Scope { CLASS, JVM }

    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(IoliteExtension.class);

    private final IoliteServer.Builder options;
    private final Scope scope;
    private final String key;

    /** One server per test class, with the defaults. */
    public IoliteExtension() {
        this(IoliteServer.builder(), Scope.CLASS);
    }

    /** A server with {@code options}, per test class or per JVM. */
    public IoliteExtension(IoliteServer.Builder options, Scope scope) {
        this.options = options;
        this.scope = scope;
        this.key = "server:" + scope + ":" + System.identityHashCode(options);
    }

    /** A server with the defaults, shared by every test class of the JVM that uses this. */
    public static IoliteExtension sharedPerJvm() {
        return new IoliteExtension(SharedDefaults.OPTIONS, Scope.JVM);
    }

    /** The server of {@code context}'s class (or of the JVM), started on first use. */
    public IoliteServer server(ExtensionContext context) {
        ExtensionContext owner = scope == Scope.JVM ? context.getRoot() : classContext(context);
        return owner.getStore(NAMESPACE).getOrComputeIfAbsent(key, k -> new Running(options.start()), Running.class).server;
    }

    @Override
    public void beforeAll(ExtensionContext context) throws IllegalAccessException {
        IoliteServer server = server(context);
        for (Field f : fields(context.getRequiredTestClass())) {
            if (Modifier.isStatic(f.getModifiers())) set(f, null, server);
        }
    }

    @Override
    public void postProcessTestInstance(Object testInstance, ExtensionContext context) throws IllegalAccessException {
        IoliteServer server = server(context);
        for (Field f : fields(testInstance.getClass())) {
            if (!Modifier.isStatic(f.getModifiers())) set(f, testInstance, server);
        }
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == IoliteServer.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        return server(context);
    }

    private static ExtensionContext classContext(ExtensionContext context) {
        ExtensionContext c = context;
        // the outermost class context: nested classes share their enclosing class's server
        while (c.getParent().isPresent() && c.getParent().get().getTestClass().isPresent()) c = c.getParent().get();
        return c;
    }

    private static java.util.List<Field> fields(Class<?> type) {
        java.util.List<Field> out = new java.util.ArrayList<>();
        for (Class<?> c = type; c != null && c != Object.class; c = c.getSuperclass()) {
            for (Field f : c.getDeclaredFields()) {
                if (f.getType() == IoliteServer.class && !Modifier.isFinal(f.getModifiers())) out.add(f);
            }
        }
        return out;
    }

    private static void set(Field f, Object target, IoliteServer server) throws IllegalAccessException {
        f.setAccessible(true);
        if (f.get(target) == null) f.set(target, server);
    }

    /** A server held in a JUnit store, which stops it when the store's context ends. */
    private static final class Running implements ExtensionContext.Store.CloseableResource, AutoCloseable {
        private final IoliteServer server;
        private final Thread atExit;

        Running(IoliteServer server) {
            this.server = server;
            this.atExit = new Thread(server::close, "iolite-test-server-stop");
            Runtime.getRuntime().addShutdownHook(atExit);
        }

        @Override
        public void close() {
            server.close();
            try {
                Runtime.getRuntime().removeShutdownHook(atExit);
            } catch (IllegalStateException e) {
                // the JVM is already exiting; the hook stops nothing twice
            }
        }
    }

    /** The defaults of {@link #sharedPerJvm()}: one options object, so that every class shares one server. */
    private static final class SharedDefaults {
        static final IoliteServer.Builder OPTIONS = IoliteServer.builder();
    }
}

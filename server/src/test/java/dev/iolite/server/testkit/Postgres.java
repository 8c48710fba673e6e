package dev.iolite.server.testkit;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * A real PostgreSQL server for the tests, started from the machine's PostgreSQL binaries (Debian's
 * package, which .ci/run installs) on a free loopback port, in a fresh cluster under a temporary
 * folder; one per test JVM, stopped when the JVM exits. Each caller gets a database of its own.
 * As root, the server runs as the {@code postgres} user, since PostgreSQL refuses to run as root.
 */
public final class Postgres {
    /** {@code -Diolite.test.store=postgresql} runs the integration suite on PostgreSQL. */
    public static final boolean SELECTED = "postgresql".equalsIgnoreCase(System.getProperty("iolite.test.store", "sqlite"));
    private static Postgres instance;

    private final Path bin;
    private final Path dir;
    private final int port;
    private final boolean asRoot;
    private final AtomicInteger databases = new AtomicInteger();

    private Postgres(Path bin, Path dir, int port, boolean asRoot) {
        this.bin = bin;
        this.dir = dir;
        this.port = port;
        this.asRoot = asRoot;
    }

    public static synchronized Postgres get() {
        if (instance == null) instance = startNew();
        return instance;
    }

    /** A server of the caller's own (tests that stop and start it), stopped when the JVM exits or on {@link #destroy}. */
    public static Postgres startNew() {
        try {
            Path bin = findBin();
            Path dir = Files.createTempDirectory("iolite-pg");
            boolean asRoot = "root".equals(System.getProperty("user.name"));
            Postgres pg = new Postgres(bin, dir, freePort(), asRoot);
            pg.initdb();
            pg.start();
            Runtime.getRuntime().addShutdownHook(new Thread(pg::destroy, "iolite-test-postgres-stop"));
            return pg;
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException("could not start PostgreSQL for the tests: " + e.getMessage(), e);
        }
    }

    public int port() { return port; }

    /** A new empty database, as a store URL with credentials (postgresql://USER:PASSWORD@HOST:PORT/DB). */
    public String newDatabase() {
        String name = "iolite_" + databases.incrementAndGet();
        try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/postgres", "iolite", "iolite");
             Statement st = c.createStatement()) {
            st.execute("CREATE DATABASE " + name);
        } catch (SQLException e) {
            throw new IllegalStateException("could not create database " + name + ": " + e.getMessage(), e);
        }
        return "postgresql://iolite:iolite@127.0.0.1:" + port + "/" + name;
    }

    /** Starts the server (again, after {@link #stop}); returns once it accepts connections. */
    public void start() throws IOException, InterruptedException {
        run(bin.resolve("pg_ctl").toString(), "-D", dir.resolve("data").toString(), "-l", dir.resolve("server.log").toString(),
                "-w", "-t", "60", "-o", "-p " + port + " -k " + dir + " -c listen_addresses=127.0.0.1 -c fsync=off "
                        + "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200", "start");
    }

    /** Stops the server at once (clients see their connections fail). */
    public void stop() throws IOException, InterruptedException {
        run(bin.resolve("pg_ctl").toString(), "-D", dir.resolve("data").toString(), "-m", "fast", "-w", "stop");
    }

    private void initdb() throws IOException, InterruptedException {
        if (asRoot) run0("chown", "postgres:postgres", dir.toString());
        Path pw = dir.resolve("pw");
        Files.writeString(pw, "iolite\n", StandardCharsets.UTF_8);
        if (asRoot) run0("chown", "postgres:postgres", pw.toString());
        run(bin.resolve("initdb").toString(), "-D", dir.resolve("data").toString(), "-U", "iolite", "--pwfile", pw.toString(),
                "--auth=scram-sha-256", "-E", "UTF8", "--locale=C");
    }

    /** Stops the server and removes its files. */
    public void destroy() {
        try {
            stop();
        } catch (IOException | InterruptedException | RuntimeException e) {
            // already stopped
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a temporary folder; the OS cleans it eventually
        }
    }

    private void run(String... cmd) throws IOException, InterruptedException {
        List<String> full = new ArrayList<>();
        if (asRoot) full.addAll(List.of("runuser", "-u", "postgres", "--"));
        full.addAll(List.of(cmd));
        run0(full.toArray(String[]::new));
    }

    private static void run0(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException(String.join(" ", cmd) + " failed: " + out);
        }
    }

    /** PostgreSQL's server binaries: IOLITE_PG_BIN, else Debian's newest /usr/lib/postgresql/N/bin. */
    private static Path findBin() throws IOException {
        String env = System.getenv("IOLITE_PG_BIN");
        if (env != null && !env.isBlank()) return Path.of(env);
        Path root = Path.of("/usr/lib/postgresql");
        if (Files.isDirectory(root)) {
            try (Stream<Path> versions = Files.list(root)) {
                Path newest = versions.filter(v -> Files.isExecutable(v.resolve("bin/initdb")))
                        .max(Comparator.comparingInt(v -> Integer.parseInt(v.getFileName().toString().replaceAll("\\D", "0"))))
                        .orElse(null);
                if (newest != null) return newest.resolve("bin");
            }
        }
        throw new IOException("no PostgreSQL server binaries: install Debian's 'postgresql' package (.ci/run does) "
                + "or set IOLITE_PG_BIN");
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}

package dev.iolite.testing;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The artifact needs nothing on the test suite's class path but itself and JUnit's API, and unpacks its server safely. */
class IsolationTest {
    @Test
    void theApiLoadsAndAServerRunsWithOnlyTheArtifactAndJunitOnTheClassPath() throws Exception {
        List<String> classPath = List.of(codeSource(IoliteServer.class), codeSource(org.junit.jupiter.api.extension.Extension.class),
                codeSource(org.junit.platform.commons.util.Preconditions.class), codeSource(org.opentest4j.AssertionFailedError.class),
                codeSource(org.apiguardian.api.API.class));
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Path source = Path.of("src/test/java/dev/iolite/testing/IsolatedRun.java").toAbsolutePath();
        Process p = new ProcessBuilder(java.toString(), "-cp", String.join(File.pathSeparator, classPath), source.toString())
                .redirectErrorStream(true).start();
        String output;
        try (var in = p.getInputStream()) {
            output = new String(in.readAllBytes());
        }
        assertThat(p.waitFor(5, TimeUnit.MINUTES)).isTrue();
        assertThat(p.exitValue()).as(output).isZero();
        assertThat(output).contains("isolated run: ok");
    }

    @Test
    void jvmsUnpackingAtOnceShareOneCompleteOwnerOnlyCopyAndOldCopiesGo(@TempDir Path root) throws Exception {
        Path old = Files.createDirectory(root.resolve("0".repeat(32)));
        Files.setLastModifiedTime(old, FileTime.from(Instant.now().minus(Duration.ofDays(2))));
        Path recent = Files.createDirectory(root.resolve("1".repeat(32)));
        ExecutorService pool = Executors.newFixedThreadPool(3);
        try {
            List<Future<List<URL>>> runs = new ArrayList<>();
            Callable<List<URL>> unpack = () -> ServerBundle.extract(root);
            for (int i = 0; i < 3; i++) runs.add(pool.submit(unpack));
            List<URL> first = runs.get(0).get(5, TimeUnit.MINUTES);
            for (Future<List<URL>> run : runs) assertThat(run.get(5, TimeUnit.MINUTES)).isEqualTo(first);
            assertThat(first).isNotEmpty().allSatisfy(u -> assertThat(Path.of(u.toURI())).isRegularFile());
        } finally {
            pool.shutdownNow();
        }
        try (var left = Files.list(root)) {
            List<Path> folders = left.filter(f -> !f.equals(recent)).toList();
            assertThat(folders).as("one copy, no half-written one, the unused one gone").hasSize(1);
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(folders.get(0)))).isEqualTo("rwx------");
        }
        assertThat(recent).as("a copy used within the day stays").isDirectory();
    }

    @Test
    void closingServersEndsEveryThreadTheyStarted() throws Exception {
        for (int i = 0; i < 2; i++) {
            try (IoliteServer s = IoliteServer.builder().extraHubs("second").start()) {
                assertThat(s.armToken()).isNotEmpty();
                assertThat(serverThreads(ServerBundle.loader())).as("the check below sees the server's threads").isNotEmpty();
            }
        }
        ClassLoader bundle = ServerBundle.loader();
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        List<String> left = serverThreads(bundle);
        while (!left.isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(100);
            left = serverThreads(bundle);
        }
        assertThat(left).as("threads of the embedded server alive after close").isEmpty();
    }

    /** Threads started by the server, or by its threads: they inherit the bundle's loader as their context class loader. */
    private static List<String> serverThreads(ClassLoader bundle) {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && t.getContextClassLoader() == bundle).map(Thread::getName).toList();
    }

    private static String codeSource(Class<?> type) throws URISyntaxException {
        return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    }
}

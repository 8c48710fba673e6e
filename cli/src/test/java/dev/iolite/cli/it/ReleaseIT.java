package dev.iolite.cli.it;

import dev.iolite.server.testkit.SqliteOnly;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.ZipFile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The release archive that {@code mvn package} makes (cli/target/iolite-VERSION.tar.gz), unpacked and run as a
 * user without a build runs it: a PATH with java and the basic shell tools only, no Maven, no JAVA_HOME, no
 * IOLITE_* variables, a HOME of its own.
 */
@SqliteOnly("the release archive runs its demo on the default store")
class ReleaseIT {
    private static final Path TARGET = Path.of("target").toAbsolutePath();
    /** What the launcher may call besides java; {@code sh} is reached by its absolute path in the #! line. */
    private static final List<String> TOOLS = List.of("sh", "ls", "sed", "dirname", "cksum", "cut", "mkdir", "find",
            "rm", "mv", "sleep", "env");
    private static final Set<PosixFilePermission> WRITABLE_BY_OTHERS =
            Set.of(PosixFilePermission.GROUP_WRITE, PosixFilePermission.OTHERS_WRITE);

    @TempDir
    Path tmp;

    private final List<Process> started = new ArrayList<>();

    /** The archive runs on its default store: the SQLite run of the integration tests only (also under -Dit.test). */
    @BeforeEach
    void sqliteRunOnly() {
        assumeFalse("postgresql".equalsIgnoreCase(System.getProperty("iolite.test.store")), "SQLite run only");
    }

    @AfterEach
    void noProcessOutlivesTheTest() {
        for (Process p : started) if (p.isAlive()) p.destroyForcibly();
    }

    @Test
    void theArchiveHoldsLauncherJarLicensesAndReadme() throws Exception {
        Path home = unpack(tmp.resolve("unpacked"));

        assertThat(home.resolve("bin/iolite")).isRegularFile().isExecutable();
        assertThat(Files.readString(home.resolve("bin/iolite"))).startsWith("#!/bin/sh\n").doesNotContain("mvn ");
        assertThat(home.resolve("lib/iolite.jar")).isRegularFile();
        assertThat(Files.readString(home.resolve("LICENSE"))).contains("Apache License", "Version 2.0, January 2004");
        assertThat(Files.readString(home.resolve("README.md")))
                .contains("# Iolite " + version(), "bin/iolite demo", "Java 17");
        // every library in the jar is listed with its license: the Maven dependencies in THIRD-PARTY.txt, the
        // libraries that some of them carry inside their own jars in THIRD-PARTY-BUNDLED.txt
        List<String> shaded = shadedLibraries(home.resolve("lib/iolite.jar"));
        assertThat(shaded).as("libraries inside the jar").hasSizeGreaterThan(30)
                .contains("io.javalin:javalin", "org.xerial:sqlite-jdbc", "com.fasterxml.jackson.core:jackson-databind");
        Set<String> listed = new java.util.TreeSet<>();
        Pattern entry = Pattern.compile("(?m)^ +\\(.*\\(([^:() ]+:[^:() ]+):[^ ]+ - ");
        for (String list : List.of("THIRD-PARTY.txt", "THIRD-PARTY-BUNDLED.txt")) {
            Matcher m = entry.matcher(Files.readString(home.resolve(list)));
            while (m.find()) listed.add(m.group(1));
        }
        assertThat(listed).as("the libraries THIRD-PARTY*.txt list with a license").containsAll(shaded);
        // and the license and notice files the libraries ship, one folder each
        try (Stream<Path> files = Files.walk(home.resolve("licenses"))) {
            List<String> names = files.filter(Files::isRegularFile).map(f -> home.relativize(f).toString()).toList();
            assertThat(names).contains("licenses/com.fasterxml.jackson.core.jackson-databind/META-INF/LICENSE",
                    "licenses/org.postgresql.postgresql/META-INF/LICENSE");
        }
        // sane modes: nothing writable by group or others, the launcher executable by all
        try (Stream<Path> all = Files.walk(home)) {
            for (Path p : all.toList()) {
                assertThat(Files.getPosixFilePermissions(p)).as(p.toString()).doesNotContainAnyElementsOf(WRITABLE_BY_OTHERS);
            }
        }
        assertThat(Files.getPosixFilePermissions(home.resolve("bin/iolite"))).contains(PosixFilePermission.OWNER_EXECUTE,
                PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.OTHERS_EXECUTE);
    }

    @Test
    void demoRunsWithAJavaRuntimeOnlyAndTheSecondStartUsesTheClassDataArchive() throws Exception {
        Path home = unpack(tmp.resolve("unpacked"));
        Map<String, String> env = javaOnly();
        assertThat(run(env, List.of("sh", "-c", "command -v mvn || echo no-maven"), 30).out.trim())
                .as("the PATH of the runs").isEqualTo("no-maven");

        // WHEN the first start asks for the version
        Result version = run(env, List.of(home.resolve("bin/iolite").toString(), "--version"), 300);

        // THEN it answers, having made the class-data archive once, in lib/
        assertThat(version.code).as(version.err).isZero();
        assertThat(version.out).startsWith("iolite " + version() + " ");
        assertThat(version.err).contains("first start: making a class-data archive");
        Path archive = onlyArchive(home.resolve("lib"));
        FileTime made = Files.getLastModifiedTime(archive);

        // WHEN a second start runs the demo on 2,000 devices
        Path data = tmp.resolve("demo-data");
        Result demo = run(env, List.of(home.resolve("bin/iolite").toString(), "demo", "--devices", "2000",
                "--data-dir", data.toString()), 300);

        // THEN the figures are the demo's, and the archive was used as it was, not made again
        assertThat(demo.code).as(demo.out + demo.err).isZero();
        assertThat(demo.out).contains("Generating 2,000 devices")
                .contains("now holds 2,000 devices: 1,800 enabled, 200 disabled")
                .contains("2,100 lines applied, 3 failed")
                .contains("Export: 2,100 identities written")
                .contains("Server stopped");
        // and the commands it suggests name the launcher the user ran, not the clone's ./iolite
        assertThat(demo.out).contains("Next: '" + home.resolve("bin/iolite") + " serve --data-dir " + data + "'")
                .doesNotContain("./iolite");
        assertThat(demo.err).doesNotContain("class-data archive");
        assertThat(onlyArchive(home.resolve("lib"))).isEqualTo(archive);
        assertThat(Files.getLastModifiedTime(archive)).isEqualTo(made);
        assertThat(data.resolve("ready.json")).doesNotExist();

        // and the runtime maps its classes from the archive
        Map<String, String> logging = new java.util.HashMap<>(env);
        logging.put("IOLITE_JAVA_OPTS", "-Xlog:class+load=info");
        Result logged = run(logging, List.of(home.resolve("bin/iolite").toString(), "--version"), 120);
        assertThat(logged.code).as(logged.err).isZero();
        assertThat(logged.out).contains("dev.iolite.cli.Main source: shared objects file (top)");
    }

    @Test
    void concurrentFirstStartsAllRunAndLeaveOneGoodArchive() throws Exception {
        Path home = unpack(tmp.resolve("unpacked"));
        Map<String, String> env = javaOnly();
        List<Integer> first = new ArrayList<>();
        for (int i = 0; i < 3; i++) first.add(start(env, List.of(home.resolve("bin/iolite").toString(), "--version")));
        for (int n : first) {
            assertThat(started.get(n).waitFor(300, TimeUnit.SECONDS)).isTrue();
            assertThat(started.get(n).exitValue()).as(Files.readString(tmp.resolve("start-" + n + ".err"))).isZero();
            assertThat(Files.readString(tmp.resolve("start-" + n + ".out"))).startsWith("iolite " + version() + " ");
        }
        Path archive = onlyArchive(home.resolve("lib"));
        try (Stream<Path> left = Files.list(home.resolve("lib"))) {
            assertThat(left.map(p -> p.getFileName().toString()))
                    .as("no lock or half-written archive is left").containsExactlyInAnyOrder("iolite.jar",
                            archive.getFileName().toString());
        }

        // an archive that is not one (damaged, or of another runtime) is ignored: the start still works
        Files.write(archive, "not a class-data archive".repeat(1000).getBytes(StandardCharsets.US_ASCII));
        Result damaged = run(env, List.of(home.resolve("bin/iolite").toString(), "--version"), 120);
        assertThat(damaged.code).as(damaged.err).isZero();
        assertThat(damaged.out).startsWith("iolite " + version() + " ");
    }

    @Test
    void anInstallTheUserCannotWriteKeepsTheArchiveInTheUsersCache() throws Exception {
        // another user than the owner of the install: root runs the launcher as nobody
        assumeTrue("root".equals(System.getProperty("user.name")) && Files.isExecutable(Path.of("/usr/bin/setpriv")),
                "needs root and util-linux setpriv to run as another user");
        Path shared = Files.createTempDirectory("iolite-release-");
        try {
            Files.setPosixFilePermissions(shared, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
            Path home = unpack(shared.resolve("opt"));
            Path user = Files.createDirectories(shared.resolve("nobody"));
            Files.setOwner(user, user.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("nobody"));
            Map<String, String> env = javaOnly(Files.createDirectories(shared.resolve("path")));
            env.put("HOME", user.toString());

            Result first = run(env, List.of("/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                    home.resolve("bin/iolite").toString(), "--version"), 300, user);

            assertThat(first.code).as(first.err).isZero();
            assertThat(first.out).startsWith("iolite " + version() + " ");
            try (Stream<Path> lib = Files.list(home.resolve("lib"))) {
                assertThat(lib.map(p -> p.getFileName().toString())).containsExactly("iolite.jar");
            }
            Path cache;
            try (Stream<Path> dirs = Files.list(user.resolve(".cache/iolite"))) {
                cache = dirs.toList().get(0);
            }
            Path archive = onlyArchive(cache);
            Result second = run(env, List.of("/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                    home.resolve("bin/iolite").toString(), "--version"), 120, user);
            assertThat(second.code).as(second.err).isZero();
            assertThat(second.err).doesNotContain("class-data archive");
            assertThat(onlyArchive(cache)).isEqualTo(archive);
        } finally {
            try (Stream<Path> all = Files.walk(shared)) {
                for (Path p : all.sorted(java.util.Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
            }
        }
    }

    /** The one release archive in target/, unpacked into {@code into} with the machine's tar; its top folder. */
    private Path unpack(Path into) throws Exception {
        Files.createDirectories(into);
        Path archive = TARGET.resolve("iolite-" + version() + ".tar.gz");
        Result tar = run(System.getenv(), List.of("tar", "-xzf", archive.toString(), "-C", into.toString()), 120);
        assertThat(tar.code).as(tar.err).isZero();
        try (Stream<Path> top = Files.list(into)) {
            assertThat(top.map(p -> p.getFileName().toString())).as("the top folders of " + archive)
                    .containsExactly("iolite-" + version());
        }
        return into.resolve("iolite-" + version());
    }

    /** The version of the one iolite-VERSION.tar.gz in target/. */
    private static String version() throws IOException {
        try (Stream<Path> files = Files.list(TARGET)) {
            List<String> versions = files.map(p -> p.getFileName().toString())
                    .map(Pattern.compile("iolite-(.+)\\.tar\\.gz")::matcher).filter(Matcher::matches)
                    .map(m -> m.group(1)).toList();
            assertThat(versions).as("release archives in " + TARGET + " (made by mvn package)").hasSize(1);
            return versions.get(0);
        }
    }

    /** group:artifact of every library whose Maven coordinates the shaded jar carries, Iolite's own left out. */
    private static List<String> shadedLibraries(Path jar) throws IOException {
        Pattern pom = Pattern.compile("META-INF/maven/([^/]+)/([^/]+)/pom\\.properties");
        try (ZipFile zip = new ZipFile(jar.toFile())) {
            return zip.stream().map(e -> pom.matcher(e.getName())).filter(Matcher::matches)
                    .map(m -> m.group(1) + ":" + m.group(2)).filter(l -> !l.startsWith("dev.iolite:")).sorted().toList();
        }
    }

    private static Path onlyArchive(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            List<Path> archives = files.filter(p -> p.getFileName().toString().endsWith(".jsa")).toList();
            assertThat(archives).as("class-data archives in " + dir).hasSize(1);
            assertThat(Files.size(archives.get(0))).isGreaterThan(1_000_000);
            return archives.get(0);
        }
    }

    /**
     * An environment with a PATH of one folder holding links to this test's java and the shell tools the launcher
     * uses, a HOME of its own, and nothing of Maven, JAVA_HOME or IOLITE_*.
     */
    private Map<String, String> javaOnly() throws IOException {
        Map<String, String> env = javaOnly(Files.createDirectories(tmp.resolve("path")));
        env.put("HOME", Files.createDirectories(tmp.resolve("home")).toString());
        return env;
    }

    /** As {@link #javaOnly()}, with the links in {@code bin} and no HOME. */
    private static Map<String, String> javaOnly(Path bin) throws IOException {
        Files.createSymbolicLink(bin.resolve("java"), Path.of(System.getProperty("java.home"), "bin", "java"));
        for (String tool : TOOLS) {
            Path found = Stream.of("/usr/bin", "/bin").map(d -> Path.of(d, tool)).filter(Files::isExecutable)
                    .findFirst().orElseThrow(() -> new AssertionError("no " + tool + " on this machine"));
            Files.createSymbolicLink(bin.resolve(tool), found);
        }
        Map<String, String> env = new java.util.HashMap<>();
        env.put("PATH", bin.toString());
        env.put("LANG", "C.UTF-8");
        return env;
    }

    private record Result(int code, String out, String err) {
    }

    private Result run(Map<String, String> env, List<String> command, int seconds) throws Exception {
        return run(env, command, seconds, Files.createDirectories(tmp.resolve("work")));
    }

    private Result run(Map<String, String> env, List<String> command, int seconds, Path workDir) throws Exception {
        int n = start(env, command, workDir);
        Process p = started.get(n);
        assertThat(p.waitFor(seconds, TimeUnit.SECONDS)).as(String.join(" ", command) + " ends within " + seconds + " s")
                .isTrue();
        return new Result(p.exitValue(), Files.readString(tmp.resolve("start-" + n + ".out")),
                Files.readString(tmp.resolve("start-" + n + ".err")));
    }

    private int start(Map<String, String> env, List<String> command) throws IOException {
        return start(env, command, Files.createDirectories(tmp.resolve("work")));
    }

    /** Starts {@code command} in {@code workDir} with exactly {@code env}; its output goes to tmp/start-N.out and .err. */
    private int start(Map<String, String> env, List<String> command, Path workDir) throws IOException {
        int n = started.size();
        ProcessBuilder pb = new ProcessBuilder(command).directory(workDir.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                .redirectOutput(tmp.resolve("start-" + n + ".out").toFile())
                .redirectError(tmp.resolve("start-" + n + ".err").toFile());
        pb.environment().clear();
        pb.environment().putAll(env);
        started.add(pb.start());
        return n;
    }
}

package dev.iolite.server.testkit;

import com.azure.storage.blob.BlobContainerClient;
import com.azure.storage.blob.BlobServiceClient;
import com.azure.storage.blob.BlobServiceClientBuilder;
import com.azure.storage.blob.sas.BlobContainerSasPermission;
import com.azure.storage.blob.sas.BlobServiceSasSignatureValues;
import com.azure.storage.common.StorageSharedKeyCredential;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real Azurite blob service (https://github.com/Azure/Azurite) for the test JVM: the pinned npm package, installed
 * into {@code .cache/azurite} of the repository on first use, started with node on a free loopback
 * port, and stopped when the JVM's tests are done.
 */
public final class Azurite implements ExtensionContext.Store.CloseableResource {
    public static final String VERSION = "3.37.0";
    public static final String ACCOUNT = "devstoreaccount1";
    public static final String KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private static Azurite instance;

    private final Process process;
    private final int port;
    private final Path location;
    public final BlobServiceClient service;

    private Azurite(Process process, int port, Path location) {
        this.process = process;
        this.port = port;
        this.location = location;
        this.service = new BlobServiceClientBuilder().endpoint(endpoint())
                .credential(new StorageSharedKeyCredential(ACCOUNT, KEY)).buildClient();
    }

    /** The shared instance, started on first use and stopped when the root context closes (the run's or the class's end). */
    public static synchronized Azurite get(ExtensionContext context) throws Exception {
        if (instance == null) {
            instance = start();
            context.getRoot().getStore(ExtensionContext.Namespace.GLOBAL).put("iolite.azurite", instance);
        }
        return instance;
    }

    public String endpoint() { return "http://127.0.0.1:" + port + "/" + ACCOUNT; }

    /** A fresh container and a SAS URI for it with the permissions of the given letters (e.g. racwdl). */
    public String container(String name, String permissions) {
        BlobContainerClient c = service.getBlobContainerClient(name);
        if (!c.exists()) c.create();
        return sasUri(name, permissions);
    }

    public String sasUri(String name, String permissions) {
        BlobContainerClient c = service.getBlobContainerClient(name);
        String sas = c.generateSas(new BlobServiceSasSignatureValues(OffsetDateTime.now().plusHours(2),
                BlobContainerSasPermission.parse(permissions)));
        return c.getBlobContainerUrl() + "?" + sas;
    }

    public BlobContainerClient client(String name) { return service.getBlobContainerClient(name); }

    public String read(String container, String blob) {
        return client(container).getBlobClient(blob).downloadContent().toString();
    }

    public List<String> lines(String container, String blob) {
        String text = read(container, blob);
        return text.isEmpty() ? List.of() : List.of(text.split("\n"));
    }

    public void upload(String container, String blob, String content) {
        client(container).getBlobClient(blob).upload(com.azure.core.util.BinaryData.fromString(content), true);
    }

    private static Azurite start() throws Exception {
        Path repo = Path.of("").toAbsolutePath().getParent();
        Path dir = repo.resolve(".cache/azurite");
        Path bin = dir.resolve("node_modules/azurite/dist/src/blob/main.js");
        if (!Files.exists(bin)) install(dir);
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Path location = Files.createTempDirectory("iolite-azurite");
        Process p = new ProcessBuilder("node", bin.toString(), "--blobHost", "127.0.0.1", "--blobPort",
                Integer.toString(port), "--location", location.toString(), "--disableTelemetry",
                "--skipApiVersionCheck", "--loose").redirectErrorStream(true).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        StringBuilder seen = new StringBuilder();
        String line;
        while ((line = out.readLine()) != null) {
            seen.append(line).append('\n');
            if (line.contains("successfully listens")) break;
            if (System.nanoTime() > deadline) break;
        }
        if (line == null || !line.contains("successfully listens")) {
            p.destroyForcibly();
            throw new IllegalStateException("Azurite did not start:\n" + seen);
        }
        Thread drain = new Thread(() -> {
            try {
                while (out.readLine() != null) {
                    // keep the pipe from filling up
                }
            } catch (IOException ignored) {
                // the process ended
            }
        }, "azurite-output");
        drain.setDaemon(true);
        drain.start();
        return new Azurite(p, port, location);
    }

    private static void install(Path dir) throws Exception {
        Files.createDirectories(dir);
        Process npm = new ProcessBuilder("npm", "install", "--no-audit", "--no-fund", "--loglevel=error",
                "azurite@" + VERSION).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(dir.resolve("npm-install.log").toFile()).start();
        if (!npm.waitFor(10, TimeUnit.MINUTES) || npm.exitValue() != 0) {
            throw new IllegalStateException("npm install azurite@" + VERSION + " failed; see "
                    + dir.resolve("npm-install.log"));
        }
    }

    @Override
    public void close() throws Exception {
        // the root context closes once per test class when the build runs classes in reused forks: the next class
        // of this JVM starts an instance of its own
        synchronized (Azurite.class) {
            if (instance == this) instance = null;
        }
        process.destroy();
        if (!process.waitFor(20, TimeUnit.SECONDS)) process.destroyForcibly();
        try (var files = Files.walk(location)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        }
    }
}

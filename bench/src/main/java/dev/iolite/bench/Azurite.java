package dev.iolite.bench;

import com.azure.storage.blob.BlobContainerClient;
import com.azure.storage.blob.BlobServiceClient;
import com.azure.storage.blob.BlobServiceClientBuilder;
import com.azure.storage.blob.models.ParallelTransferOptions;
import com.azure.storage.blob.sas.BlobContainerSasPermission;
import com.azure.storage.blob.sas.BlobServiceSasSignatureValues;
import com.azure.storage.common.StorageSharedKeyCredential;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.util.concurrent.TimeUnit;

/** Azurite for the benchmark's Blob API runs: the same pinned package the tests use. */
final class Azurite implements AutoCloseable {
    private static final String ACCOUNT = "devstoreaccount1";
    private static final String KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private final Process process;
    private final BlobServiceClient service;

    private Azurite(Process process, BlobServiceClient service) {
        this.process = process;
        this.service = service;
    }

    static Azurite start(Path repo, Path location) throws Exception {
        Path main = repo.resolve(".cache/azurite/node_modules/azurite/dist/src/blob/main.js");
        if (!Files.exists(main)) {
            Files.createDirectories(main.getParent().getParent().getParent().getParent().getParent().getParent());
            Process npm = new ProcessBuilder("npm", "install", "--no-audit", "--no-fund", "--loglevel=error",
                    "azurite@3.37.0").directory(repo.resolve(".cache/azurite").toFile()).inheritIO().start();
            if (npm.waitFor() != 0) throw new IllegalStateException("npm install azurite failed");
        }
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Files.createDirectories(location);
        Process p = new ProcessBuilder("node", main.toString(), "--blobHost", "127.0.0.1", "--blobPort",
                Integer.toString(port), "--location", location.toString(), "--disableTelemetry", "--skipApiVersionCheck",
                "--loose").redirectErrorStream(true).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        String line;
        while ((line = out.readLine()) != null && !line.contains("successfully listens")) {
            // wait for the listening line
        }
        if (line == null) throw new IllegalStateException("Azurite did not start");
        Thread drain = new Thread(() -> {
            try {
                while (out.readLine() != null) {
                    // keep the pipe open
                }
            } catch (Exception ignored) {
                // ended
            }
        });
        drain.setDaemon(true);
        drain.start();
        BlobServiceClient service = new BlobServiceClientBuilder().endpoint("http://127.0.0.1:" + port + "/" + ACCOUNT)
                .credential(new StorageSharedKeyCredential(ACCOUNT, KEY)).buildClient();
        return new Azurite(p, service);
    }

    String container(String name) {
        BlobContainerClient c = service.getBlobContainerClient(name);
        if (!c.exists()) c.create();
        return c.getBlobContainerUrl() + "?" + c.generateSas(new BlobServiceSasSignatureValues(
                OffsetDateTime.now().plusHours(6), BlobContainerSasPermission.parse("racwdl")));
    }

    String upload(String container, String blob, Path file) {
        String uri = container(container);
        service.getBlobContainerClient(container).getBlobClient(blob).uploadFromFile(file.toString(),
                new ParallelTransferOptions().setBlockSizeLong(8L * 1024 * 1024).setMaxConcurrency(4),
                null, null, null, null, null);
        return uri;
    }

    @Override
    public void close() throws Exception {
        process.destroy();
        if (!process.waitFor(20, TimeUnit.SECONDS)) process.destroyForcibly();
    }
}

package dev.iolite.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A real server process on a fresh data dir, and the API calls the benchmark times. */
final class ServerProcess implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Process process;
    private final JsonNode ready;
    private final HttpClient http;
    private final String bearer;
    private final String sas;

    private ServerProcess(Process process, JsonNode ready, HttpClient http, String bearer, String sas) {
        this.process = process;
        this.ready = ready;
        this.http = http;
        this.bearer = bearer;
        this.sas = sas;
    }

    /** Starts a server on SQLite in {@code data}, or on {@code store} (a PostgreSQL URL) when given. */
    static ServerProcess start(Path repo, Path data, String heap, String store, String... serveOptions) throws Exception {
        Path jar = repo.resolve("cli/target/iolite.jar");
        List<String> cmd = new ArrayList<>(List.of("java", "-Xmx" + heap));
        String extra = System.getenv("IOLITE_BENCH_SERVER_OPTS");
        if (extra != null && !extra.isBlank()) cmd.addAll(List.of(extra.trim().split("\\s+")));
        cmd.addAll(List.of("-jar", jar.toString(), "serve", "--data-dir", data.toString(), "--port", "0", "--mqtt-port", "0"));
        if (!List.of(serveOptions).contains("--amqp-port")) cmd.addAll(List.of("--amqp-port", "0"));
        if (store != null) cmd.addAll(List.of("--store", store));
        cmd.addAll(List.of(serveOptions));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(data.resolveSibling("server.log").toFile()).start();
        Path readyFile = data.resolve("ready.json");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!Files.exists(readyFile)) {
            if (!p.isAlive() || System.nanoTime() > deadline) {
                throw new IllegalStateException("the server did not start: " + Files.readString(data.resolveSibling("server.log")));
            }
            Thread.sleep(50);
        }
        JsonNode ready = JSON.readTree(readyFile.toFile());
        KeyStore ts = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(Path.of(ready.get("truststore").asText()))) {
            ts.load(in, ready.get("truststorePassword").asText().toCharArray());
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ts);
        SSLContext ssl = SSLContext.getInstance("TLS");
        ssl.init(null, tmf.getTrustManagers(), null);
        HttpClient http = HttpClient.newBuilder().sslContext(ssl).version(HttpClient.Version.HTTP_1_1).build();
        Process token = new ProcessBuilder("java", "-jar", jar.toString(), "token", "--data-dir", data.toString()).start();
        String bearer = new String(token.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        token.waitFor();
        return new ServerProcess(p, ready, http, bearer, sas(ready));
    }

    long pid() { return process.pid(); }

    /** The server's ready.json (its URL, ports, hub, truststore). */
    JsonNode ready() { return ready; }

    /** The folder where {@code file:NAME} of the default hub resolves. */
    Path localBlobRoot() { return Path.of(ready.get("localBlobRoot").asText()); }

    /** The folder where {@code file:NAME} of another hub resolves: each hub has its own local containers. */
    Path hubBlobRoot(String hub) { return Path.of(ready.get("blobRoot").asText()).resolve(hub.toLowerCase(java.util.Locale.ROOT)); }

    /** Starts an ARM job operation and polls until it ends; the time covers both. */
    Bench.Timed runJob(String operation, String body) throws Exception {
        return runJob(ready.get("hub").asText(), operation, body);
    }

    /** Creates another hub (for a warm-up that leaves the measured hub untouched). */
    void createHub(String name) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(hubBase(name) + "?api-version=2021-07-01"))
                .header("Authorization", "Bearer " + bearer).header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString("{\"location\":\"local\",\"sku\":{\"name\":\"S1\",\"capacity\":1}}"))
                .build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() >= 300) throw new IllegalStateException("creating hub " + name + ": " + r.body());
    }

    private String hubBase(String hub) {
        return ready.get("url").asText() + "/subscriptions/" + ready.get("subscriptionId").asText()
                + "/resourceGroups/" + ready.get("resourceGroup").asText() + "/providers/Microsoft.Devices/IotHubs/" + hub;
    }

    Bench.Timed runJob(String hub, String operation, String body) throws Exception {
        String base = hubBase(hub);
        long t0 = System.nanoTime();
        HttpResponse<String> created = http.send(HttpRequest.newBuilder(URI.create(base + "/" + operation
                        + "?api-version=2021-07-01")).header("Authorization", "Bearer " + bearer)
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
        if (created.statusCode() != 200) throw new IllegalStateException(operation + ": " + created.body());
        String id = JSON.readTree(created.body()).get("jobId").asText();
        while (true) {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + "/jobs/" + id
                    + "?api-version=2021-07-01")).header("Authorization", "Bearer " + bearer).build(),
                    HttpResponse.BodyHandlers.ofString());
            JsonNode job = JSON.readTree(r.body());
            String status = job.path("status").asText();
            if (!status.equals("enqueued") && !status.equals("running")) {
                return new Bench.Timed(job, (System.nanoTime() - t0) / 1e9);
            }
            Thread.sleep(100); // polling costs the server CPU: 10 polls a second is enough for a 0.1 s resolution
        }
    }

    /** Latencies in milliseconds of {@code n} sequential GET /statistics/devices calls, after a warm-up. */
    List<Double> statsLatencies(int n) throws Exception {
        HttpRequest req = HttpRequest.newBuilder(URI.create(ready.get("url").asText()
                + "/statistics/devices?api-version=2021-04-12")).header("Authorization", sas).build();
        for (int i = 0; i < 200; i++) http.send(req, HttpResponse.BodyHandlers.ofString());
        List<Double> ms = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            long t0 = System.nanoTime();
            HttpResponse<String> r = http.send(req, HttpResponse.BodyHandlers.ofString());
            ms.add((System.nanoTime() - t0) / 1e6);
            if (r.statusCode() != 200) throw new IllegalStateException(r.body());
        }
        return ms;
    }

    /** One page of a query: its rows, the continuation token (null on the last page) and the time it took. */
    record QueryPage(JsonNode rows, String continuation, double ms) {}

    QueryPage query(String query, int pageSize, String continuation) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(ready.get("url").asText() + "/devices/query?api-version=2021-04-12"))
                .header("Authorization", sas).header("Content-Type", "application/json")
                .header("x-ms-max-item-count", String.valueOf(pageSize))
                .POST(HttpRequest.BodyPublishers.ofString(JSON.createObjectNode().put("query", query).toString()));
        if (continuation != null) b.header("x-ms-continuation", continuation);
        long t0 = System.nanoTime();
        HttpResponse<InputStream> r = http.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
        JsonNode rows;
        try (InputStream in = r.body()) {
            rows = JSON.readTree(in);
        }
        double ms = (System.nanoTime() - t0) / 1e6;
        if (r.statusCode() != 200) throw new IllegalStateException("query '" + query + "' answered " + r.statusCode() + ": " + rows);
        return new QueryPage(rows, r.headers().firstValue("x-ms-continuation").orElse(null), ms);
    }

    JsonNode statistics() throws Exception {
        return JSON.readTree(http.send(HttpRequest.newBuilder(URI.create(ready.get("url").asText()
                + "/statistics/devices?api-version=2021-04-12")).header("Authorization", sas).build(),
                HttpResponse.BodyHandlers.ofString()).body());
    }

    /** An iothubowner SAS token of another hub, its key read through ARM's listkeys. */
    String sasOf(String hub) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(hubBase(hub) + "/listkeys?api-version=2021-07-01"))
                .header("Authorization", "Bearer " + bearer).POST(HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString());
        for (JsonNode k : JSON.readTree(r.body()).get("value")) {
            if (k.get("keyName").asText().equals("iothubowner")) {
                return sas(hub.toLowerCase(java.util.Locale.ROOT) + ".azure-devices.net", k.get("primaryKey").asText());
            }
        }
        throw new IllegalStateException("no iothubowner key of hub " + hub + ": " + r.body());
    }

    /** The default hub's iothubowner SAS token. */
    String sas() { return sas; }

    /** A request to the service API with a SAS token; answers its status, Retry-After and body. */
    HttpResponse<String> send(String method, String pathAndQuery, String authorization, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(ready.get("url").asText() + pathAndQuery))
                .timeout(Duration.ofSeconds(120))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (authorization != null) b.header("Authorization", authorization);
        if (body != null) b.header("Content-Type", "application/json");
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String sas(JsonNode ready) throws Exception {
        String conn = ready.get("connectionString").asText();
        return sas(ready.get("hubHostName").asText(), conn.substring(conn.indexOf("SharedAccessKey=") + 16));
    }

    private static String sas(String hostName, String key) throws Exception {
        String sr = URLEncoder.encode(hostName, StandardCharsets.UTF_8);
        long se = Instant.now().plus(Duration.ofHours(6)).getEpochSecond();
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(Base64.getDecoder().decode(key), "HmacSHA256"));
        String sig = Base64.getEncoder().encodeToString(mac.doFinal((sr + "\n" + se).getBytes(StandardCharsets.UTF_8)));
        return "SharedAccessSignature sr=" + sr + "&sig=" + URLEncoder.encode(sig, StandardCharsets.UTF_8) + "&se=" + se
                + "&skn=iothubowner";
    }

    @Override
    public void close() throws Exception {
        process.destroy();
        if (!process.waitFor(60, TimeUnit.SECONDS)) process.destroyForcibly();
    }
}

package dev.iolite.cli;

import dev.iolite.client.IotHubResources;
import dev.iolite.client.models.ExportDevicesRequest;
import dev.iolite.client.models.ImportDevicesRequest;
import dev.iolite.client.models.JobResponse;
import dev.iolite.client.models.RegistryStatistics;
import dev.iolite.server.Iolite;
import dev.iolite.server.ServerConfig;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.Callable;

/**
 * {@code iolite demo}: the tour for a newcomer. Uses the server of the data dir, or starts one in
 * this process; generates devices, imports them with a progress bar, exports them back, and shows
 * statistics, errors, throughput and where the files are.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Generate devices, import them, export them back and show the figures.")
final class DemoCommand implements Callable<Integer> {
    @Mixin
    Connection conn;

    @Option(names = "--devices", defaultValue = "100000", description = "How many devices (default: ${DEFAULT-VALUE}).")
    int devices;

    @Spec
    CommandLine.Model.CommandSpec spec;

    private static final int SIMULATED_DEVICES = 5;
    private static final Duration SIMULATED_SECONDS = Duration.ofSeconds(5);

    @Override
    public Integer call() throws Exception {
        if (devices < 1 || devices > 50_000_000) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--devices must be from 1 to 50,000,000");
        }
        if (!conn.isLocal()) throw new Connection.Usage("demo runs on a local data dir; drop --server");
        PrintWriter out = spec.commandLine().getOut();
        Iolite started = null;
        if (!serverRunning()) {
            Logging.configure(Logging.Format.TEXT, ch.qos.logback.classic.Level.WARN, false);
            out.println("Starting a server on data dir " + conn.dataDir + " (SQLite, local blob folder)...");
            out.flush();
            // MQTT on a free port: the demo's devices find it in ready.json, and 8883 may be taken
            started = Iolite.start(ServerConfig.of(conn.dataDir, 0)
                    .withDevices(ServerConfig.Devices.DEFAULTS.withMqttPort(0).withAmqpPort(0)).validated());
        } else {
            out.println("Using the server already running on data dir " + conn.dataDir + ".");
        }
        try {
            return tour(out);
        } finally {
            if (started != null) {
                started.close();
                out.println("Server stopped. Start one that stays up with '" + serve() + "'.");
                out.flush();
            }
        }
    }

    private boolean serverRunning() {
        try {
            conn.ready();
            return true;
        } catch (Connection.Failure e) {
            return false;
        }
    }

    private int tour(PrintWriter out) throws IOException {
        IotHubResources hubs = conn.client().iotHubResource();
        String rg = conn.resourceGroup();
        String hub = conn.hub();
        Path root = conn.localBlobRoot();
        String folder = "demo-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
        Path dir = dev.iolite.server.files.PrivateFiles.createDirectories(root.resolve(folder));

        out.printf("Generating %,d devices (5%% with a module, 10%% disabled, %d faulty lines)...%n",
                devices, DemoDevices.FAULTY_LINES);
        out.flush();
        DemoDevices.Written input = DemoDevices.write(dir.resolve("devices.txt"), devices);
        out.printf("  %,d lines, %,d bytes in%n  %s%n", input.lines(), input.bytes(), dir.resolve("devices.txt"));

        out.println("Importing...");
        out.flush();
        JobResponse imp = hubs.importDevices(rg, hub, new ImportDevicesRequest()
                .setInputBlobContainerUri("file:" + folder).setOutputBlobContainerUri("file:" + folder));
        JobResponse imported = JobsCommand.watcher(spec, conn).watch(hubs, rg, hub, imp.getJobId());
        if (!"completed".equals(String.valueOf(imported.getStatus()))) return failed(out, imported);

        out.println("Exporting...");
        out.flush();
        JobResponse exp = hubs.exportDevices(rg, hub, new ExportDevicesRequest()
                .setExportBlobContainerUri("file:" + folder + "/export").setExcludeKeys(false));
        JobResponse exported = JobsCommand.watcher(spec, conn).watch(hubs, rg, hub, exp.getJobId());
        if (!"completed".equals(String.valueOf(exported.getStatus()))) return failed(out, exported);

        RegistryStatistics stats = hubs.getStats(rg, hub);
        out.println();
        out.printf("Hub %s now holds %,d devices: %,d enabled, %,d disabled.%n", hub,
                stats.getTotalDeviceCount(), stats.getEnabledDeviceCount(), stats.getDisabledDeviceCount());
        out.printf("Import: %,d lines applied, %,d failed (in the error log);%n        %s.%n",
                nz(imported.getDevicesSucceeded()), nz(imported.getDevicesFailed()), rate(imported));
        out.printf("Export: %,d identities written, %s.%n", nz(exported.getDevicesSucceeded()), rate(exported));
        out.println("Files:");
        out.println("  input      " + dir.resolve("devices.txt"));
        out.println("  error log  " + dir.resolve("importErrors.log"));
        out.println("  export     " + dir.resolve("export").resolve("devices.txt"));
        simulate(out);
        out.println("Next: '" + serve() + "', then '" + conn.suggest("stats") + "', '" + conn.suggest("jobs list") + "'");
        out.println("      and '" + conn.suggest("device list") + "'.");
        out.flush();
        return 0;
    }

    /**
     * The end of the tour: a few devices connect over MQTT, read their twins, report properties and send
     * telemetry for a few seconds, as {@code iolite simulate} does. Skipped when the server has no MQTT listener.
     */
    private void simulate(PrintWriter out) throws IOException {
        out.println();
        if (conn.ready().path("mqttPort").asInt(0) == 0) {
            out.println("This server does not listen for devices (its ready.json names no MQTT port), so none connects.");
            out.flush();
            return;
        }
        out.printf("%d simulated devices connect over MQTT for %d s (what '%s' does):%n", SIMULATED_DEVICES,
                SIMULATED_SECONDS.toSeconds(), Connection.program() + " simulate");
        try {
            SimulateCommand.run(conn, out, SIMULATED_DEVICES, "demo-device-",
                    SimulateCommand.target(conn, null, SIMULATED_DEVICES * 2.0, dev.iolite.cli.simulate.DeviceEvents.NONE),
                    SIMULATED_SECONDS, JobWatcher.stdoutIsTerminal() ? ProgressLine::onSystemTerminal : null, () -> callMethod(out));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        out.flush();
    }

    /** Once the devices are connected: one direct method through the hub API, which the device answers with its payload. */
    private void callMethod(PrintWriter out) {
        String device = "demo-device-1";
        try {
            dev.iolite.client.models.MethodResult r = DeviceCommand.registry(conn).invokeMethod(device, null, "greet",
                    new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode().put("from", "iolite demo"),
                    Duration.ofSeconds(10), Duration.ofSeconds(10));  // waits for a device that is reconnecting
            out.printf("Direct method 'greet' on %s through the hub API: status %d, payload %s%n", device, r.getStatus(), r.getPayload());
        } catch (RuntimeException e) {
            out.println("Direct method 'greet' on " + device + " failed: " + Main.describe(e));
        }
        out.flush();
    }

    /** {@code iolite serve} on this demo's data dir, named as the command line gave it. */
    private String serve() {
        CommandLine.Model.OptionSpec dir = spec.commandLine().getParseResult().matchedOption("--data-dir");
        return Connection.program() + " serve" + (dir == null ? "" : " --data-dir " + Connection.shellWord(dir.stringValues().get(dir.stringValues().size() - 1)));
    }

    private static int failed(PrintWriter out, JobResponse job) {
        out.println("Job " + job.getJobId() + " ended " + job.getStatus()
                + (job.getFailureReason() == null ? "" : ": " + job.getFailureReason()));
        out.flush();
        return 1;
    }

    private static String rate(JobResponse j) {
        Double perSecond = j.getDevicesPerSecond();
        if (perSecond != null && perSecond > 0) {
            return String.format("%.1f s, %,.0f devices/s", nz(j.getDevicesProcessed()) / perSecond, perSecond);
        }
        if (j.getStartTimeUtc() == null || j.getEndTimeUtc() == null) return "time unknown";
        Duration d = Duration.between(j.getStartTimeUtc(), j.getEndTimeUtc());
        double s = Math.max(d.toMillis(), 1) / 1000.0;
        return String.format("%.1f s, %,.0f devices/s", s, nz(j.getDevicesProcessed()) / s);
    }

    private static long nz(Long v) { return v == null ? 0 : v; }
}

package dev.iolite.cli;

import dev.iolite.cli.simulate.DeviceCredential;
import dev.iolite.cli.simulate.DeviceEvents;
import dev.iolite.cli.simulate.Fleet;
import dev.iolite.cli.simulate.FleetStats;
import dev.iolite.cli.simulate.Latencies;
import dev.iolite.cli.simulate.StatusLine;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import javax.net.ssl.TrustManagerFactory;
import java.io.InputStream;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * {@code iolite simulate}: devices that connect over MQTT as IoT Hub devices do, created when missing, each reading
 * its twin and reporting properties on connect, sending telemetry at a total rate, and answering direct methods,
 * with a live line of what they do and a summary at the end (after {@code --duration}, or at Ctrl-C).
 */
@Command(name = "simulate", mixinStandardHelpOptions = true,
        description = {"Connect simulated devices over MQTT: they send telemetry, read their twins, report properties "
                + "and answer direct methods (echoing the payload).",
                "Example: iolite simulate --devices 100 --rate 500/s --duration 1m"})
final class SimulateCommand implements java.util.concurrent.Callable<Integer> {
    static final int MAX_DEVICES = 1_000_000;
    /** IoT Hub's MQTT port, where a server given by --server is reached unless --mqtt-port says otherwise. */
    static final int IOT_HUB_MQTT_PORT = 8883;
    private static final long PLAIN_EVERY_MS = 2_000;
    /** Hub host names are {@code {name}.azure-devices.net}, as the server's tokens and device user names name them. */
    private static final String HUB_HOST_SUFFIX = ".azure-devices.net";

    @Mixin
    Connection conn;

    @Option(names = "--devices", required = true, paramLabel = "N", description = "How many devices (1 to 1,000,000).")
    int devices;

    @Option(names = "--rate", paramLabel = "R/s", converter = RateConverter.class,
            description = "Telemetry messages per second from all devices together, such as 500 or 500/s (default: one per device per second; 0: none).")
    Double rate;

    @Option(names = "--duration", paramLabel = "D", converter = TokenCommand.DurationConverter.class,
            description = "How long to run: 30s, 5m, 1h (default: until Ctrl-C).")
    Duration duration;

    @Option(names = "--prefix", defaultValue = "sim-", paramLabel = "P",
            description = "Device ids are P1 to PN (default: ${DEFAULT-VALUE}).")
    String prefix;

    @Option(names = "--mqtt-port", paramLabel = "PORT",
            description = "The server's MQTT port (default: the local server's; 8883 with --server).")
    Integer mqttPort;

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (devices < 1 || devices > MAX_DEVICES) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--devices must be from 1 to 1,000,000");
        }
        if (prefix.isEmpty() || !prefix.matches("[A-Za-z0-9\\-.%_*?!(),:=@$']+")) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--prefix must be a device id's start: "
                    + "letters, digits and - . % _ * ? ! ( ) , : = @ $ '");
        }
        if (prefix.length() + String.valueOf(devices).length() > 128) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--prefix is too long: device ids have at most 128 characters");
        }
        if (mqttPort != null && (mqttPort < 1 || mqttPort > 65535)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--mqtt-port must be from 1 to 65535");
        }
        double total = rate == null ? devices : rate;
        Fleet.Settings target = target(conn, mqttPort, total, DeviceEvents.NONE);
        PrintWriter out = spec.commandLine().getOut();
        FleetStats stats = run(conn, out, devices, prefix, target, duration,
                JobWatcher.stdoutIsTerminal() ? ProgressLine::onSystemTerminal : null, null);
        if (stats.connects() == 0) {
            throw new Connection.Failure("no device could connect to " + target.host() + ":" + target.port()
                    + " (" + stats.refused() + " refused, " + stats.failedConnects() + " failed); is it the server's MQTT port?");
        }
        return 0;
    }

    /**
     * Creates the missing devices, connects them, shows the live line until {@code duration} ends (null: Ctrl-C),
     * disconnects them and prints the summary. {@code onConnected}, when given, runs once on this thread after
     * every device has read its twin (the demo calls a method then).
     */
    static FleetStats run(Connection conn, PrintWriter out, int devices, String prefix, Fleet.Settings target,
                          Duration duration, Supplier<ProgressLine> terminal, Runnable onConnected) throws InterruptedException {
        out.printf("Preparing %,d devices %s1..%s%d on hub %s...%n", devices, prefix, prefix, devices, conn.hub());
        out.flush();
        SimulatorDevices.Ensured ensured = SimulatorDevices.ensure(DeviceCommand.registry(conn), prefix, devices);
        out.printf("  %,d created, %,d already there. Connecting to %s:%d%s...%n", ensured.created(), ensured.existing(),
                target.host(), target.port(), duration == null ? " (Ctrl-C stops)" : " for " + describe(duration));
        out.flush();
        List<DeviceCredential> credentials = ensured.credentials();
        CountDownLatch stop = new CountDownLatch(1);
        CountDownLatch done = new CountDownLatch(1);
        Thread interrupt = new Thread(() -> {
            stop.countDown();
            try {
                done.await(30, TimeUnit.SECONDS);  // the summary is printed by the command's own thread
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "iolite-simulate-stop");
        Runtime.getRuntime().addShutdownHook(interrupt);
        long started = System.nanoTime();
        FleetStats stats;
        try (Fleet fleet = Fleet.start(target, 0)) {
            stats = fleet.stats();
            fleet.add(credentials);
            try (ProgressLine line = terminal == null ? null : terminal.get()) {
                report(fleet, devices, out, line, stop, started, duration, onConnected);
            }
            out.println("Disconnecting...");
            out.flush();
        }
        try {
            double seconds = (System.nanoTime() - started) / 1e9;
            StatusLine.summary(stats, devices, seconds).forEach(out::println);
            out.flush();
            return stats;
        } finally {
            done.countDown();
            try {
                Runtime.getRuntime().removeShutdownHook(interrupt);
            } catch (IllegalStateException e) {
                // the JVM is stopping (Ctrl-C): the hook has waited for this summary
            }
        }
    }

    private static void report(Fleet fleet, int devices, PrintWriter out, ProgressLine line, CountDownLatch stop,
                               long started, Duration duration, Runnable onConnected) throws InterruptedException {
        FleetStats s = fleet.stats();
        long end = duration == null ? Long.MAX_VALUE : started + duration.toNanos();
        long lastAcked = 0;
        long lastAt = started;
        long lastPlain = 0;
        boolean connectedOnce = false;
        while (true) {
            long wait = Math.min(TimeUnit.SECONDS.toNanos(1), end - System.nanoTime());
            if (wait <= 0 || stop.await(wait, TimeUnit.NANOSECONDS)) break;
            long now = System.nanoTime();
            long acked = s.acknowledged();
            double perSecond = (acked - lastAcked) / Math.max(1e-3, (now - lastAt) / 1e9);
            lastAcked = acked;
            lastAt = now;
            Latencies window = s.closeWindow();
            if (line != null) {
                line.show(StatusLine.line(s, devices, perSecond, window, line.width()));
            } else if (now - lastPlain >= TimeUnit.MILLISECONDS.toNanos(PLAIN_EVERY_MS)) {
                lastPlain = now;
                out.println(StatusLine.line(s, devices, perSecond, window, 200));
                out.flush();
            }
            if (!connectedOnce && onConnected != null && s.twinReads() >= devices) {
                connectedOnce = true;
                if (line != null) line.finish();
                onConnected.run();
            }
        }
        s.closeWindow();
        if (line != null) line.finish();
    }

    /** Where the devices connect: the server's host, its MQTT port, the hub's host name and the server's certificate. */
    static Fleet.Settings target(Connection conn, Integer mqttPort, double rate, DeviceEvents events) {
        String host = URI.create(conn.url()).getHost();
        if (host == null) throw new Connection.Usage("--server has no host: " + conn.url());
        if (host.startsWith("[") && host.endsWith("]")) host = host.substring(1, host.length() - 1);
        int port;
        if (mqttPort != null) {
            port = mqttPort;
        } else if (conn.isLocal()) {
            port = conn.ready().path("mqttPort").asInt(0);
            if (port == 0) {
                throw new Connection.Failure("the server of data dir " + conn.dataDir + " has no MQTT listener (its ready.json "
                        + "names no mqttPort); start a newer server, or pass --mqtt-port");
            }
        } else {
            port = IOT_HUB_MQTT_PORT;
        }
        String hubHost = conn.hub().toLowerCase(Locale.ROOT) + HUB_HOST_SUFFIX;
        return new Fleet.Settings(host, port, hubHost, trust(conn), rate, events);
    }

    private static TrustManagerFactory trust(Connection conn) {
        Path store = conn.truststore;
        String password = conn.truststorePassword;
        if (store == null && conn.isLocal()) {
            store = Path.of(conn.ready().path("truststore").asText());
            password = conn.ready().path("truststorePassword").asText(password);
        }
        if (store == null) return null;
        if (!Files.isRegularFile(store)) throw new Connection.Failure("no truststore at " + store);
        try (InputStream in = Files.newInputStream(store)) {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(in, password == null ? null : password.toCharArray());
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(ks);
            return tmf;
        } catch (Exception e) {
            throw new Connection.Failure("cannot read the truststore " + store + ": " + e.getMessage());
        }
    }

    private static String describe(Duration d) {
        long s = d.toSeconds();
        if (s % 3600 == 0) return s / 3600 + " h";
        if (s % 60 == 0) return s / 60 + " min";
        return s + " s";
    }

    /** A rate such as {@code 500}, {@code 500/s} or {@code 2.5/s}: messages per second, zero or more. */
    static final class RateConverter implements CommandLine.ITypeConverter<Double> {
        @Override
        public Double convert(String value) {
            String v = value.trim().toLowerCase(Locale.ROOT);
            if (v.endsWith("/s")) v = v.substring(0, v.length() - 2);
            try {
                double r = Double.parseDouble(v.replace("_", ""));
                if (r >= 0 && Double.isFinite(r) && r <= 10_000_000) return r;
            } catch (NumberFormatException e) {
                // below
            }
            throw new CommandLine.TypeConversionException("'" + value + "' is not a rate such as 500 or 500/s (0 to 10,000,000)");
        }
    }
}

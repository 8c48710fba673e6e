package dev.iolite.cli.simulate;

import io.netty.handler.codec.mqtt.MqttConnectReturnCode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/** The simulator's client against a hub of this test's making (the server's own tests drive it against the real one). */
class FleetTest {
    private static final String HUB = "hub1.azure-devices.net";
    private static final String KEY = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";

    @TempDir
    Path tmp;

    private static List<DeviceCredential> devices(int n) {
        return IntStream.rangeClosed(1, n).mapToObj(i -> new DeviceCredential("d" + i, KEY)).toList();
    }

    @Test
    void devicesConnectReadTheirTwinReportAndSendTelemetryAtTheirRate() throws Exception {
        try (FakeHub hub = new FakeHub(tmp)) {
            FleetStats stats;
            try (Fleet fleet = Fleet.start(new Fleet.Settings("127.0.0.1", hub.port(), HUB, hub.trust(), 200, DeviceEvents.NONE), 2)) {
                stats = fleet.stats();
                fleet.add(devices(5));
                waitFor(() -> stats.reportedPatches() == 5 && stats.acknowledged() >= 100);
                assertThat(stats.connected()).isEqualTo(5);
                assertThat(stats.twinReads()).isEqualTo(5);
                assertThat(hub.userNames).contains("hub1.azure-devices.net/d3/?api-version=2021-04-12&DeviceClientType=iolite-simulate");
                assertThat(hub.passwords).allMatch(p -> p.startsWith("SharedAccessSignature sr=hub1.azure-devices.net%2Fdevices%2Fd"));
                assertThat(hub.reported).allMatch(r -> r.contains("\"simulator\""));
            }
            // closing disconnects every device with DISCONNECT
            waitFor(() -> hub.disconnects.get() == 5, () -> hub.disconnects + " DISCONNECTs, " + stats.connected() + " connected");
            assertThat(stats.connected()).isZero();
            assertThat(stats.disconnects()).isZero();
            assertThat(stats.pubackLatency().count() + stats.closeWindow().count()).isGreaterThan(0);
        }
    }

    @Test
    void aDirectMethodIsAnsweredWith200AndItsPayload() throws Exception {
        try (FakeHub hub = new FakeHub(tmp);
             Fleet fleet = Fleet.start(new Fleet.Settings("127.0.0.1", hub.port(), HUB, hub.trust(), 0, DeviceEvents.NONE), 1)) {
            fleet.add(devices(1));
            waitFor(() -> fleet.stats().twinReads() == 1);
            hub.callMethod("d1", "echo", "42", "{\"x\":1}");
            waitFor(() -> !hub.methodResponses.isEmpty());
            assertThat(hub.methodResponses).containsExactly("$iothub/methods/res/200/?$rid=42 {\"x\":1}");
            assertThat(fleet.stats().methods()).isEqualTo(1);
        }
    }

    @Test
    void aLostConnectionIsCountedAndMadeAgain() throws Exception {
        try (FakeHub hub = new FakeHub(tmp);
             Fleet fleet = Fleet.start(new Fleet.Settings("127.0.0.1", hub.port(), HUB, hub.trust(), 0, DeviceEvents.NONE), 1)) {
            fleet.add(devices(2));
            waitFor(() -> fleet.stats().twinReads() == 2);
            hub.dropAll();
            waitFor(() -> fleet.stats().disconnects() == 2);
            // the devices come back after their backoff (half a second to a second for a first retry)
            waitFor(() -> fleet.stats().connects() == 4 && fleet.stats().connected() == 2);
        }
    }

    @Test
    void aRefusedConnectionIsCountedAndRetried() throws Exception {
        try (FakeHub hub = new FakeHub(tmp);
             Fleet fleet = Fleet.start(new Fleet.Settings("127.0.0.1", hub.port(), HUB, hub.trust(), 0, DeviceEvents.NONE), 1)) {
            hub.answer = MqttConnectReturnCode.CONNECTION_REFUSED_NOT_AUTHORIZED;
            fleet.add(devices(1));
            waitFor(() -> fleet.stats().refused() == 1);
            hub.answer = MqttConnectReturnCode.CONNECTION_ACCEPTED;
            waitFor(() -> fleet.stats().connected() == 1);
        }
    }

    private static void waitFor(BooleanSupplier condition) throws InterruptedException {
        waitFor(condition, () -> "");
    }

    private static void waitFor(BooleanSupplier condition, java.util.function.Supplier<String> state) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError("not within 20 s: " + state.get());
            Thread.sleep(20);
        }
    }
}

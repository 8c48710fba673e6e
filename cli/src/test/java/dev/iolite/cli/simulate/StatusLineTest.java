package dev.iolite.cli.simulate;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class StatusLineTest {
    @Test
    void theLiveLineNamesConnectedDevicesRateLatencyAndMethods() {
        FleetStats s = new FleetStats();
        s.connected.set(998);
        s.methods.add(3);
        Latencies window = new Latencies();
        window.recordNanos(1_200_000);
        window.recordNanos(8_000_000);
        assertThat(StatusLine.line(s, 1000, 19_850.4, window, 80))
                .isEqualTo("998/1,000 connected  19,850 msg/s  p50 1.2 ms  p99 8.0 ms  methods 3");
    }

    @Test
    void aNarrowTerminalDropsItemsFromTheEndAndNeverFillsTheLastColumn() {
        FleetStats s = new FleetStats();
        s.connected.set(10_000);
        s.disconnects.add(5);
        String line = StatusLine.line(s, 10_000, 20_000, new Latencies(), 40);
        assertThat(line).isEqualTo("10,000/10,000 connected  20,000 msg/s");
        assertThat(StatusLine.line(s, 10_000, 20_000, new Latencies(), 10)).hasSize(9);
    }

    @Test
    void theSummaryCountsEverything() {
        FleetStats s = new FleetStats();
        s.connects.add(3);
        s.sent.add(15);
        s.acknowledged.add(15);
        s.twinReads.add(3);
        s.reportedPatches.add(3);
        assertThat(StatusLine.summary(s, 3, 5.0)).containsExactly(
                "Simulated 3 devices for 5.0 s:",
                "  connections  3 accepted, 0 lost, 0 refused, 0 failed",
                "  telemetry    15 sent, 15 acknowledged (3/s), PUBACK p50 -, p99 -",
                "  twins        3 read (p50 -), 3 reported, 0 desired, 0 errors",
                "  methods      0 answered");
    }
}

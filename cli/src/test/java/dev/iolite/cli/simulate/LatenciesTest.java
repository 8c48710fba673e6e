package dev.iolite.cli.simulate;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class LatenciesTest {
    @Test
    void quantilesAreWithinThreePercentOfTheRecordedValues() {
        Latencies l = new Latencies();
        for (int ms = 1; ms <= 100; ms++) l.recordNanos(ms * 1_000_000L);
        assertThat(l.count()).isEqualTo(100);
        assertThat(l.quantileMillis(0.5)).isCloseTo(50, within(1.5));
        assertThat(l.quantileMillis(0.99)).isCloseTo(99, within(3.0));
        assertThat(l.quantileMillis(1.0)).isCloseTo(100, within(3.0));
    }

    @Test
    void anEmptyHistogramHasNoQuantile() {
        assertThat(new Latencies().quantileMillis(0.5)).isNaN();
    }

    @Test
    void bucketsCoverTinyAndHugeValuesInOrder() {
        int previous = -1;
        for (long us = 0; us < 1L << 40; us = us * 3 / 2 + 1) {
            int i = Latencies.index(us);
            assertThat(i).isGreaterThanOrEqualTo(previous);
            previous = i;
            if (us < 1L << 36) assertThat((double) Latencies.value(i)).isCloseTo(us, within(us * 0.04 + 1));
        }
    }

    @Test
    void closingAWindowMovesItsLatenciesIntoTheRun() {
        FleetStats stats = new FleetStats();
        stats.pubackWindow.recordNanos(2_000_000);
        stats.pubackWindow.recordNanos(4_000_000);
        Latencies window = stats.closeWindow();
        assertThat(window.count()).isEqualTo(2);
        assertThat(stats.closeWindow().count()).isZero();
        assertThat(stats.pubackLatency().count()).isEqualTo(2);
    }
}

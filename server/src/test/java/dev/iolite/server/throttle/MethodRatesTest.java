package dev.iolite.server.throttle;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** Direct method traffic's rates, in 4 KB units a second, as IoT Hub's quotas page gives them in KB/s per unit. */
class MethodRatesTest {
    @Test
    void methodTrafficGrowsWithUnitsOnEveryTier() {
        assertThat(Sku.parse("S1").rate(Operation.METHODS)).isEqualTo(new Rate(40, Duration.ofSeconds(1)));     // 160 KB/s
        assertThat(Sku.parse("S1:3").rate(Operation.METHODS)).isEqualTo(new Rate(120, Duration.ofSeconds(1)));
        assertThat(Sku.parse("S2:2").rate(Operation.METHODS)).isEqualTo(new Rate(240, Duration.ofSeconds(1)));   // 480 KB/s each
        assertThat(Sku.parse("S3").rate(Operation.METHODS)).isEqualTo(new Rate(6000, Duration.ofSeconds(1)));    // 24 MB/s
    }

    @Test
    void aCallOfIotHubsLargestPayloadFitsInOneS1UnitsBucket() {
        HubRateLimiter limiter = new HubRateLimiter(Sku.parse("S1"), java.time.Clock.fixed(java.time.Instant.EPOCH,
                java.time.ZoneOffset.UTC));
        limiter.admit("h", Operation.METHODS, 33);  // 128 KB of payload and its envelope
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> limiter.admit("h", Operation.METHODS, 33))
                .isInstanceOf(dev.iolite.server.errors.ThrottledException.class);
        limiter.admit("other", Operation.METHODS, 33);
    }
}

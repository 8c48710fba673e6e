package dev.iolite.server.throttle;

import dev.iolite.server.errors.ErrorCode;
import dev.iolite.server.errors.ThrottledException;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

class HubRateLimiterTest {
    private static final class SetClock extends Clock {
        private volatile Instant now = Instant.parse("2026-01-01T00:00:00Z");

        void advance(Duration d) { now = now.plus(d); }

        @Override public Instant instant() { return now; }
        @Override public ZoneId getZone() { return ZoneOffset.UTC; }
        @Override public Clock withZone(ZoneId zone) { return this; }
    }

    private final SetClock clock = new SetClock();

    @Test
    void s1AllowsTwentyQueriesAMinuteAndTheTwentyFirstWaitsThreeSeconds() {
        HubRateLimiter limiter = new HubRateLimiter(Sku.parse("S1"), clock);
        for (int i = 0; i < 20; i++) limiter.admit("hub-a", Operation.QUERY, 1);
        ThrottledException e = catchThrowableOfType(() -> limiter.admit("hub-a", Operation.QUERY, 1), ThrottledException.class);
        assertThat(e.errorCode()).isEqualTo(ErrorCode.THROTTLED);
        // 20 a minute: one token every 3 s
        assertThat(e.retryAfter()).isEqualTo(Duration.ofSeconds(3));
        assertThat(e.retryAfterSeconds()).isEqualTo("3");
        assertThat(e.getMessage()).contains("queries", "20 per minute", "S1:1", "--throttle");
        // WHEN the time it named has passed THEN exactly one more passes
        clock.advance(Duration.ofSeconds(3));
        limiter.admit("hub-a", Operation.QUERY, 1);
        assertThatThrownBy(() -> limiter.admit("hub-a", Operation.QUERY, 1)).isInstanceOf(ThrottledException.class);
    }

    @Test
    void aRefusedCallTakesNothingAndRetryAfterCountsAllItsDevices() {
        HubRateLimiter limiter = new HubRateLimiter(Sku.parse("S1"), clock);
        limiter.admit("h", Operation.REGISTRY, 50);
        limiter.admit("h", Operation.REGISTRY, 50);
        // a third 50-device bulk call waits until 50 tokens are back: 30 s at 100 a minute
        ThrottledException e = catchThrowableOfType(() -> limiter.admit("h", Operation.REGISTRY, 50), ThrottledException.class);
        assertThat(e.retryAfter()).isEqualTo(Duration.ofSeconds(30));
        clock.advance(Duration.ofSeconds(29));
        assertThatThrownBy(() -> limiter.admit("h", Operation.REGISTRY, 50)).isInstanceOf(ThrottledException.class);
        clock.advance(Duration.ofSeconds(1));
        assertThatCode(() -> limiter.admit("h", Operation.REGISTRY, 50)).doesNotThrowAnyException();
    }

    @Test
    void eachHubAndEachOperationClassHasItsOwnBucket() {
        HubRateLimiter limiter = new HubRateLimiter(Sku.parse("s1"), clock);
        for (int i = 0; i < 20; i++) limiter.admit("hub-a", Operation.QUERY, 1);
        assertThatThrownBy(() -> limiter.admit("HUB-A", Operation.QUERY, 1)).isInstanceOf(ThrottledException.class);
        assertThatCode(() -> limiter.admit("hub-b", Operation.QUERY, 1)).doesNotThrowAnyException();
        assertThatCode(() -> limiter.admit("hub-a", Operation.TWIN_READ, 1)).doesNotThrowAnyException();
    }

    @Test
    void unitsAndTiersScaleTheRates() {
        assertThat(Sku.parse("S1:3").rate(Operation.QUERY)).isEqualTo(new Rate(60, Duration.ofMinutes(1)));
        assertThat(Sku.parse("S1:3").rate(Operation.TWIN_READ)).isEqualTo(new Rate(100, Duration.ofSeconds(1)));
        assertThat(Sku.parse("S2:20").rate(Operation.TWIN_READ)).isEqualTo(new Rate(200, Duration.ofSeconds(1)));
        assertThat(Sku.parse("S2:2").rate(Operation.TWIN_UPDATE)).isEqualTo(new Rate(50, Duration.ofSeconds(1)));
        assertThat(Sku.parse("S3:2").rate(Operation.REGISTRY)).isEqualTo(new Rate(10_000, Duration.ofMinutes(1)));
        assertThat(Sku.parse("S3").rate(Operation.JOBS)).isEqualTo(new Rate(5000, Duration.ofMinutes(1)));
        assertThat(Sku.parse("S3").rate(Operation.TWIN_UPDATE)).isEqualTo(new Rate(250, Duration.ofSeconds(1)));
    }

    @Test
    void badSwitchValuesNameTheSwitch() {
        assertThatThrownBy(() -> Sku.parse("F1")).hasMessageContaining("--throttle must be S1, S2 or S3");
        assertThatThrownBy(() -> Sku.parse("S1:0")).hasMessageContaining("1 to 200");
        assertThatThrownBy(() -> Sku.parse("S2:x")).hasMessageContaining("whole number");
    }

    @Test
    void offLetsEverythingPass() {
        HubRateLimiter off = new HubRateLimiter(null, clock);
        for (int i = 0; i < 10_000; i++) off.admit("h", Operation.QUERY, 1);
        assertThat(off.size()).isZero();
    }

    @Test
    void bucketsAreBoundedAndTheLeastRecentlyUsedGoFirst() {
        HubRateLimiter limiter = new HubRateLimiter(Sku.parse("S1"), clock);
        for (int i = 0; i < 20; i++) limiter.admit("busy", Operation.QUERY, 1);
        for (int i = 0; i < HubRateLimiter.MAX_BUCKETS + 500; i++) {
            limiter.admit("busy", Operation.REGISTRY, 0); // a zero count is no call
            limiter.admit("gone-" + i, Operation.QUERY, 1);
            if (i % 1000 == 0) assertThatThrownBy(() -> limiter.admit("busy", Operation.QUERY, 1)).isInstanceOf(ThrottledException.class);
        }
        assertThat(limiter.size()).isEqualTo(HubRateLimiter.MAX_BUCKETS);
    }

    @Test
    void concurrentCallersNeverGetMoreThanTheBucketHolds() throws Exception {
        HubRateLimiter limiter = new HubRateLimiter(Sku.parse("S1:5"), clock); // 100 queries a minute
        AtomicInteger passed = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            Future<?>[] f = new Future<?>[8];
            for (int t = 0; t < 8; t++) {
                f[t] = pool.submit(() -> {
                    for (int i = 0; i < 100; i++) {
                        try {
                            limiter.admit("shared", Operation.QUERY, 1);
                            passed.incrementAndGet();
                        } catch (ThrottledException e) {
                            // expected once the bucket is empty
                        }
                    }
                });
            }
            for (Future<?> x : f) x.get(30, TimeUnit.SECONDS);
        } finally {
            pool.shutdownNow();
        }
        assertThat(passed.get()).isEqualTo(100);
    }
}

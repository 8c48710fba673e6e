package dev.iolite.cli.simulate;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * A histogram of latencies in microseconds that any thread may record into without a lock: 32 buckets per power
 * of two above 64 µs (a quantile is off by at most about 3%), exact below, up to about 19 hours. Fixed size (a few
 * kilobytes) whatever the number of samples, so the simulator keeps one per window and one for the whole run.
 */
public final class Latencies {
    private static final int LINEAR = 64;
    private static final int SUB_BITS = 5;
    private static final int SUB = 1 << SUB_BITS;
    private static final int MAX_EXPONENT = 36;
    private static final int BUCKETS = LINEAR + (MAX_EXPONENT - 6 + 1) * SUB;

    private final AtomicLongArray counts = new AtomicLongArray(BUCKETS);

    /** Records one latency of {@code nanos} nanoseconds (negative counts as zero). */
    public void recordNanos(long nanos) {
        counts.incrementAndGet(index(Math.max(0, nanos) / 1_000));
    }

    /** The number of latencies recorded. */
    public long count() {
        long n = 0;
        for (int i = 0; i < BUCKETS; i++) n += counts.get(i);
        return n;
    }

    /** The latency at quantile {@code q} (0 to 1) in milliseconds, or NaN when nothing was recorded. */
    public double quantileMillis(double q) {
        long total = count();
        if (total == 0) return Double.NaN;
        long rank = Math.max(1, (long) Math.ceil(q * total));
        long seen = 0;
        for (int i = 0; i < BUCKETS; i++) {
            seen += counts.get(i);
            if (seen >= rank) return value(i) / 1_000.0;
        }
        return value(BUCKETS - 1) / 1_000.0;
    }

    /** Moves every count of this histogram into {@code into} and leaves this one empty (a window's end). */
    public void drainInto(Latencies into) {
        for (int i = 0; i < BUCKETS; i++) {
            long n = counts.getAndSet(i, 0);
            if (n != 0) into.counts.addAndGet(i, n);
        }
    }

    /** Adds every count of this histogram to {@code into}; this one is unchanged. */
    public void addTo(Latencies into) {
        for (int i = 0; i < BUCKETS; i++) {
            long n = counts.get(i);
            if (n != 0) into.counts.addAndGet(i, n);
        }
    }

    /** Forgets every latency recorded. */
    public void clear() {
        for (int i = 0; i < BUCKETS; i++) counts.set(i, 0);
    }

    static int index(long micros) {
        if (micros < LINEAR) return (int) micros;
        int exponent = Math.min(MAX_EXPONENT, 63 - Long.numberOfLeadingZeros(micros));
        if (exponent == MAX_EXPONENT && micros >= (1L << (MAX_EXPONENT + 1))) return BUCKETS - 1;
        int sub = (int) (micros >>> (exponent - SUB_BITS)) & (SUB - 1);
        return LINEAR + (exponent - 6) * SUB + sub;
    }

    /** The middle of bucket {@code i}, in microseconds. */
    static long value(int i) {
        if (i < LINEAR) return i;
        int exponent = (i - LINEAR) / SUB + 6;
        int sub = (i - LINEAR) % SUB;
        long width = 1L << (exponent - SUB_BITS);
        return ((SUB + sub) * width) + width / 2;
    }
}

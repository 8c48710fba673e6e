package dev.iolite.server.blob;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Optional;

/**
 * A container whose bytes read and staged are counted in {@code iolite_blob_read_bytes_total} and
 * {@code iolite_blob_written_bytes_total}, by kind of container. Reads add to the counter every 1 MiB and at
 * close, not per call.
 */
final class MeteredContainer implements BlobContainer {
    private static final long FLUSH_BYTES = 1 << 20;

    /** The two counters of one kind of container. */
    record Counters(Counter read, Counter written) {
        Counters(MeterRegistry meters, String kind) {
            this(Counter.builder("iolite.blob.read").baseUnit("bytes").description("Bytes jobs read from blob containers")
                            .tag("kind", kind).register(meters),
                    Counter.builder("iolite.blob.written").baseUnit("bytes").description("Bytes jobs staged into blob containers")
                            .tag("kind", kind).register(meters));
        }
    }

    private final BlobContainer inner;
    private final Counters counters;

    MeteredContainer(BlobContainer inner, Counters counters) {
        this.inner = inner;
        this.counters = counters;
    }

    @Override
    public String describe() { return inner.describe(); }

    @Override
    public boolean exists() throws IOException { return inner.exists(); }

    @Override
    public Optional<Long> size(String blob) throws IOException { return inner.size(blob); }

    @Override
    public InputStream read(String blob, long offset) throws IOException {
        return new Counting(inner.read(blob, offset), counters.read());
    }

    @Override
    public void stageBlock(String blob, String blockId, byte[] data, int length) throws IOException {
        inner.stageBlock(blob, blockId, data, length);
        counters.written().increment(length);
    }

    @Override
    public int stagingParallelism() { return inner.stagingParallelism(); }

    @Override
    public void commit(String blob, List<String> blockIds) throws IOException { inner.commit(blob, blockIds); }

    @Override
    public void probeWrite(String blob) throws IOException { inner.probeWrite(blob); }

    private static final class Counting extends FilterInputStream {
        private final Counter counter;
        private long pending;

        Counting(InputStream in, Counter counter) {
            super(in);
            this.counter = counter;
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) add(1);
            return b;
        }

        @Override
        public int read(byte[] buf, int off, int len) throws IOException {
            int n = super.read(buf, off, len);
            if (n > 0) add(n);
            return n;
        }

        private void add(long n) {
            pending += n;
            if (pending >= FLUSH_BYTES) flush();
        }

        private void flush() {
            if (pending > 0) counter.increment(pending);
            pending = 0;
        }

        @Override
        public void close() throws IOException {
            flush();
            super.close();
        }
    }
}

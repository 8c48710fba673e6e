package dev.iolite.server.blob;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.util.Arrays;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Reads a remote stream ahead on its own thread, a few chunks at most, so network waits overlap
 * with the parsing of what was already fetched. Memory is bounded by the queue.
 */
final class PrefetchInputStream extends InputStream {
    private static final int CHUNK = 4 * 1024 * 1024;
    private static final byte[] END = new byte[0];

    private final InputStream source;
    private final BlockingQueue<Object> queue = new ArrayBlockingQueue<>(4);
    private final Thread fetcher;
    private volatile boolean closed;
    private byte[] current = new byte[0];
    private int pos;
    private boolean ended;

    PrefetchInputStream(InputStream source) {
        this.source = source;
        this.fetcher = new Thread(this::fetch, "iolite-blob-prefetch");
        fetcher.setDaemon(true);
        fetcher.start();
    }

    private void fetch() {
        try {
            while (!closed) {
                byte[] buf = new byte[CHUNK];
                int n = source.readNBytes(buf, 0, CHUNK);
                if (n > 0) offer(n == CHUNK ? buf : Arrays.copyOf(buf, n));
                if (n < CHUNK) {
                    offer(END);
                    return;
                }
            }
        } catch (IOException | RuntimeException e) {
            offer(e);
        }
    }

    private void offer(Object o) {
        try {
            while (!closed && !queue.offer(o, 100, TimeUnit.MILLISECONDS)) {
                // the reader is behind: wait
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private boolean fill() throws IOException {
        if (ended) return false;
        while (pos >= current.length) {
            Object o;
            try {
                o = queue.take();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while reading a blob");
            }
            if (o instanceof IOException e) throw new IOException(e.getMessage(), e);
            if (o instanceof RuntimeException e) throw e;
            if (o == END) {
                ended = true;
                return false;
            }
            current = (byte[]) o;
            pos = 0;
        }
        return true;
    }

    @Override
    public int read() throws IOException {
        return fill() ? current[pos++] & 0xff : -1;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) return 0;
        if (!fill()) return -1;
        int n = Math.min(len, current.length - pos);
        System.arraycopy(current, pos, b, off, n);
        pos += n;
        return n;
    }

    @Override
    public void close() throws IOException {
        closed = true;
        queue.clear();
        fetcher.interrupt();
        source.close();
    }
}

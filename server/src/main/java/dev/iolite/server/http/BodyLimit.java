package dev.iolite.server.http;

import io.javalin.http.HttpResponseException;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;

import java.io.IOException;

/**
 * Caps request bodies on the bytes actually read, whatever the framing: a declared Content-Length over the
 * cap is refused before reading, and a chunked body is cut off (413) at the first byte past the cap, so the
 * excess is never buffered. Javalin's own check reads only Content-Length, which chunked bodies lack.
 */
final class BodyLimit implements Filter {
    private final long maxBytes;

    BodyLimit(long maxBytes) { this.maxBytes = maxBytes; }

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        chain.doFilter(new Limited((HttpServletRequest) request, maxBytes), response);
    }

    /** Thrown while reading past the cap; rendered as 413 in the surface's error format. */
    static HttpResponseException tooLarge() {
        return new HttpResponseException(413, "the request body is larger than the server's limit");
    }

    private static final class Limited extends HttpServletRequestWrapper {
        private final long maxBytes;
        private ServletInputStream stream;

        Limited(HttpServletRequest request, long maxBytes) {
            super(request);
            this.maxBytes = maxBytes;
        }

        @Override
        public ServletInputStream getInputStream() throws IOException {
            if (getContentLengthLong() > maxBytes) throw tooLarge();
            if (stream == null) stream = new Counting(super.getInputStream(), maxBytes);
            return stream;
        }
    }

    private static final class Counting extends ServletInputStream {
        private final ServletInputStream in;
        private final long maxBytes;
        private long read;

        Counting(ServletInputStream in, long maxBytes) {
            this.in = in;
            this.maxBytes = maxBytes;
        }

        @Override
        public int read() throws IOException {
            int b = in.read();
            if (b >= 0) count(1);
            return b;
        }

        @Override
        public int read(byte[] buf, int off, int len) throws IOException {
            // never ask for more than one byte past the cap, so at most one excess byte is ever read
            int n = in.read(buf, off, (int) Math.min(len, Math.max(1, maxBytes - read + 1)));
            if (n > 0) count(n);
            return n;
        }

        private void count(int n) {
            read += n;
            if (read > maxBytes) throw tooLarge();
        }

        @Override
        public boolean isFinished() { return in.isFinished(); }

        @Override
        public boolean isReady() { return in.isReady(); }

        @Override
        public void setReadListener(ReadListener listener) { in.setReadListener(listener); }
    }
}

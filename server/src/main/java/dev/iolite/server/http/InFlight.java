package dev.iolite.server.http;

import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;

import java.io.IOException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The requests under way, for a stop that waits for them: counted from the filter chain's start to the response's
 * end, which for a request answered later (a direct method call, a long poll) is when its asynchronous context
 * completes, however it completes. Javalin's after-handlers are not that point: they do not run when such a
 * request's future fails.
 */
final class InFlight implements Filter {
    private final AtomicInteger count = new AtomicInteger();

    int count() { return count.get(); }

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain) throws IOException, ServletException {
        count.incrementAndGet();
        boolean async = false;
        try {
            chain.doFilter(request, response);
            if (request.isAsyncStarted()) {
                request.getAsyncContext().addListener(new Done());
                async = true;
            }
        } finally {
            if (!async) count.decrementAndGet();
        }
    }

    /** Ends the count once, at the asynchronous context's completion (an error or a timeout completes it too). */
    private final class Done implements AsyncListener {
        @Override public void onComplete(AsyncEvent event) { count.decrementAndGet(); }
        @Override public void onTimeout(AsyncEvent event) {}
        @Override public void onError(AsyncEvent event) {}
        @Override public void onStartAsync(AsyncEvent event) { event.getAsyncContext().addListener(this); }
    }
}

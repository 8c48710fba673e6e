package dev.iolite.server;

import dev.iolite.server.errors.ErrorCode;
import dev.iolite.server.errors.IoliteException;
import dev.iolite.server.messages.MessageSink;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The threads that do the device surfaces' blocking work (authentication, twin reads and writes): a fixed
 * pool with a bounded queue; past it a device's request is refused at once rather than queued without end.
 */
final class DeviceWork {
    private static final Logger LOG = LoggerFactory.getLogger(DeviceWork.class);
    static final int THREADS = 4;
    static final int QUEUE = 20_000;

    /** Until the built-in endpoint stores telemetry, a message is refused rather than acknowledged and lost. */
    static final MessageSink NOT_STORED = m -> CompletableFuture.failedFuture(
            new IoliteException(ErrorCode.SERVICE_UNAVAILABLE, "this server does not store telemetry yet"));

    private DeviceWork() {}

    static ExecutorService start() {
        AtomicInteger n = new AtomicInteger();
        return new ThreadPoolExecutor(THREADS, THREADS, 0, TimeUnit.SECONDS, new ArrayBlockingQueue<>(QUEUE), r -> {
            Thread t = new Thread(r, "iolite-device-work-" + n.incrementAndGet());
            t.setDaemon(true);
            t.setUncaughtExceptionHandler((th, e) -> LOG.error("{} died", th.getName(), e));
            return t;
        }, new ThreadPoolExecutor.AbortPolicy());
    }

    /** Lets queued work finish for up to 5 s, then interrupts what is left. */
    static void stop(ExecutorService pool) {
        pool.shutdown();
        try {
            if (!pool.awaitTermination(5, TimeUnit.SECONDS)) pool.shutdownNow();
        } catch (InterruptedException e) {
            pool.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }
}

package dev.iolite.server.jobs;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * The hand-over between a job's producing stage (the import's reader, the export's scanner) and the job
 * thread, so that neither can wait forever on the other:
 * <ul>
 *   <li>the producer runs on a thread this queue starts and owns; whatever ends it (an exception or an
 *       {@link Error} such as {@link OutOfMemoryError}) is handed to the consumer as the stage's failure;</li>
 *   <li>the consumer waits in short slices, and between them notices a producer that died without a word
 *       and a node that is stopping, so a job never hangs on a queue whose producer is gone.</li>
 * </ul>
 *
 * @param <T> what the producer hands over
 */
final class StageQueue<T> {
    /** The producing stage: it calls {@link #put} until it is done or {@link #stopped()}. */
    interface Producer<T> {
        void produce(StageQueue<T> out) throws Exception;
    }

    private static final long SLICE_MS = 100;
    private final BlockingQueue<Object> queue;
    private final String stage;
    private final Thread thread;
    private volatile boolean stopped;
    private volatile boolean finished;

    private record Failed(Throwable cause) {}

    private StageQueue(int capacity, String stage, Producer<T> producer) {
        this.queue = new ArrayBlockingQueue<>(capacity);
        this.stage = stage;
        this.thread = new Thread(() -> {
            try {
                producer.produce(this);
            } catch (Throwable t) {
                if (!stopped) putQuietly(new Failed(t));
            } finally {
                finished = true;
            }
        }, "iolite-" + stage.replace(' ', '-'));
        thread.setDaemon(true);
    }

    /** Starts {@code producer} on its own thread, handing over through a queue of {@code capacity} items. */
    static <T> StageQueue<T> start(int capacity, String stage, Producer<T> producer) {
        StageQueue<T> q = new StageQueue<>(capacity, stage, producer);
        q.thread.start();
        return q;
    }

    /** Hands an item over, waiting while the consumer is busy; returns false when the stage was stopped. */
    boolean put(T item) throws InterruptedException {
        while (!stopped) {
            if (queue.offer(item, SLICE_MS, TimeUnit.MILLISECONDS)) return true;
        }
        return false;
    }

    private void putQuietly(Object o) {
        try {
            while (!stopped && !queue.offer(o, SLICE_MS, TimeUnit.MILLISECONDS)) {
                // the consumer will take it, or stop the stage
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** True once the consumer stopped the stage: the producer should end. */
    boolean stopped() { return stopped; }

    /**
     * The next item; null when {@code stopping} turned true while waiting (the node is stopping: the job
     * pauses at its checkpoint).
     *
     * @throws StageFailedException when the producer failed or died without handing anything over
     */
    T take(BooleanSupplier stopping) throws InterruptedException {
        while (true) {
            Object o = queue.poll(SLICE_MS, TimeUnit.MILLISECONDS);
            if (o == null) {
                if (stopping.getAsBoolean()) return null;
                if (finished && queue.isEmpty()) {
                    throw new StageFailedException(stage, new IllegalStateException(
                            "the " + stage + " stopped without finishing; this indicates a bug"));
                }
                continue;
            }
            if (o instanceof Failed f) {
                // The job's own outcomes (a lost lease, an unavailable store, a domain failure) keep their
                // meaning; anything else, Errors above all, ends the job with a reason in words.
                if (f.cause() instanceof RuntimeException r && !(r instanceof IllegalStateException)
                        && !(r instanceof NullPointerException) && !(r instanceof ClassCastException)
                        && !(r instanceof IndexOutOfBoundsException)) {
                    throw r;
                }
                throw new StageFailedException(stage, f.cause());
            }
            @SuppressWarnings("unchecked")
            T item = (T) o;
            return item;
        }
    }

    /** Stops the producer and lets go of what it had queued. */
    void stop() {
        stopped = true;
        queue.clear();
        thread.interrupt();
    }

    /** A producing stage ended by a failure; {@link #reason} says what happened in words a user understands. */
    static final class StageFailedException extends RuntimeException {
        StageFailedException(String stage, Throwable cause) {
            super(reason(stage, cause), cause);
        }

        static String reason(String stage, Throwable cause) {
            if (cause instanceof OutOfMemoryError) {
                long heapMiB = Runtime.getRuntime().maxMemory() / (1024 * 1024);
                return "the server ran out of memory (a heap of " + heapMiB + " MiB) in the " + stage
                        + "; start it with a larger heap (-Xmx) or import a smaller blob";
            }
            if (cause instanceof java.io.IOException) return "blob storage failed in the " + stage + ": " + cause.getMessage();
            if (cause instanceof JobFailure || cause instanceof dev.iolite.server.errors.IoliteException) {
                return cause.getMessage();
            }
            return "the " + stage + " failed: " + cause;
        }
    }
}

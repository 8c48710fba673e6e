package dev.iolite.server.amqp;

import dev.iolite.server.http.StreamListener;
import dev.iolite.server.http.TlsMaterial;
import dev.iolite.server.http.WebSocketStreams;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.GlobalEventExecutor;

import java.io.IOException;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * IoT Hub's and Event Hubs' AMQP 1.0 endpoint: AMQP over TLS on its own port (IoT Hub's is 5671), and the same
 * connections carried over WebSockets, whose bytes arrive at this listener's in-process address. Netty reads and
 * writes; Proton-J's engine ({@link AmqpConnection}) makes and reads the frames. Store reads run on
 * {@link #READ_THREADS} threads of their own behind a bounded queue.
 */
public final class AmqpListener implements AutoCloseable {
    /** Threads that read the store for Event Hubs readers and $management. */
    static final int READ_THREADS = 2;
    /** Reads waiting for those threads; more are retried a moment later. */
    static final int READ_QUEUE = 4096;

    private final AmqpContext cx;
    private final Claims claims;
    private final Readers readers = new Readers();
    private final FeedbackReaders feedbackReaders = new FeedbackReaders();
    private final ExecutorService reads;
    private final ChannelGroup open = new DefaultChannelGroup("iolite-amqp", GlobalEventExecutor.INSTANCE);
    private final StreamListener listener;

    /** {@code cx}'s {@code reads} is ignored: the listener brings its own (see {@link #context}). */
    public AmqpListener(AmqpContext cx, TlsMaterial tls) {
        this.reads = new ThreadPoolExecutor(READ_THREADS, READ_THREADS, 0, TimeUnit.MILLISECONDS,
                new ArrayBlockingQueue<>(READ_QUEUE), new DefaultThreadFactory("iolite-amqp-read", true));
        this.cx = new AmqpContext(cx.hubs(), cx.defaultHub(), cx.consumerGroups(), cx.messages(), cx.partitions(), reads,
                cx.clock(), cx.metrics(), cx.cloud());
        cx.cloud().onFeedback(feedbackReaders::added);
        this.claims = new Claims(cx.hubs(), cx.defaultHub());
        SslContext ssl;
        try {
            ssl = SslContextBuilder.forServer(tls.keyManagers()).build();
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("the AMQP listener's TLS context could not be made: " + e.getMessage(), e);
        }
        this.listener = new StreamListener("amqp", ssl, new WriteBufferWaterMark(256 * 1024, 2 * 1024 * 1024), p -> {
            open.add(p.channel());
            p.addLast("amqp", new AmqpConnection(this.cx, claims, readers, feedbackReaders));
        });
    }

    /** The context the connections use, with the listener's read threads. */
    AmqpContext context() { return cx; }

    /** Listens on {@code bind}:{@code port} (0: a free port; -1: no TCP listener, WebSockets only). */
    public void start(String bind, int port) throws IOException { listener.start(bind, port); }

    /** For the built-in endpoint's writer: wakes the readers waiting on these hubs. Never blocks. */
    public void committed(Set<String> hubs) { readers.committed(hubs); }

    /** The TCP port, or -1 without a TCP listener. */
    public int port() { return listener.port(); }

    /**
     * AMQP over WebSockets (subprotocol {@code AMQPWSB10}) at IoT Hub's {@code /$iothub/websocket} and Event Hubs'
     * {@code /$servicebus/websocket}, for the HTTPS server.
     */
    public WebSocketStreams.Stream webSocketStream() {
        return new WebSocketStreams.Stream("AMQP", listener::inProcessClient, 1024 * 1024, 4L * 1024 * 1024,
                Duration.ofMillis(AmqpConnection.IDLE_TIMEOUT_MS + 60_000));
    }

    /** Closes every connection, then the listeners, within {@code bound}. */
    public void stop(Duration bound) {
        listener.stop(bound, () -> {
            open.close().awaitUninterruptibly(1, TimeUnit.SECONDS);
            reads.shutdownNow();
        });
    }

    @Override
    public void close() {
        stop(Duration.ofSeconds(5));
    }
}

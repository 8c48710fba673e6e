package dev.iolite.server.amqp;

import dev.iolite.server.http.TlsMaterial;
import dev.iolite.server.http.WebSocketStreams;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.local.LocalAddress;
import io.netty.channel.local.LocalChannel;
import io.netty.channel.local.LocalServerChannel;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.GlobalEventExecutor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.net.ssl.KeyManagerFactory;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.Set;
import java.util.UUID;
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
    private static final Logger LOG = LoggerFactory.getLogger(AmqpListener.class);
    /** Threads that read the store for Event Hubs readers and $management. */
    static final int READ_THREADS = 2;
    /** Reads waiting for those threads; more are retried a moment later. */
    static final int READ_QUEUE = 4096;

    private final AmqpContext cx;
    private final Claims claims;
    private final Readers readers = new Readers();
    private final FeedbackReaders feedbackReaders = new FeedbackReaders();
    private final EventLoopGroup boss;
    private final EventLoopGroup workers;
    private final ExecutorService reads;
    private final SslContext ssl;
    private final ChannelGroup open = new DefaultChannelGroup("iolite-amqp", GlobalEventExecutor.INSTANCE);
    private final LocalAddress local = new LocalAddress("iolite-amqp-" + UUID.randomUUID());
    private Channel tcp;
    private Channel inProcess;

    /** {@code cx}'s {@code reads} is ignored: the listener brings its own (see {@link #context}). */
    public AmqpListener(AmqpContext cx, TlsMaterial tls) {
        this.reads = new ThreadPoolExecutor(READ_THREADS, READ_THREADS, 0, TimeUnit.MILLISECONDS,
                new ArrayBlockingQueue<>(READ_QUEUE), new DefaultThreadFactory("iolite-amqp-read", true));
        this.cx = new AmqpContext(cx.hubs(), cx.defaultHub(), cx.consumerGroups(), cx.messages(), cx.partitions(), reads,
                cx.clock(), cx.metrics(), cx.cloud());
        cx.cloud().onFeedback(feedbackReaders::added);
        this.claims = new Claims(cx.hubs(), cx.defaultHub());
        this.boss = new NioEventLoopGroup(1, new DefaultThreadFactory("iolite-amqp-accept", true));
        this.workers = new NioEventLoopGroup(Math.max(2, Runtime.getRuntime().availableProcessors()),
                new DefaultThreadFactory("iolite-amqp", true));
        try {
            KeyManagerFactory kmf = tls.keyManagers();
            this.ssl = SslContextBuilder.forServer(kmf).build();
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("the AMQP listener's TLS context could not be made: " + e.getMessage(), e);
        }
    }

    /** The context the connections use, with the listener's read threads. */
    AmqpContext context() { return cx; }

    /** Listens on {@code bind}:{@code port} (0: a free port; -1: no TCP listener, WebSockets only). */
    public void start(String bind, int port) throws IOException {
        inProcess = new ServerBootstrap().group(workers).channel(LocalServerChannel.class)
                .childHandler(new ChannelInitializer<LocalChannel>() {
                    @Override
                    protected void initChannel(LocalChannel ch) {
                        pipeline(ch.pipeline());
                    }
                }).bind(local).syncUninterruptibly().channel();
        if (port < 0) return;
        try {
            tcp = new ServerBootstrap().group(boss, workers).channel(NioServerSocketChannel.class)
                    .option(ChannelOption.SO_BACKLOG, 1024)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(256 * 1024, 2 * 1024 * 1024))
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            ch.pipeline().addLast("tls", ssl.newHandler(ch.alloc()));
                            pipeline(ch.pipeline());
                        }
                    }).bind(new InetSocketAddress(bind, port)).sync().channel();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while binding the AMQP port", e);
        }
    }

    private void pipeline(ChannelPipeline p) {
        open.add(p.channel());
        p.addLast("amqp", new AmqpConnection(cx, claims, readers, feedbackReaders));
    }

    /** For the built-in endpoint's writer: wakes the readers waiting on these hubs. Never blocks. */
    public void committed(Set<String> hubs) { readers.committed(hubs); }

    /** The TCP port, or -1 without a TCP listener. */
    public int port() {
        return tcp == null ? -1 : ((InetSocketAddress) tcp.localAddress()).getPort();
    }

    /**
     * AMQP over WebSockets (subprotocol {@code AMQPWSB10}) at IoT Hub's {@code /$iothub/websocket} and Event Hubs'
     * {@code /$servicebus/websocket}, for the HTTPS server.
     */
    public WebSocketStreams.Stream webSocketStream() {
        return new WebSocketStreams.Stream("AMQP", this::inProcessClient, 1024 * 1024, 4L * 1024 * 1024,
                Duration.ofMillis(AmqpConnection.IDLE_TIMEOUT_MS + 60_000));
    }

    /** A client channel to the in-process address, for a connection that arrived another way (WebSockets). */
    Bootstrap inProcessClient() {
        return new Bootstrap().group(workers).channel(LocalChannel.class).remoteAddress(local);
    }

    /** Closes every connection, then the listeners, within {@code bound}. */
    public void stop(Duration bound) {
        long deadline = System.nanoTime() + bound.toNanos();
        if (tcp != null) tcp.close().awaitUninterruptibly(1, TimeUnit.SECONDS);
        open.close().awaitUninterruptibly(1, TimeUnit.SECONDS);
        if (inProcess != null) inProcess.close().awaitUninterruptibly(1, TimeUnit.SECONDS);
        reads.shutdownNow();
        long left = Math.max(100, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
        boss.shutdownGracefully(0, left, TimeUnit.MILLISECONDS);
        if (!workers.shutdownGracefully(0, left, TimeUnit.MILLISECONDS).awaitUninterruptibly(left)) {
            LOG.warn("the AMQP threads did not stop within {} ms", left);
        }
    }

    @Override
    public void close() {
        stop(Duration.ofSeconds(5));
    }
}

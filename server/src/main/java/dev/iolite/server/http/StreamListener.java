package dev.iolite.server.http;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.local.LocalAddress;
import io.netty.channel.local.LocalChannel;
import io.netty.channel.local.LocalServerChannel;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.util.concurrent.DefaultThreadFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The transport the MQTT and AMQP surfaces share: a TLS listener on a TCP port, and an in-process address where
 * {@link WebSocketStreams} hands over the bytes of connections that came as WebSockets; both end in the same
 * pipeline. Netty's event loops read and write every connection; a connection holds no thread of its own.
 */
public final class StreamListener {
    private static final Logger LOG = LoggerFactory.getLogger(StreamListener.class);

    private final String name;
    private final SslContext ssl;
    private final WriteBufferWaterMark marks;
    private final Consumer<ChannelPipeline> pipeline;
    private final EventLoopGroup boss;
    private final EventLoopGroup workers;
    private final LocalAddress local;
    private Channel tcp;
    private Channel inProcess;

    /**
     * @param name     the protocol's name, for threads and messages ({@code "mqtt"}, {@code "amqp"})
     * @param marks    each TCP connection's write buffer marks (Netty stops reading it while over the high one)
     * @param pipeline adds the protocol's handlers, after TLS where there is TLS
     */
    public StreamListener(String name, SslContext ssl, WriteBufferWaterMark marks, Consumer<ChannelPipeline> pipeline) {
        this.name = name;
        this.ssl = ssl;
        this.marks = marks;
        this.pipeline = pipeline;
        this.boss = new NioEventLoopGroup(1, new DefaultThreadFactory("iolite-" + name + "-accept", true));
        this.workers = new NioEventLoopGroup(Math.max(2, Runtime.getRuntime().availableProcessors()),
                new DefaultThreadFactory("iolite-" + name, true));
        this.local = new LocalAddress("iolite-" + name + "-" + UUID.randomUUID());
    }

    /** Listens on {@code bind}:{@code port} (0: a free port; -1: no TCP listener, WebSockets only). */
    public void start(String bind, int port) throws IOException {
        inProcess = new ServerBootstrap().group(workers).channel(LocalServerChannel.class)
                .childHandler(new ChannelInitializer<LocalChannel>() {
                    @Override
                    protected void initChannel(LocalChannel ch) {
                        pipeline.accept(ch.pipeline());
                    }
                }).bind(local).syncUninterruptibly().channel();
        if (port < 0) return;
        try {
            tcp = new ServerBootstrap().group(boss, workers).channel(NioServerSocketChannel.class)
                    .option(ChannelOption.SO_BACKLOG, 1024)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, marks)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            ch.pipeline().addLast("tls", ssl.newHandler(ch.alloc()));
                            pipeline.accept(ch.pipeline());
                        }
                    }).bind(new InetSocketAddress(bind, port)).sync().channel();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while binding the " + name + " port", e);
        }
    }

    /** The TCP port, or -1 without a TCP listener. */
    public int port() {
        return tcp == null ? -1 : ((InetSocketAddress) tcp.localAddress()).getPort();
    }

    /** A client channel to the in-process address, for a connection that arrived another way (WebSockets). */
    public Bootstrap inProcessClient() {
        return new Bootstrap().group(workers).channel(LocalChannel.class).remoteAddress(local);
    }

    /**
     * Closes the listeners, runs {@code closeConnections} (the protocol closes what it holds open), and ends the
     * threads, all within {@code bound}.
     */
    public void stop(Duration bound, Runnable closeConnections) {
        long deadline = System.nanoTime() + bound.toNanos();
        if (tcp != null) tcp.close().awaitUninterruptibly(1, TimeUnit.SECONDS);
        closeConnections.run();
        if (inProcess != null) inProcess.close().awaitUninterruptibly(1, TimeUnit.SECONDS);
        long left = Math.max(100, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
        boss.shutdownGracefully(0, left, TimeUnit.MILLISECONDS);
        if (!workers.shutdownGracefully(0, left, TimeUnit.MILLISECONDS).awaitUninterruptibly(left)) {
            LOG.warn("the {} threads did not stop within {} ms", name, left);
        }
    }
}

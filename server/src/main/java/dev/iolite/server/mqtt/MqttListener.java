package dev.iolite.server.mqtt;

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
import io.netty.channel.local.LocalAddress;
import io.netty.channel.local.LocalChannel;
import io.netty.channel.local.LocalServerChannel;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.mqtt.MqttDecoder;
import io.netty.handler.codec.mqtt.MqttEncoder;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.net.ssl.KeyManagerFactory;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * IoT Hub's MQTT device endpoint: MQTT 3.1.1 over TLS on its own port, and the same connections carried over
 * WebSockets by {@link dev.iolite.server.http.WebSocketStreams}, which hands their bytes to this listener's in-process address. Netty
 * reads and writes every connection on a few event loop threads; a connection holds no thread of its own.
 */
public final class MqttListener implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(MqttListener.class);
    /** A connection must send its CONNECT within this time. */
    static final Duration CONNECT_DEADLINE = Duration.ofSeconds(30);
    /** The largest packet read: a 256 KiB message, its topic and property bag. */
    static final int MAX_PACKET_BYTES = MqttConnection.MAX_MESSAGE_BYTES + 64 * 1024;

    private final MqttContext cx;
    private final EventLoopGroup boss;
    private final EventLoopGroup workers;
    private final SslContext ssl;
    private final LocalAddress local = new LocalAddress("iolite-mqtt-" + UUID.randomUUID());
    private Channel tcp;
    private Channel inProcess;

    public MqttListener(MqttContext cx, TlsMaterial tls) {
        this.cx = cx;
        this.boss = new NioEventLoopGroup(1, new DefaultThreadFactory("iolite-mqtt-accept", true));
        this.workers = new NioEventLoopGroup(Math.max(2, Runtime.getRuntime().availableProcessors()),
                new DefaultThreadFactory("iolite-mqtt", true));
        try {
            KeyManagerFactory kmf = tls.keyManagers();
            // Any client certificate is accepted at the handshake; the identity's thumbprint decides at CONNECT.
            this.ssl = SslContextBuilder.forServer(kmf).clientAuth(ClientAuth.OPTIONAL)
                    .trustManager(InsecureTrustManagerFactory.INSTANCE).build();
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("the MQTT listener's TLS context could not be made: " + e.getMessage(), e);
        }
    }

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
                    .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(64 * 1024, 1024 * 1024))
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            ch.pipeline().addLast("tls", ssl.newHandler(ch.alloc()));
                            pipeline(ch.pipeline());
                        }
                    }).bind(new InetSocketAddress(bind, port)).sync().channel();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while binding the MQTT port", e);
        }
    }

    private void pipeline(ChannelPipeline p) {
        p.addLast("idle", new IdleStateHandler(CONNECT_DEADLINE.toSeconds(), 0, 0, TimeUnit.SECONDS));
        p.addLast("decoder", new MqttDecoder(MAX_PACKET_BYTES));
        p.addLast("encoder", MqttEncoder.INSTANCE);
        p.addLast("device", new MqttConnection(cx));
    }

    /** MQTT over WebSockets ({@code /$iothub/websocket}, subprotocol {@code mqtt}), for the HTTPS server. */
    public WebSocketStreams.Stream webSocketStream() {
        return new WebSocketStreams.Stream("MQTT", this::inProcessClient, MAX_PACKET_BYTES + 1024, MqttConnection.MAX_UNSENT_BYTES,
                Duration.ofSeconds(MqttConnection.MAX_IDLE_SECONDS + 60));
    }

    /** The TCP port, or -1 without a TCP listener. */
    public int port() {
        return tcp == null ? -1 : ((InetSocketAddress) tcp.localAddress()).getPort();
    }

    /** A client channel to the in-process address, for a connection that arrived another way (WebSockets). */
    Bootstrap inProcessClient() {
        return new Bootstrap().group(workers).channel(LocalChannel.class).remoteAddress(local);
    }

    /** Closes every device connection, then the listeners, within {@code bound}. */
    public void stop(Duration bound) {
        long deadline = System.nanoTime() + bound.toNanos();
        if (tcp != null) tcp.close().awaitUninterruptibly(1, TimeUnit.SECONDS);
        cx.sessions().closeAll();
        if (inProcess != null) inProcess.close().awaitUninterruptibly(1, TimeUnit.SECONDS);
        long left = Math.max(100, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
        boss.shutdownGracefully(0, left, TimeUnit.MILLISECONDS);
        if (!workers.shutdownGracefully(0, left, TimeUnit.MILLISECONDS).awaitUninterruptibly(left)) {
            LOG.warn("the MQTT threads did not stop within {} ms", left);
        }
    }

    @Override
    public void close() {
        stop(Duration.ofSeconds(5));
    }
}

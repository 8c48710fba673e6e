package dev.iolite.server.mqtt;

import dev.iolite.server.http.StreamListener;
import dev.iolite.server.http.TlsMaterial;
import dev.iolite.server.http.WebSocketStreams;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.handler.codec.mqtt.MqttDecoder;
import io.netty.handler.codec.mqtt.MqttEncoder;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.netty.handler.timeout.IdleStateHandler;

import java.io.IOException;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * IoT Hub's MQTT device endpoint: MQTT 3.1.1 over TLS on its own port, and the same connections carried over
 * WebSockets by {@link dev.iolite.server.http.WebSocketStreams}, which hands their bytes to this listener's in-process address. Netty
 * reads and writes every connection on a few event loop threads; a connection holds no thread of its own.
 */
public final class MqttListener implements AutoCloseable {
    /** A connection must send its CONNECT within this time. */
    static final Duration CONNECT_DEADLINE = Duration.ofSeconds(30);
    /** The largest packet read: a 256 KiB message, its topic and property bag. */
    static final int MAX_PACKET_BYTES = MqttConnection.MAX_MESSAGE_BYTES + 64 * 1024;

    private final MqttContext cx;
    private final StreamListener listener;

    public MqttListener(MqttContext cx, TlsMaterial tls) {
        this.cx = cx;
        SslContext ssl;
        try {
            // Any client certificate is accepted at the handshake; the identity's thumbprint decides at CONNECT.
            ssl = SslContextBuilder.forServer(tls.keyManagers()).clientAuth(ClientAuth.OPTIONAL)
                    .trustManager(InsecureTrustManagerFactory.INSTANCE).build();
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("the MQTT listener's TLS context could not be made: " + e.getMessage(), e);
        }
        this.listener = new StreamListener("mqtt", ssl, new WriteBufferWaterMark(64 * 1024, 1024 * 1024), this::pipeline);
    }

    /** Listens on {@code bind}:{@code port} (0: a free port; -1: no TCP listener, WebSockets only). */
    public void start(String bind, int port) throws IOException { listener.start(bind, port); }

    private void pipeline(ChannelPipeline p) {
        p.addLast("idle", new IdleStateHandler(CONNECT_DEADLINE.toSeconds(), 0, 0, TimeUnit.SECONDS));
        p.addLast("decoder", new MqttDecoder(MAX_PACKET_BYTES));
        p.addLast("encoder", MqttEncoder.INSTANCE);
        p.addLast("device", new MqttConnection(cx));
    }

    /** MQTT over WebSockets ({@code /$iothub/websocket}, subprotocol {@code mqtt}), for the HTTPS server. */
    public WebSocketStreams.Stream webSocketStream() {
        return new WebSocketStreams.Stream("MQTT", listener::inProcessClient, MAX_PACKET_BYTES + 1024, MqttConnection.MAX_UNSENT_BYTES,
                Duration.ofSeconds(MqttConnection.MAX_IDLE_SECONDS + 60));
    }

    /** The TCP port, or -1 without a TCP listener. */
    public int port() { return listener.port(); }

    /** Closes every device connection, then the listeners, within {@code bound}. */
    public void stop(Duration bound) {
        listener.stop(bound, () -> cx.sessions().closeAll());
    }

    @Override
    public void close() {
        stop(Duration.ofSeconds(5));
    }
}

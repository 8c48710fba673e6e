package dev.iolite.server.mqtt;

import dev.iolite.server.http.WebServer;
import io.javalin.Javalin;
import io.javalin.websocket.WsContext;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import org.eclipse.jetty.websocket.api.Session;
import org.eclipse.jetty.websocket.api.WriteCallback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * MQTT over WebSockets at {@code /$iothub/websocket} on the HTTPS port, as IoT Hub serves it (subprotocol
 * {@code mqtt}): each WebSocket's binary frames are a byte stream of MQTT packets, handed unchanged to the
 * MQTT listener's in-process address, so both transports run the same pipeline. What the device is sent goes
 * back as binary frames; a device that lets more than {@link MqttConnection#MAX_UNSENT_BYTES} pile up is cut off.
 */
public final class MqttWebSockets implements WebServer.RouteTable {
    private static final Logger LOG = LoggerFactory.getLogger(MqttWebSockets.class);
    public static final String PATH = "/$iothub/websocket";
    private static final String BRIDGE = "iolite.mqtt.bridge";

    private final MqttListener listener;

    MqttWebSockets(MqttListener listener) {
        this.listener = listener;
    }

    @Override
    public void addRoutes(Javalin app) {
        app.ws(PATH, ws -> {
            ws.onConnect(ctx -> {
                ctx.session.setIdleTimeout(Duration.ofSeconds(MqttConnection.MAX_IDLE_SECONDS + 60));
                ctx.session.setMaxBinaryMessageSize(MqttListener.MAX_PACKET_BYTES + 1024);
                Bridge b = new Bridge(ctx.session);
                Channel ch = listener.inProcessClient().handler(b).connect().syncUninterruptibly().channel();
                b.local = ch;
                ctx.attribute(BRIDGE, b);
            });
            ws.onBinaryMessage(ctx -> {
                Bridge b = ctx.attribute(BRIDGE);
                if (b != null) b.local.writeAndFlush(Unpooled.copiedBuffer(ctx.data(), ctx.offset(), ctx.length()));
            });
            ws.onMessage(ctx -> {
                LOG.info("MQTT over WebSockets from {} sent a text frame; closing", ctx.session.getRemoteAddress());
                ctx.closeSession();
            });
            ws.onClose(ctx -> close(ctx));
            ws.onError(ctx -> close(ctx));
        });
    }

    private static void close(WsContext ctx) {
        Bridge b = ctx.attribute(BRIDGE);
        if (b != null && b.local != null) b.local.close();
    }

    /** Carries what the MQTT pipeline writes back to the WebSocket. */
    private static final class Bridge extends ChannelInboundHandlerAdapter {
        private final Session session;
        private final AtomicLong unsent = new AtomicLong();
        private volatile Channel local;

        Bridge(Session session) {
            this.session = session;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf buf = (ByteBuf) msg;
            try {
                int n = buf.readableBytes();
                if (unsent.addAndGet(n) > MqttConnection.MAX_UNSENT_BYTES) {
                    LOG.info("MQTT over WebSockets from {} does not read what it is sent; closing", session.getRemoteAddress());
                    session.close();
                    ctx.close();
                    return;
                }
                ByteBuffer copy = ByteBuffer.allocate(n);
                buf.readBytes(copy);
                copy.flip();
                session.getRemote().sendBytes(copy, new WriteCallback() {
                    @Override
                    public void writeFailed(Throwable x) {
                        unsent.addAndGet(-n);
                        ctx.close();
                    }

                    @Override
                    public void writeSuccess() {
                        unsent.addAndGet(-n);
                    }
                });
            } finally {
                buf.release();
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (session.isOpen()) session.close();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}

package dev.iolite.server.http;

import io.javalin.Javalin;
import io.javalin.websocket.WsContext;
import io.netty.bootstrap.Bootstrap;
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
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Byte-stream protocols carried over WebSockets on the HTTPS port, as IoT Hub and Event Hubs carry them: each
 * WebSocket's binary frames are a byte stream, handed unchanged to a Netty listener's in-process address, so a
 * protocol runs the same pipeline over TLS and over WebSockets. The listener is chosen by the subprotocol the client
 * asks for ({@code mqtt}, {@code AMQPWSB10}; Jetty answers with the first one asked), or the path's default when it
 * asks for none. What the listener writes goes back as binary frames; a client that lets more than
 * {@link Stream#maxUnsentBytes()} pile up is cut off.
 */
public final class WebSocketStreams implements WebServer.RouteTable {
    private static final Logger LOG = LoggerFactory.getLogger(WebSocketStreams.class);
    private static final String BRIDGE = "iolite.ws.bridge";

    /**
     * One protocol's listener.
     *
     * @param name           the protocol's name, for the log
     * @param client         a client bootstrap to the listener's in-process address (its handler is set here)
     * @param maxFrameBytes  the largest binary message taken
     * @param maxUnsentBytes what may wait to be sent to a client before it is cut off
     * @param idleTimeout    how long a WebSocket may stay silent
     */
    public record Stream(String name, java.util.function.Supplier<Bootstrap> client, int maxFrameBytes, long maxUnsentBytes,
                         Duration idleTimeout) {}

    /**
     * A WebSocket path and its protocols.
     *
     * @param path         such as {@code /$iothub/websocket}
     * @param bySubprotocol the protocols by subprotocol name (compared without case)
     * @param fallback     the protocol of a client that names none of them
     */
    public record Route(String path, Map<String, Stream> bySubprotocol, Stream fallback) {}

    private final List<Route> routes;

    public WebSocketStreams(List<Route> routes) {
        this.routes = List.copyOf(routes);
    }

    @Override
    public void addRoutes(Javalin app) {
        for (Route route : routes) {
            app.ws(route.path(), ws -> {
                ws.onConnect(ctx -> {
                    Stream s = choose(route, ctx.session.getUpgradeRequest().getSubProtocols());
                    ctx.session.setIdleTimeout(s.idleTimeout());
                    ctx.session.setMaxBinaryMessageSize(s.maxFrameBytes());
                    Bridge b = new Bridge(ctx.session, s);
                    Channel ch = s.client().get().handler(b).connect().syncUninterruptibly().channel();
                    b.local = ch;
                    ctx.attribute(BRIDGE, b);
                });
                ws.onBinaryMessage(ctx -> {
                    Bridge b = ctx.attribute(BRIDGE);
                    if (b != null) b.local.writeAndFlush(Unpooled.copiedBuffer(ctx.data(), ctx.offset(), ctx.length()));
                });
                ws.onMessage(ctx -> {
                    LOG.info("a WebSocket at {} from {} sent a text frame; closing", route.path(), ctx.session.getRemoteAddress());
                    ctx.closeSession();
                });
                ws.onClose(WebSocketStreams::close);
                ws.onError(WebSocketStreams::close);
            });
        }
    }

    private static Stream choose(Route route, List<String> asked) {
        for (String p : asked) {
            Stream s = route.bySubprotocol().get(p.toLowerCase(Locale.ROOT));
            if (s != null) return s;
            for (Map.Entry<String, Stream> e : route.bySubprotocol().entrySet()) if (e.getKey().equalsIgnoreCase(p)) return e.getValue();
        }
        return route.fallback();
    }

    private static void close(WsContext ctx) {
        Bridge b = ctx.attribute(BRIDGE);
        if (b != null && b.local != null) b.local.close();
    }

    /** Carries what the listener's pipeline writes back to the WebSocket. */
    private static final class Bridge extends ChannelInboundHandlerAdapter {
        private final Session session;
        private final Stream stream;
        private final AtomicLong unsent = new AtomicLong();
        private volatile Channel local;

        Bridge(Session session, Stream stream) {
            this.session = session;
            this.stream = stream;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf buf = (ByteBuf) msg;
            try {
                int n = buf.readableBytes();
                if (unsent.addAndGet(n) > stream.maxUnsentBytes()) {
                    LOG.info("{} over WebSockets from {} does not read what it is sent; closing", stream.name(), session.getRemoteAddress());
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

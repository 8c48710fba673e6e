package dev.iolite.cli.simulate;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.mqtt.MqttDecoder;
import io.netty.handler.codec.mqtt.MqttEncoder;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.EventExecutor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.net.ssl.SSLException;
import javax.net.ssl.TrustManagerFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Simulated devices speaking IoT Hub's MQTT over TLS, on one Netty event loop group for all of them: a handful
 * of threads whatever the number of devices, never one per device. Connections are opened at most
 * {@link #MAX_HANDSHAKES} at a time (a reconnection queues like a first connection), and each loop's ticker
 * hands its devices their share of the telemetry rate every {@link #TICK}. The fleet owns its threads: {@link #close}
 * disconnects every device and stops them.
 */
public final class Fleet implements AutoCloseable {
    /** CONNECTs whose CONNACK has not come yet; more wait their turn, so a big fleet does not flood the hub's TLS. */
    static final int MAX_HANDSHAKES = 64;
    /** How often each loop hands out telemetry credit; its devices write what it allows and flush once. */
    static final Duration TICK = Duration.ofMillis(10);
    /** The largest packet read from the hub: a twin (up to about 64 KiB) or a method request (128 KiB) fits. */
    private static final int MAX_PACKET_BYTES = 512 * 1024;
    private static final Duration CLOSE_WAIT = Duration.ofSeconds(10);
    private static final Logger LOG = LoggerFactory.getLogger(Fleet.class);

    /**
     * Where the devices connect and what they do: the MQTT host and port, the hub's host name for user names and
     * tokens, the trust for the hub's certificate (null: the JVM's default trust), the fleet's total telemetry
     * rate in messages per second (0: none), and who hears what the hub sends them.
     */
    public record Settings(String host, int port, String hubHostName, TrustManagerFactory trust,
                           double messagesPerSecond, DeviceEvents events) {}

    private final Settings settings;
    private final NioEventLoopGroup group;
    private final SslContext ssl;
    private final Bootstrap bootstrap;
    private final FleetStats stats = new FleetStats();
    private final Map<EventExecutor, List<SimulatedDevice>> byLoop = new IdentityHashMap<>();
    private final List<SimulatedDevice> devices = new ArrayList<>();
    private final Queue<SimulatedDevice> waiting = new ConcurrentLinkedQueue<>();
    private final AtomicInteger handshakes = new AtomicInteger();
    private volatile double perDevice;
    private volatile double total;

    private Fleet(Settings settings, int threads) throws SSLException {
        this.settings = settings;
        this.total = settings.messagesPerSecond();
        SslContextBuilder b = SslContextBuilder.forClient();
        if (settings.trust() != null) b.trustManager(settings.trust());
        this.ssl = b.build();
        this.group = new NioEventLoopGroup(threads, new DefaultThreadFactory("iolite-devices", true));
        this.bootstrap = new Bootstrap().channel(NioSocketChannel.class).option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 10_000);
        for (EventExecutor loop : group) {
            List<SimulatedDevice> mine = new ArrayList<>();
            byLoop.put(loop, mine);
            long[] last = {System.nanoTime()};
            loop.scheduleAtFixedRate(() -> {
                try {
                    long now = System.nanoTime();
                    double seconds = (now - last[0]) / 1e9;
                    last[0] = now;
                    double share = perDevice;
                    for (SimulatedDevice d : mine) d.tick(seconds, share);
                } catch (RuntimeException e) {
                    // a failed tick must not cancel the ticker (a periodic task that throws runs no more)
                    LOG.warn("telemetry tick failed", e);
                }
            }, TICK.toNanos(), TICK.toNanos(), TimeUnit.NANOSECONDS);
        }
    }

    /** Starts the event loops ({@code threads} of them; 0: Netty's default of twice the processors). */
    public static Fleet start(Settings settings, int threads) {
        try {
            return new Fleet(settings, threads);
        } catch (SSLException e) {
            throw new IllegalArgumentException("cannot set up TLS for the devices: " + e.getMessage(), e);
        }
    }

    /** Adds devices and queues them for connection. The telemetry rate is shared among all devices added. */
    public synchronized void add(List<DeviceCredential> credentials) {
        for (DeviceCredential c : credentials) {
            EventLoop loop = group.next();
            SimulatedDevice d = new SimulatedDevice(c, this, loop);
            devices.add(d);
            loop.execute(() -> byLoop.get(loop).add(d));
            waiting.add(d);
        }
        perDevice = devices.isEmpty() ? 0 : total / devices.size();
        pump();
    }

    /** Changes the fleet's total telemetry rate, in messages per second. */
    public synchronized void rate(double messagesPerSecond) {
        total = messagesPerSecond;
        perDevice = devices.isEmpty() ? 0 : total / devices.size();
    }

    public FleetStats stats() { return stats; }

    /** Devices added so far. */
    public synchronized int size() { return devices.size(); }

    Settings settings() { return settings; }

    Logger log() { return LOG; }

    /** A bootstrap on {@code loop} whose channels speak MQTT over TLS to the hub, ending in {@code handler}. */
    Bootstrap bootstrap(EventLoop loop, ChannelHandler handler) {
        return bootstrap.clone(loop).handler(new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel ch) {
                ch.pipeline().addLast(ssl.newHandler(ch.alloc(), settings.host(), settings.port()),
                        new MqttDecoder(MAX_PACKET_BYTES), MqttEncoder.INSTANCE,
                        new IdleStateHandler(SimulatedDevice.KEEP_ALIVE_SECONDS * 3 / 2, SimulatedDevice.KEEP_ALIVE_SECONDS / 2, 0),
                        handler);
            }
        });
    }

    /** Queues a device for (re)connection. */
    void enqueue(SimulatedDevice d) {
        waiting.add(d);
        pump();
    }

    /** A CONNECT got its answer, or its connection ended first: the next waiting device may connect. */
    void handshakeDone() {
        handshakes.decrementAndGet();
        pump();
    }

    private void pump() {
        while (!waiting.isEmpty()) {
            int n = handshakes.get();
            if (n >= MAX_HANDSHAKES) return;
            if (!handshakes.compareAndSet(n, n + 1)) continue;
            SimulatedDevice d = waiting.poll();
            if (d == null) {
                handshakes.decrementAndGet();
                return;
            }
            d.connect();
        }
    }

    /** Disconnects every device (DISCONNECT, then close), waits for their sockets to close, and stops the threads. */
    @Override
    public void close() {
        List<CompletableFuture<Void>> closing = new ArrayList<>();
        synchronized (this) {
            waiting.clear();
            for (SimulatedDevice d : devices) closing.add(d.stop());
        }
        try {
            CompletableFuture.allOf(closing.toArray(CompletableFuture[]::new)).get(CLOSE_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            LOG.warn("not every device disconnected within {} s", CLOSE_WAIT.toSeconds());
        }
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(CLOSE_WAIT.toMillis());
    }
}

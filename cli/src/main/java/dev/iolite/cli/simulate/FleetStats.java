package dev.iolite.cli.simulate;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * What a fleet of simulated devices has done so far: counters any event loop adds to, and PUBACK and twin read
 * latencies, read by whoever shows them. PUBACK latencies go to a window first; {@link #closeWindow} moves them
 * into the run's histogram and returns the window, so a live line shows the last second's quantiles.
 */
public final class FleetStats {
    final AtomicInteger connected = new AtomicInteger();
    final LongAdder connects = new LongAdder();
    final LongAdder disconnects = new LongAdder();
    final LongAdder refused = new LongAdder();
    final LongAdder failedConnects = new LongAdder();
    final LongAdder sent = new LongAdder();
    final LongAdder acknowledged = new LongAdder();
    final LongAdder behind = new LongAdder();
    final LongAdder methods = new LongAdder();
    final LongAdder twinReads = new LongAdder();
    final LongAdder reportedPatches = new LongAdder();
    final LongAdder twinErrors = new LongAdder();
    final LongAdder desiredPatches = new LongAdder();
    final Latencies pubackWindow = new Latencies();
    final Latencies twinReadLatency = new Latencies();
    private final Latencies pubackTotal = new Latencies();
    private final Latencies lastWindow = new Latencies();

    /** Devices whose connection the hub accepted and that have not lost it since. */
    public int connected() { return connected.get(); }

    /** CONNACKs accepted, reconnections included. */
    public long connects() { return connects.sum(); }

    /** Accepted connections that ended without the simulator asking (the hub closed them, or the network). */
    public long disconnects() { return disconnects.sum(); }

    /** CONNECTs the hub refused (a CONNACK other than 0). */
    public long refused() { return refused.sum(); }

    /** Connection attempts that failed before a CONNACK (refused socket, TLS, timeout). */
    public long failedConnects() { return failedConnects.sum(); }

    /** Telemetry messages published (QoS 1). */
    public long sent() { return sent.sum(); }

    /** Telemetry messages the hub acknowledged with PUBACK. */
    public long acknowledged() { return acknowledged.sum(); }

    /** Messages the rate asked for but not sent because the device's in-flight window stayed full. */
    public long behind() { return behind.sum(); }

    /** Direct method requests answered. */
    public long methods() { return methods.sum(); }

    /** Twin reads answered with 200. */
    public long twinReads() { return twinReads.sum(); }

    /** Reported-property patches answered with 204. */
    public long reportedPatches() { return reportedPatches.sum(); }

    /** Twin requests answered with another status. */
    public long twinErrors() { return twinErrors.sum(); }

    /** Desired-property notifications received. */
    public long desiredPatches() { return desiredPatches.sum(); }

    /** Twin read latencies, from the GET's publish to its answer. */
    public Latencies twinReadLatency() { return twinReadLatency; }

    /** Ends the current PUBACK window: its latencies join the run's, and are returned (valid until the next call). */
    public synchronized Latencies closeWindow() {
        lastWindow.clear();
        pubackWindow.drainInto(lastWindow);
        lastWindow.addTo(pubackTotal);
        return lastWindow;
    }

    /** PUBACK latencies of the whole run (closed windows only). */
    public synchronized Latencies pubackLatency() { return pubackTotal; }
}

package dev.iolite.server.devices;

import dev.iolite.server.registry.DeviceKey;

import java.time.Instant;
import java.util.List;

/**
 * Who is connected, where: a row per identity that ever connected (its state, the node and link that set it,
 * and its times), and a lease per running node. Serves {@code connectionState},
 * {@code connectionStateUpdatedTime} and {@code lastActivityTime} of identities, twins and queries, and
 * {@code connectedDeviceCount} of {@code GET /statistics/service}. SQL and row mapping only: what to write and
 * when is {@link ConnectionTracker}'s.
 */
public interface ConnectionStore {

    /**
     * What one identity did on this node since the last write, coalesced.
     *
     * @param connected    the last connection that began ({@code link} and when), or null
     * @param disconnected the last connection that ended, or null; it applies after {@code connected}
     * @param active       the latest activity to record, or null
     */
    record Change(String hub, DeviceKey key, Event connected, Event disconnected, Instant active) {}

    /** A link of this node (its {@link DeviceLink#id()}) and when something happened to it. */
    record Event(long link, Instant at) {}

    /**
     * Writes a batch of changes of node {@code nodeId} in one transaction, each identity's in this order:
     * <ul>
     * <li>a connect makes the row Connected at this node and link, unless the row was changed after it (a newer
     *     connection elsewhere wins: {@code connectionStateUpdatedTime} only moves forward);</li>
     * <li>a disconnect makes it Disconnected only while it is Connected at this node and that link, so the end of
     *     a replaced connection never hides its successor;</li>
     * <li>an activity moves {@code lastActivityTime} forward while the row is this node's.</li>
     * </ul>
     */
    void apply(String nodeId, List<Change> changes);

    /**
     * Renews the lease of {@code nodeId} until {@code expires}; returns false when the node held no live lease at
     * {@code now} (first start, or it expired and another node may have marked its connections Disconnected).
     */
    boolean renewLease(String nodeId, Instant now, Instant expires);

    /**
     * Marks Disconnected, at {@code now}, the connections of every node other than {@code nodeId} whose lease
     * expired before {@code now}, and removes those leases. Returns how many connections it marked.
     */
    int expireOtherNodes(String nodeId, Instant now);

    /**
     * Marks every connection of {@code nodeId} Disconnected at {@code at} (the node starts, and finds what a crash
     * left; or it stops), and removes its lease when {@code release}. Returns how many it marked.
     */
    int disconnectNode(String nodeId, Instant at, boolean release);

    /** Devices of {@code hub} connected now, at any node; module connections are not counted. */
    long connectedDevices(String hub);
}

package dev.iolite.server.messages;

import java.time.Instant;

/**
 * Where a partition of a hub stands: its oldest kept message and the next sequence number and offset to be
 * given. A partition with no kept message has {@code firstSequence == nextSequence} and a null {@code firstEnqueued}.
 *
 * @param hub           the hub
 * @param partition     the partition
 * @param firstSequence the oldest kept message's sequence number (the {@code earliest} of an Event Hubs reader)
 * @param nextSequence  the sequence number the next message gets (a reader from {@code latest} starts here)
 * @param firstOffset   the oldest kept message's offset
 * @param nextOffset    the offset the next message gets
 * @param firstEnqueued the oldest kept message's enqueued time, or null when the partition holds none
 */
public record PartitionState(String hub, int partition, long firstSequence, long nextSequence, long firstOffset,
                             long nextOffset, Instant firstEnqueued) {

    /** The bytes the partition holds (offsets count message sizes). */
    public long bytes() { return nextOffset - firstOffset; }
}

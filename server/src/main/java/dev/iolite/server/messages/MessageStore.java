package dev.iolite.server.messages;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

/**
 * The built-in endpoint's messages, kept per hub and partition in sequence-number order. Appends come from
 * {@link MessageLog}'s one writer in batches; reads serve the hub API's tail route and, later, an Event
 * Hubs-compatible reader (from earliest, latest, a sequence number, an offset or an enqueued time); deletes serve
 * {@link MessageRetention}.
 */
public interface MessageStore {

    /** A message on its way in: its partition and enqueued time are chosen, its sequence number and offset not yet. */
    record Enqueued(String hub, int partition, Instant enqueued, String deviceId, String moduleId,
                    Map<String, String> system, Map<String, String> application, byte[] body) {}

    /**
     * Appends {@code batch} in one transaction: each message gets the next sequence number and offset of its
     * partition, numbers that no other node can give (the partition's counter row is updated in the same
     * transaction), and messages of one partition keep their order in the batch.
     *
     * @return the stored messages, in the batch's order
     * @throws dev.iolite.server.errors.IoliteException with {@code IotHubNotFound} when a hub of the batch is gone;
     *         nothing of the batch is stored then
     */
    List<StoredMessage> append(List<Enqueued> batch);

    /**
     * Up to {@code limit} messages of a partition with sequence numbers from {@code from} (inclusive) to
     * {@code before} (exclusive), oldest first, of one device when {@code deviceId} is set; stops after the
     * message that takes the page past {@code maxBytes} (a page holds at least one message when there is one).
     */
    List<StoredMessage> read(String hub, int partition, long from, long before, String deviceId, int limit, long maxBytes);

    /** The sequence number of a partition's first kept message enqueued at or after {@code time}; empty when none is. */
    OptionalLong sequenceAt(String hub, int partition, Instant time);

    /** Where each partition of {@code hub} that ever held a message stands, by partition; empty for a hub without messages. */
    List<PartitionState> partitions(String hub);

    /** Every hub that ever held a message (for the trim). */
    List<String> hubs();

    /**
     * The sequence number of the first message of a partition after {@code after}, up to {@code through}, whose
     * offset is at least {@code offset}; empty when none is (the trim's "how far frees this many bytes").
     */
    OptionalLong firstAtOffset(String hub, int partition, long after, long through, long offset);

    /** Deletes a partition's messages numbered below {@code before}; returns how many went. */
    int deleteBefore(String hub, int partition, long before);

    /** Deletes a partition's messages numbered below {@code before} and enqueued before {@code cutoff}; returns how many went. */
    int deleteOlderThan(String hub, int partition, long before, Instant cutoff);
}

package dev.iolite.server.messages;

import java.time.Instant;
import java.util.List;

/**
 * The cloud-to-device queues of every device, and the feedback waiting for each hub's feedback receiver. Which
 * connection delivers a message is decided in memory by the node holding the device's connection (one connection
 * per identity across nodes); the store keeps only what must survive a crash.
 */
public interface CloudQueueStore {

    /**
     * Appends messages in one transaction, in order, each unless its identity's queue holds {@code maxDepth} (counting
     * those appended before it in the batch).
     *
     * @return each message's id, or -1 where the queue was full; when the transaction fails, nothing is appended
     */
    long[] enqueueAll(List<CloudMessage> batch, int maxDepth);

    /** Up to {@code limit} messages of an identity numbered above {@code after}, not expired at {@code now}, oldest first. */
    List<CloudMessage> pending(String hub, String deviceId, String moduleId, long after, Instant now, int limit);

    /**
     * Removes the messages numbered {@code ids} of a hub (their devices acknowledged them) and, in the same
     * transaction, records the feedback given for those of them that were still there.
     *
     * @param feedback the record for each id that asks for one
     * @return how many messages were removed (an id already gone, expired or purged, is not counted, nor its feedback
     *         recorded)
     */
    int complete(String hub, List<Long> ids, java.util.Map<Long, FeedbackRecord> feedback);

    /** Removes up to {@code limit} messages that expired before {@code now}; returns them without their bodies. */
    List<CloudMessage> expire(Instant now, int limit);

    /** Removes every message of an identity's queue; returns them without their bodies. */
    List<CloudMessage> purge(String hub, String deviceId, String moduleId);

    /** Records feedback for the hubs' feedback receivers, in one transaction. */
    void addFeedback(List<FeedbackRecord> records);

    /** Up to {@code limit} feedback records of a hub numbered above {@code after}, oldest first. */
    List<FeedbackRecord> feedback(String hub, long after, int limit);

    /** Removes feedback records (the receiver completed them). */
    void removeFeedback(String hub, List<Long> ids);

    /** How many messages wait in all queues (for the queue-depth gauge). */
    long queued();

    /** Removes feedback recorded before {@code cutoff} (never taken); returns how many went. */
    int expireFeedback(Instant cutoff);
}

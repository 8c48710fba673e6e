package dev.iolite.server.messages;

import java.time.Instant;
import java.util.List;
import java.util.function.Function;

/**
 * The cloud-to-device queues of every device, and the feedback waiting for each hub's feedback receiver. Which
 * connection delivers a message is decided in memory by the node holding the device's connection (one connection
 * per identity across nodes); the store keeps only what must survive a crash.
 */
public interface CloudQueueStore {

    /**
     * Appends {@code m} to its identity's queue unless the queue holds {@code maxDepth} messages.
     *
     * @return the message's id, or -1 when the queue is full
     * @throws dev.iolite.server.errors.IoliteException with {@code IotHubNotFound} when the hub is gone
     */
    long enqueue(CloudMessage m, int maxDepth);

    /** Up to {@code limit} messages of an identity numbered above {@code after}, not expired at {@code now}, oldest first. */
    List<CloudMessage> pending(String hub, String deviceId, String moduleId, long after, Instant now, int limit);

    /**
     * Removes the messages numbered {@code ids} of a hub and, for each that its ack asks feedback of, records what
     * {@code feedback} makes of it, in one transaction.
     *
     * @return how many were removed (an id already gone counts nothing)
     */
    int remove(String hub, List<Long> ids, Function<CloudMessage, FeedbackRecord> feedback);

    /** Removes up to {@code limit} messages that expired before {@code now}, with their feedback; returns how many went. */
    int expire(Instant now, int limit, Function<CloudMessage, FeedbackRecord> feedback);

    /** Removes every message of an identity's queue, with their feedback; returns how many went. */
    int purge(String hub, String deviceId, String moduleId, Function<CloudMessage, FeedbackRecord> feedback);

    /** Up to {@code limit} feedback records of a hub numbered above {@code after}, oldest first. */
    List<FeedbackRecord> feedback(String hub, long after, int limit);

    /** Removes feedback records (the receiver completed them). */
    void removeFeedback(String hub, List<Long> ids);

    /** How many messages wait in all queues (for the queue-depth gauge). */
    long queued();

    /** Removes feedback recorded before {@code cutoff} (never taken); returns how many went. */
    int expireFeedback(Instant cutoff);
}

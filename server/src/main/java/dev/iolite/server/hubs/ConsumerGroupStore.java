package dev.iolite.server.hubs;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** The consumer groups a hub's built-in endpoint has besides {@code $Default}, which every hub has and no row holds. */
public interface ConsumerGroupStore {

    /** A consumer group as it was made. */
    record ConsumerGroup(String hub, String name, Instant created) {}

    /** The hub's groups, by name without case. */
    List<ConsumerGroup> list(String hub);

    /** The group named {@code name} (without case). */
    Optional<ConsumerGroup> find(String hub, String name);

    /**
     * Makes the group unless one of that name (without case) exists, and unless the hub has {@code max} already.
     *
     * @return the group as it is now (made here or before), or empty when the hub holds {@code max} others
     * @throws dev.iolite.server.errors.IoliteException with {@code IotHubNotFound} when the hub is gone
     */
    Optional<ConsumerGroup> create(String hub, String name, Instant created, int max);

    /** Deletes the group; false when there was none. */
    boolean delete(String hub, String name);
}

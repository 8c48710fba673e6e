package dev.iolite.server.hubs;

import dev.iolite.server.errors.ErrorCode;
import dev.iolite.server.errors.IoliteException;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The consumer groups of each hub's built-in endpoint, with Event Hubs' rules: {@code $Default} always exists and
 * cannot be deleted; names are 1 to 50 letters, digits, periods, hyphens and underscores, compared without case;
 * a hub has at most {@link #MAX} groups, {@code $Default} included (IoT Hub's limit,
 * https://learn.microsoft.com/azure/iot-hub/iot-hub-devguide-quotas-throttling).
 */
public final class ConsumerGroups {
    public static final String DEFAULT = "$Default";
    public static final int MAX = 20;

    private final ConsumerGroupStore store;
    private final HubService hubs;
    private final Clock clock;

    public ConsumerGroups(ConsumerGroupStore store, HubService hubs, Clock clock) {
        this.store = store;
        this.hubs = hubs;
        this.clock = clock;
    }

    /** Whether the hub has the group ({@code $Default} always; another name without case). */
    public boolean exists(String hub, String name) {
        return name.equalsIgnoreCase(DEFAULT) || store.find(hub, name).isPresent();
    }

    /** Every group of the hub, {@code $Default} first. */
    public List<ConsumerGroupStore.ConsumerGroup> list(Hub hub) {
        List<ConsumerGroupStore.ConsumerGroup> out = new ArrayList<>();
        out.add(new ConsumerGroupStore.ConsumerGroup(hub.name(), DEFAULT, hub.createdAt()));
        out.addAll(store.list(hub.name()));
        return out;
    }

    public Optional<ConsumerGroupStore.ConsumerGroup> find(Hub hub, String name) {
        if (name.equalsIgnoreCase(DEFAULT)) return Optional.of(new ConsumerGroupStore.ConsumerGroup(hub.name(), DEFAULT, hub.createdAt()));
        return store.find(hub.name(), name);
    }

    /** Makes the group, or returns the one of that name; refuses a bad name and a hub at {@link #MAX}. */
    public ConsumerGroupStore.ConsumerGroup create(Hub hub, String name) {
        check(name);
        if (name.equalsIgnoreCase(DEFAULT)) return find(hub, name).orElseThrow();
        Instant now = clock.instant();
        return store.create(hub.name(), name, now, MAX - 1).orElseThrow(() -> new IoliteException(ErrorCode.ARGUMENT_INVALID,
                "hub '" + hub.name() + "' has " + MAX + " consumer groups, the most it may have; delete one first"));
    }

    /** Deletes the group; false when there was none. {@code $Default} cannot be deleted. */
    public boolean delete(Hub hub, String name) {
        if (name.equalsIgnoreCase(DEFAULT)) {
            throw new IoliteException(ErrorCode.ARGUMENT_INVALID, "the consumer group $Default cannot be deleted");
        }
        return store.delete(hub.name(), name);
    }

    /** A name Event Hubs takes: 1 to 50 letters, digits, periods, hyphens and underscores, starting with a letter or digit. */
    static void check(String name) {
        if (name == null || name.isEmpty() || name.length() > 50
                || !(name.equalsIgnoreCase(DEFAULT) || name.matches("[A-Za-z0-9][A-Za-z0-9._-]*"))) {
            throw new IoliteException(ErrorCode.ARGUMENT_INVALID, "a consumer group's name must be 1 to 50 letters, digits, "
                    + "periods, hyphens and underscores, starting with a letter or digit");
        }
    }

    /** The service the rules read hubs through, for callers that hold a name. */
    public HubService hubs() { return hubs; }
}

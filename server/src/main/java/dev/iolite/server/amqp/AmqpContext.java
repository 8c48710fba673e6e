package dev.iolite.server.amqp;

import dev.iolite.server.hubs.HubService;
import dev.iolite.server.messages.CloudMessages;
import dev.iolite.server.messages.MessageStore;

import java.time.Clock;
import java.util.concurrent.Executor;

/**
 * What every AMQP connection works with.
 *
 * @param hubs           the hubs, their policies and keys
 * @param defaultHub     the hub a token for a bare address (no hub named) is for
 * @param consumerGroups which consumer groups each hub has
 * @param messages       the built-in endpoint's kept messages
 * @param partitions     partitions per hub
 * @param reads          where store reads run, off the network threads
 * @param clock          the server's clock
 * @param metrics        the surface's meters
 * @param cloud          the cloud-to-device queues and their feedback
 */
public record AmqpContext(HubService hubs, String defaultHub, ConsumerGroupLookup consumerGroups, MessageStore messages,
                          int partitions, Executor reads, Clock clock, AmqpMetrics metrics, CloudMessages cloud) {

    /** Whether a hub has a consumer group (names compared without case, as Event Hubs does). */
    @FunctionalInterface
    public interface ConsumerGroupLookup {
        boolean exists(String hub, String consumerGroup);
    }
}

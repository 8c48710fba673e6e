package dev.iolite.server.testkit;

import com.azure.messaging.eventhubs.CheckpointStore;
import com.azure.messaging.eventhubs.models.Checkpoint;
import com.azure.messaging.eventhubs.models.PartitionOwnership;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The Event Hubs processor client's checkpoint store, in memory: ownership claims succeed only against the etag the
 * claimer read, as the blob store's do. Enough for one test's processors to share; the server is what is tested.
 */
public final class MemoryCheckpointStore implements CheckpointStore {
    private final Map<String, PartitionOwnership> owners = new ConcurrentHashMap<>();
    private final Map<String, Checkpoint> checkpoints = new ConcurrentHashMap<>();

    @Override
    public Flux<PartitionOwnership> listOwnership(String namespace, String eventHub, String consumerGroup) {
        return Flux.fromIterable(new ArrayList<>(owners.values()));
    }

    @Override
    public synchronized Flux<PartitionOwnership> claimOwnership(List<PartitionOwnership> requested) {
        List<PartitionOwnership> claimed = new ArrayList<>();
        for (PartitionOwnership p : requested) {
            PartitionOwnership current = owners.get(p.getPartitionId());
            if (current != null && !Objects.equals(current.getETag(), p.getETag())) continue;
            PartitionOwnership now = new PartitionOwnership().setFullyQualifiedNamespace(p.getFullyQualifiedNamespace())
                    .setEventHubName(p.getEventHubName()).setConsumerGroup(p.getConsumerGroup())
                    .setPartitionId(p.getPartitionId()).setOwnerId(p.getOwnerId())
                    .setLastModifiedTime(System.currentTimeMillis()).setETag(UUID.randomUUID().toString());
            owners.put(p.getPartitionId(), now);
            claimed.add(now);
        }
        return Flux.fromIterable(claimed);
    }

    @Override
    public Flux<Checkpoint> listCheckpoints(String namespace, String eventHub, String consumerGroup) {
        return Flux.fromIterable(new ArrayList<>(checkpoints.values()));
    }

    @Override
    public Mono<Void> updateCheckpoint(Checkpoint checkpoint) {
        checkpoints.put(checkpoint.getPartitionId(), checkpoint);
        return Mono.empty();
    }

    /** The checkpoint of a partition, if a processor wrote one. */
    public Optional<Checkpoint> checkpoint(String partitionId) { return Optional.ofNullable(checkpoints.get(partitionId)); }
}

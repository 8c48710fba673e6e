package dev.iolite.server.jobs;

import dev.iolite.server.blob.BlobContainers;
import dev.iolite.server.registry.RegistryService;
import dev.iolite.server.store.JobStore;
import dev.iolite.server.store.RegistryStore;

import java.time.Clock;
import java.util.function.BooleanSupplier;

/**
 * What a running job may use: the stores, the registry, the containers, the runner's identity and
 * whether the node is stopping (checked at batch boundaries, like a cancel).
 */
record JobRun(Job job, String owner, RegistryService registry, RegistryStore registryStore, JobStore jobs,
              BlobContainers containers, Clock clock, BooleanSupplier stopping, JobTuning tuning) {

    /** How a batch ends the run early, if it does. */
    enum Stop { NONE, CANCELLED, NODE_STOPPING }

    Stop stopRequested() {
        if (stopping.getAsBoolean()) return Stop.NODE_STOPPING;
        return jobs.cancelRequested(job.id()) ? Stop.CANCELLED : Stop.NONE;
    }
}

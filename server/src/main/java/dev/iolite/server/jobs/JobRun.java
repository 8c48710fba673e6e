package dev.iolite.server.jobs;

import dev.iolite.server.blob.BlobContainers;
import dev.iolite.server.registry.RegistryService;
import dev.iolite.server.registry.RegistryStore;

import java.time.Clock;
import java.util.function.BooleanSupplier;

/**
 * What a running job may use: the stores, the registry, the containers, the runner's identity and
 * whether the node is stopping (checked at batch boundaries, like a cancel).
 */
record JobRun(Job job, String owner, RegistryService registry, RegistryStore registryStore, JobStore jobs,
              BlobContainers containers, Clock clock, BooleanSupplier stopping, JobTuning tuning, MethodInvoker methods) {

    /** How a batch ends the run early, if it does. */
    enum Stop { NONE, CANCELLED, NODE_STOPPING }

    Stop stopRequested() {
        if (stopping.getAsBoolean()) return Stop.NODE_STOPPING;
        return jobs.cancelRequested(job.id()) ? Stop.CANCELLED : Stop.NONE;
    }

    /**
     * For a job thread waiting on one of its stages: true once the node stops or, checked at most once a
     * second so that waiting costs the store little, once the job is cancelled. A cancel then takes effect
     * even while a stage does not move.
     */
    java.util.function.BooleanSupplier waitInterrupter() {
        long[] lastCheck = {System.nanoTime()};
        return () -> {
            if (stopping.getAsBoolean()) return true;
            long now = System.nanoTime();
            if (now - lastCheck[0] < 1_000_000_000L) return false;
            lastCheck[0] = now;
            return jobs.cancelRequested(job.id());
        };
    }
}

package dev.iolite.client;

import dev.iolite.client.models.JobResponse;

/** Told of each change of a job while {@link IotHubResources#waitForCompletion} polls it. */
@FunctionalInterface
public interface JobListener {
    /**
     * Called with the job each time a poll finds it changed, the first poll included.
     *
     * @param job the job as the service reported it
     */
    void onChange(JobResponse job);
}

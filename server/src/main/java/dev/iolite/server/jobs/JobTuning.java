package dev.iolite.server.jobs;

import java.time.Duration;

/**
 * Sizes and times of the job engine.
 *
 * @param importBatchLines  lines applied per transaction; bigger batches amortize the commit, smaller ones
 *                          lose less work in a crash and hold the SQLite writer for less time
 * @param exportBlockBytes  bytes per staged block of an export (the Blob API allows 50,000 blocks per blob)
 * @param maxLineBytes      longest import line accepted; a longer line is a failed line
 * @param lease             how long a claim lasts without a heartbeat; a dead node's job is resumed after it
 * @param heartbeat         how often the runner renews its lease (well under {@code lease})
 * @param poll              how often an idle runner looks for work
 * @param retention         how long finished jobs are kept (IoT Hub: 30 days)
 * @param stallAfter        how long a running job's progress may stand still before the watchdog reports it
 * @param workers           jobs a node runs at once, each of another hub (a hub runs one job at a time); each
 *                          running job holds its own memory (about 40 MiB for an export's blocks) and a store
 *                          connection while it scans or writes
 */
public record JobTuning(int importBatchLines, int exportBlockBytes, int maxLineBytes, Duration lease,
                        Duration heartbeat, Duration poll, Duration retention, Duration stallAfter, int workers) {
    /** Jobs a node runs at once unless told otherwise. */
    public static final int DEFAULT_WORKERS = 4;
    public static final JobTuning DEFAULTS = new JobTuning(2000, 8 * 1024 * 1024, 1024 * 1024,
            Duration.ofSeconds(30), Duration.ofSeconds(5), Duration.ofMillis(250), Duration.ofDays(30),
            Duration.ofMinutes(3), DEFAULT_WORKERS);

    /** The same sizes and times with {@code n} workers. */
    public JobTuning withWorkers(int n) {
        return new JobTuning(importBatchLines, exportBlockBytes, maxLineBytes, lease, heartbeat, poll, retention,
                stallAfter, n);
    }
}

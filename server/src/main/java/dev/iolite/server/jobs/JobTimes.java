package dev.iolite.server.jobs;

import java.time.Instant;

/** When a job was asked for, started and ended; the last two are null until they happen. */
public record JobTimes(Instant created, Instant started, Instant ended) {
    public static JobTimes created(Instant at) { return new JobTimes(at, null, null); }
}

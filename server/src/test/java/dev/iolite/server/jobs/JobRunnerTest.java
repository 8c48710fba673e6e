package dev.iolite.server.jobs;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.iolite.server.blob.BlobContainers;
import dev.iolite.server.blob.BlobHostGuard;
import dev.iolite.server.blob.StorageAuth;
import dev.iolite.server.registry.Credentials;
import dev.iolite.server.registry.RegistryService;
import dev.iolite.server.store.TestHubs;
import dev.iolite.server.store.jdbc.Database;
import dev.iolite.server.store.jdbc.JdbcJobStore;
import dev.iolite.server.store.jdbc.JdbcRegistryStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The runner's steps, called one at a time on a real SQLite store and real local containers, with a
 * clock the test moves: lease takeover and retention without waiting for either.
 */
class JobRunnerTest {
    private static final Instant T0 = Instant.parse("2026-11-26T12:00:00Z");

    /** A clock that stands still until the test moves it. */
    private static final class SetClock extends Clock {
        private volatile Instant now = T0;

        void advance(Duration d) { now = now.plus(d); }

        @Override public Instant instant() { return now; }
        @Override public java.time.ZoneId getZone() { return ZoneOffset.UTC; }
        @Override public Clock withZone(java.time.ZoneId zone) { return this; }
    }

    @TempDir
    Path dir;
    private final SetClock clock = new SetClock();
    private Database db;
    private JdbcJobStore jobs;
    private JobRunner runner;

    @BeforeEach
    void open() {
        db = Database.openSqlite(dir.resolve("store.db"));
        TestHubs.insert(db, "hub");
        ObjectMapper json = new ObjectMapper();
        jobs = new JdbcJobStore(db, json);
        JdbcRegistryStore registryStore = new JdbcRegistryStore(db, json);
        RegistryService registry = new RegistryService(registryStore, new Credentials(new SecureRandom()), clock);
        BlobContainers containers = new BlobContainers(dir.resolve("blobs"), new BlobHostGuard(List.of(), true),
                List.of(), () -> 1);
        runner = new JobRunner("node-b", jobs, registryStore, registry, containers, clock, JobTuning.DEFAULTS, json,
                new JobMetrics(new io.micrometer.core.instrument.simple.SimpleMeterRegistry()));
    }

    @AfterEach
    void close() {
        runner.close();
        db.close();
    }

    private Job export(String blob) {
        Job j = Job.enqueued(UUID.randomUUID().toString(), "hub", JobRequest.exporting("file:out", blob, false,
                StorageAuth.KEY_BASED, null), clock.instant());
        assertThat(jobs.insert(j, false, 20)).isTrue();
        return j;
    }

    @Test
    void aJobWhoseNodeStoppedRenewingIsTakenOverOnceItsLeaseLapses() {
        // GIVEN a job claimed by node A, which then died without a heartbeat
        Job j = export("devices.txt");
        assertThat(jobs.claimNext("node-a", clock.instant(), clock.instant().plus(JobTuning.DEFAULTS.lease()))).isPresent();

        // WHEN node B looks before the lease lapsed, THEN it finds nothing to run
        clock.advance(JobTuning.DEFAULTS.lease().minusSeconds(1));
        assertThat(runner.runNext()).isFalse();
        assertThat(jobs.find(j.id()).orElseThrow().leaseOwner()).isEqualTo("node-a");

        // WHEN it looks after, THEN it takes the job over and runs it to the end, counted as a retry
        clock.advance(Duration.ofSeconds(2));
        assertThat(runner.runNext()).isTrue();
        Job done = jobs.find(j.id()).orElseThrow();
        assertThat(done.status()).isEqualTo(JobPhase.COMPLETED);
        assertThat(done.retries()).isEqualTo(1);
        assertThat(Files.exists(dir.resolve("blobs/hub/out/devices.txt"))).isTrue();
        assertThat(runner.runNext()).as("nothing left").isFalse();
    }

    @Test
    void aNodeRestartedUnderItsIdTakesItsJobsBackWithoutWaitingForTheLease() {
        Job j = export("devices.txt");
        assertThat(jobs.claimNext("node-b", clock.instant(), clock.instant().plus(JobTuning.DEFAULTS.lease()))).isPresent();
        assertThat(runner.runNext()).as("its own lease still holds").isFalse();
        assertThat(runner.reclaimOwnLeases()).isEqualTo(1);
        assertThat(runner.runNext()).isTrue();
        assertThat(jobs.find(j.id()).orElseThrow().status()).isEqualTo(JobPhase.COMPLETED);
    }

    @Test
    void endedJobsAreRemovedOnceOlderThanTheRetentionAndNoSooner() {
        // GIVEN a job that ended now, and one enqueued a little later that never runs
        Job ended = export("a.txt");
        assertThat(runner.runNext()).isTrue();
        clock.advance(Duration.ofMinutes(1));
        Job waiting = Job.enqueued(UUID.randomUUID().toString(), "hub", ended.request(), clock.instant());
        jobs.insert(waiting, false, 20);

        // WHEN the housekeeping runs a moment before the retention has passed, THEN nothing goes
        clock.advance(JobTuning.DEFAULTS.retention().minusMinutes(2));
        assertThat(runner.housekeep()).isZero();
        // AND once it passed, the ended job goes and the waiting one stays
        clock.advance(Duration.ofMinutes(2));
        assertThat(runner.housekeep()).isEqualTo(1);
        assertThat(jobs.find(ended.id())).isEmpty();
        assertThat(jobs.find(waiting.id())).isPresent();
    }
}

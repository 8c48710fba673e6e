package dev.iolite.server.jobs;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.iolite.server.blob.BlobContainers;
import dev.iolite.server.blob.BlobHostGuard;
import dev.iolite.server.blob.StorageAuth;
import dev.iolite.server.registry.Credentials;
import dev.iolite.server.registry.RegistryService;
import dev.iolite.server.registry.RegistryStore;
import dev.iolite.server.store.StatementTimeoutException;
import dev.iolite.server.jdbc.TestHubs;
import dev.iolite.server.jdbc.Database;
import dev.iolite.server.jdbc.jobs.JdbcJobStore;
import dev.iolite.server.jdbc.query.JdbcQueryStore;
import dev.iolite.server.jdbc.registry.JdbcRegistryStore;
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
import java.util.Optional;
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
    private JdbcRegistryStore registryStore;
    private RegistryService registry;
    private BlobContainers containers;
    private final ObjectMapper json = new ObjectMapper();
    private JobRunner runner;
    private final List<JobRunner> others = new java.util.ArrayList<>();

    @BeforeEach
    void open() {
        db = Database.openSqlite(dir.resolve("store.db"));
        TestHubs.insert(db, "hub");
        jobs = new JdbcJobStore(db, json);
        registryStore = new JdbcRegistryStore(db, json);
        registry = new RegistryService(registryStore, new JdbcQueryStore(db, json), new Credentials(new SecureRandom()), clock);
        containers = new BlobContainers(dir.resolve("blobs"), new BlobHostGuard(List.of(), true), List.of(), () -> 1);
        runner = runnerOver(registryStore, JobTuning.DEFAULTS);
    }

    /** A runner of node-b over {@code store} (the real one, or the real one with a fault in its scans). */
    private JobRunner runnerOver(RegistryStore store, JobTuning tuning) {
        JobRunner r = new JobRunner("node-b", jobs, store, registry, containers, clock, tuning, json,
                new JobMetrics(new io.micrometer.core.instrument.simple.SimpleMeterRegistry()));
        others.add(r);
        return r;
    }

    /** The real registry store, except that every export scan runs {@code scan} first (which may throw or block). */
    private RegistryStore scansThat(Runnable scan) {
        return (RegistryStore) java.lang.reflect.Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {RegistryStore.class}, (proxy, method, args) -> {
                    if (method.getName().equals("scan")) scan.run();
                    try {
                        return method.invoke(registryStore, args);
                    } catch (java.lang.reflect.InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    @AfterEach
    void close() {
        others.forEach(JobRunner::close);
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
    void aScanStoppedAtTheStoresDeadlineIsAFailedAttemptAndTheJobFailsAfterItsRetriesWithTheReason() {
        // GIVEN a store that stops every export scan at its deadline, as a filtered scan over too many rows is
        JobRunner timingOut = runnerOver(scansThat(() -> {
            throw new StatementTimeoutException(Duration.ofSeconds(30), null);
        }), JobTuning.DEFAULTS);
        Job j = export("devices.txt");

        // WHEN the runner claims and runs it, again and again
        for (int attempt = 0; attempt <= Job.MAX_RETRIES; attempt++) {
            assertThat(timingOut.runNext()).as("attempt " + attempt).isTrue();
            Job after = jobs.find(j.id()).orElseThrow();
            // THEN each attempt ends released for a retry, with the reason, and the next claim counts it
            assertThat(after.status()).isEqualTo(JobPhase.RUNNING);
            assertThat(after.retries()).isEqualTo(attempt);
            assertThat(after.statusMessage()).contains("ran past the store's deadline of 30 s");
        }
        // AND the claim after the last retry ends the job as failed, with the reason
        assertThat(timingOut.runNext()).isFalse();
        Job failed = jobs.find(j.id()).orElseThrow();
        assertThat(failed.status()).isEqualTo(JobPhase.FAILED);
        assertThat(failed.retries()).isEqualTo(Job.MAX_RETRIES);
        assertThat(failed.failureReason()).contains("stopped retrying")
                .contains("the export's scan of the registry ran past the store's deadline of 30 s and was stopped");
        assertThat(timingOut.runNext()).as("nothing left").isFalse();
    }

    @Test
    void aJobWhoseLeaseIsTakenOverMidScanStopsWithoutWaitingForTheScanAndTheTakeoverCountsARetry() throws Exception {
        // GIVEN a runner whose export is in a scan that does not end (a statement running for minutes) and whose
        // heartbeat comes every 100 ms
        java.util.concurrent.CountDownLatch scanning = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        JobTuning d = JobTuning.DEFAULTS;
        JobTuning quick = new JobTuning(d.importBatchLines(), d.exportBlockBytes(), d.maxLineBytes(), d.lease(),
                Duration.ofMillis(100), d.poll(), d.retention(), d.stallAfter(), 1);
        JobRunner stuck = runnerOver(scansThat(() -> {
            scanning.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }), quick);
        Job j = export("devices.txt");
        java.util.concurrent.CompletableFuture<Boolean> run = java.util.concurrent.CompletableFuture.supplyAsync(stuck::runNext);
        try {
            assertThat(scanning.await(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();

            // WHEN node C, whose clock is past any lease the runner's heartbeat can have set, takes the job over
            Instant later = clock.instant().plus(d.lease().multipliedBy(3));
            Optional<Job> taken = jobs.claimNext("node-c", later, later.plus(d.lease()));

            // THEN the takeover counts a retry, and the runner's attempt ends at its next heartbeat, though its
            // scan is still running
            assertThat(taken).isPresent();
            assertThat(taken.get().retries()).isEqualTo(1);
            assertThat(run.get(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            Job now = jobs.find(j.id()).orElseThrow();
            assertThat(now.leaseOwner()).isEqualTo("node-c");
            assertThat(now.status()).isEqualTo(JobPhase.RUNNING);
        } finally {
            release.countDown();
        }
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

package dev.iolite.server.store;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.iolite.server.jobs.Checkpoint;
import dev.iolite.server.jobs.Job;
import dev.iolite.server.jobs.JobCounts;
import dev.iolite.server.jobs.JobProgress;
import dev.iolite.server.jobs.JobRequest;
import dev.iolite.server.jobs.JobPhase;
import dev.iolite.server.jobs.JobKind;
import dev.iolite.server.jobs.LeaseLostException;
import dev.iolite.server.blob.StorageAuth;
import dev.iolite.server.store.jdbc.Database;
import dev.iolite.server.store.jdbc.JdbcJobStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The job queue on a real SQLite store, with times passed in rather than slept through. */
class JobStoreTest {
    private static final Instant T0 = Instant.parse("2026-11-26T12:00:00Z");
    private static final Duration LEASE = Duration.ofSeconds(30);
    private static final int MAX_QUEUED = 3;

    @TempDir
    Path dir;
    private Database db;
    private JdbcJobStore jobs;

    @BeforeEach
    void open() {
        db = Database.openSqlite(dir.resolve("jobs.db"));
        jobs = new JdbcJobStore(db, new ObjectMapper());
        for (String hub : java.util.List.of("hub", "other-hub", "a", "b", "quiet")) {
            db.inTransaction(c -> {
                try (var ps = c.prepareStatement("INSERT INTO hubs (name, subscription_id, resource_group, location,"
                        + " sku_name, sku_capacity, tags, version, created_at_ms) VALUES (?, 's', 'g', 'l', 'S1', 1, '{}', 1, 0)")) {
                    ps.setString(1, hub);
                    ps.executeUpdate();
                }
                return null;
            });
        }
    }

    @AfterEach
    void close() {
        db.close();
    }

    private static Job job(String hub, Instant created) {
        return Job.enqueued(UUID.randomUUID().toString(), hub,
                new JobRequest(JobKind.EXPORT, null, null, "file:out", "devices.txt", false, StorageAuth.KEY_BASED, null),
                created);
    }

    private static JobProgress progress(Job j, String owner) {
        return new JobProgress(j.id(), owner, new JobCounts(10, 9, 1), 50, 100, Checkpoint.startExport(20));
    }

    @Test
    void aSecondActiveJobOfAHubIsRefusedUnlessQueueing() {
        assertThat(jobs.insert(job("hub", T0), true, MAX_QUEUED)).isTrue();
        assertThat(jobs.insert(job("hub", T0.plusSeconds(1)), true, MAX_QUEUED)).isFalse();
        assertThat(jobs.insert(job("other-hub", T0), true, MAX_QUEUED)).isTrue();
        assertThat(jobs.insert(job("hub", T0.plusSeconds(2)), false, MAX_QUEUED)).as("with --job-queue").isTrue();
    }

    @Test
    void aHubMayQueueOnlySoManyJobs() {
        for (int i = 0; i < MAX_QUEUED; i++) assertThat(jobs.insert(job("hub", T0.plusSeconds(i)), false, MAX_QUEUED)).isTrue();
        assertThat(jobs.insert(job("hub", T0.plusSeconds(9)), false, MAX_QUEUED)).as("over the cap").isFalse();
        assertThat(jobs.insert(job("other-hub", T0.plusSeconds(9)), false, MAX_QUEUED)).as("another hub").isTrue();
        assertThat(jobs.insert(job("no-such-hub", T0), false, MAX_QUEUED)).as("a deleted hub").isFalse();
    }

    @Test
    void runnersTakeHubsInTurnSoABusyHubCannotStarveAQuietOne() {
        // GIVEN a busy hub with three jobs queued before a quiet hub's one
        Job busy1 = job("hub", T0);
        Job busy2 = job("hub", T0.plusSeconds(1));
        Job busy3 = job("hub", T0.plusSeconds(2));
        Job quiet = job("quiet", T0.plusSeconds(3));
        for (Job j : java.util.List.of(busy1, busy2, busy3, quiet)) jobs.insert(j, false, MAX_QUEUED);
        // WHEN one runner runs them one after another
        assertThat(jobs.claimNext("n", T0.plusSeconds(10), T0.plusSeconds(40)).orElseThrow().id()).isEqualTo(busy1.id());
        jobs.finish(busy1.id(), "n", JobPhase.COMPLETED, null, T0.plusSeconds(11), null);
        // THEN the quiet hub, which has never run a job, goes before the busy hub's second job
        assertThat(jobs.claimNext("n", T0.plusSeconds(12), T0.plusSeconds(42)).orElseThrow().id()).isEqualTo(quiet.id());
        jobs.finish(quiet.id(), "n", JobPhase.COMPLETED, null, T0.plusSeconds(13), null);
        assertThat(jobs.claimNext("n", T0.plusSeconds(14), T0.plusSeconds(44)).orElseThrow().id()).isEqualTo(busy2.id());
    }

    @Test
    void aClaimHoldsUntilItsLeaseExpiresAndThenAnotherNodeTakesTheJobOver() {
        Job j = job("hub", T0);
        jobs.insert(j, true, MAX_QUEUED);
        Job claimed = jobs.claimNext("node-a", T0, T0.plus(LEASE)).orElseThrow();
        assertThat(claimed.status()).isEqualTo(JobPhase.RUNNING);
        assertThat(claimed.leaseOwner()).isEqualTo("node-a");
        assertThat(claimed.startTime()).isEqualTo(T0);

        assertThat(jobs.claimNext("node-b", T0.plusSeconds(10), T0.plusSeconds(40))).as("lease still held").isEmpty();
        assertThat(jobs.renewLease(j.id(), "node-b", T0.plusSeconds(40))).isFalse();
        assertThat(jobs.renewLease(j.id(), "node-a", T0.plusSeconds(40))).isTrue();
        assertThat(jobs.claimNext("node-b", T0.plusSeconds(35), T0.plusSeconds(65))).as("renewed").isEmpty();

        Job taken = jobs.claimNext("node-b", T0.plusSeconds(41), T0.plusSeconds(71)).orElseThrow();
        assertThat(taken.leaseOwner()).isEqualTo("node-b");
        assertThat(taken.startTime()).as("the start time stays the first one").isEqualTo(T0);
        // the old owner can no longer commit progress or finish
        assertThatThrownBy(() -> jobs.saveProgress(progress(j, "node-a"))).isInstanceOf(LeaseLostException.class);
        assertThat(jobs.finish(j.id(), "node-a", JobPhase.COMPLETED, null, T0.plusSeconds(50), null)).isFalse();
        jobs.saveProgress(progress(j, "node-b"));
        assertThat(jobs.find(j.id()).orElseThrow().counts()).isEqualTo(new JobCounts(10, 9, 1));
        assertThat(jobs.finish(j.id(), "node-b", JobPhase.COMPLETED, null, T0.plusSeconds(50), null)).isTrue();
        assertThat(jobs.find(j.id()).orElseThrow().status()).isEqualTo(JobPhase.COMPLETED);
    }

    @Test
    void aCheckpointStoredInTheFormerFormIsReadWithTheSameBlocks() {
        // GIVEN a running import and a running export whose checkpoints an older version wrote: one object
        // with both kinds' fields (form 0, no version), blocks listed
        String formZero = "{\"offset\":120,\"lineNumber\":3,\"errorBlocks\":[\"err-0000000000000001\"],"
                + "\"afterDeviceId\":\"d-9\",\"afterModuleId\":null,\"outputBlocks\":[\"exp-0000000000000000\","
                + "\"exp-0000000000000001\"],\"total\":500}";
        Job imp = insertRunning(importJob("hub", T0), "checkpoint", formZero);
        Job exp = insertRunning(job("hub", T0), "checkpoint", formZero);

        // WHEN they are read
        Checkpoint.Import oldImport = (Checkpoint.Import) jobs.find(imp.id()).orElseThrow().checkpoint();
        Checkpoint.Export oldExport = (Checkpoint.Export) jobs.find(exp.id()).orElseThrow().checkpoint();

        // THEN the same places and blocks come out, and the import's next blocks follow the listed ones
        assertThat(oldImport.offset()).isEqualTo(120);
        assertThat(oldImport.lineNumber()).isEqualTo(3);
        assertThat(oldImport.total()).isEqualTo(500);
        assertThat(oldImport.errorLog()).containsExactly("err-0000000000000001");
        assertThat(oldExport.afterDeviceId()).isEqualTo("d-9");
        assertThat(oldExport.blockIds()).containsExactly("exp-0000000000000000", "exp-0000000000000001");
        Checkpoint.Import next = oldImport.afterLines(200, 4, 1);
        assertThat(next.errorLog()).containsExactly("err-0000000000000001", "log-0000000000000000");
        // and what this version writes (form 1) reads back the same, blocks counted
        jobs.saveProgress(new JobProgress(imp.id(), "node", new JobCounts(4, 3, 1), 40, 10, next.afterLines(300, 5, 1)));
        Checkpoint stored = jobs.find(imp.id()).orElseThrow().checkpoint();
        assertThat(stored).isEqualTo(next.afterLines(300, 5, 1));
        assertThat(((Checkpoint.Import) stored).errorLog()).containsExactly("err-0000000000000001",
                "log-0000000000000000", "log-0000000000000001");
        assertThat(stored(imp.id(), "checkpoint")).startsWith("{\"version\":1,\"kind\":\"import\"");
        Checkpoint.Export two = Checkpoint.startExport(9).afterBlock("a", null).afterBlock("b", "m");
        jobs.saveProgress(new JobProgress(exp.id(), "node", new JobCounts(4, 4, 0), 40, 10, two));
        assertThat(jobs.find(exp.id()).orElseThrow().checkpoint()).isEqualTo(two);
        assertThat(two.blockIds()).containsExactly("exp-0000000000000000", "exp-0000000000000001");
    }

    @Test
    void aRequestStoredInTheFormerFormIsReadAsTheSameRequest() {
        // GIVEN an identity-based import whose request an older version wrote as Jackson's reflection of the record
        Job imp = insertRunning(importJob("hub", T0), "request", "{\"type\":\"IMPORT\",\"inputContainerUri\":"
                + "\"https://acct.blob.core.windows.net/in\",\"inputBlobName\":\"devices.txt\",\"outputContainerUri\":"
                + "\"https://acct.blob.core.windows.net/out\",\"outputBlobName\":\"importErrors.log\",\"excludeKeys\":"
                + "false,\"storageAuth\":\"IDENTITY_BASED\",\"identity\":null}");
        // WHEN it is read, THEN every field is the one stored
        assertThat(jobs.find(imp.id()).orElseThrow().request()).isEqualTo(new JobRequest(JobKind.IMPORT,
                "https://acct.blob.core.windows.net/in", "devices.txt", "https://acct.blob.core.windows.net/out",
                "importErrors.log", false, StorageAuth.IDENTITY_BASED, null));
        // and this version writes its own named, versioned form, which reads back equal
        Job again = importJob("hub", T0.plusSeconds(1));
        jobs.insert(again, false, MAX_QUEUED);
        assertThat(stored(again.id(), "request")).startsWith("{\"version\":1,\"type\":\"import\"")
                .contains("\"storageAuthentication\":\"keyBased\"");
        assertThat(jobs.find(again.id()).orElseThrow().request()).isEqualTo(again.request());
    }

    @Test
    void anEndedJobWhoseRequestCannotBeReadStillListsAndALiveOneFailsAtItsClaim() {
        // GIVEN an ended job and an enqueued one whose requests a newer version wrote
        String newer = "{\"version\":99,\"type\":\"export\"}";
        Job ended = job("hub", T0);
        jobs.insert(ended, true, MAX_QUEUED);
        jobs.claimNext("node", T0, T0.plus(LEASE)).orElseThrow();
        jobs.finish(ended.id(), "node", JobPhase.COMPLETED, null, T0.plusSeconds(5), null);
        overwrite(ended.id(), "request", newer);
        Job live = job("hub", T0.plusSeconds(6));
        jobs.insert(live, true, MAX_QUEUED);
        overwrite(live.id(), "request", newer);

        // WHEN the hub's jobs are listed, THEN the ended one reads as an export without its blob names
        Job history = jobs.find(ended.id()).orElseThrow();
        assertThat(history.status()).isEqualTo(JobPhase.COMPLETED);
        assertThat(history.request().type()).isEqualTo(JobKind.EXPORT);
        assertThat(history.request().outputContainerUri()).isNull();
        // and the live one is failed once at its claim, saying why
        assertThat(jobs.claimNext("node", T0.plusSeconds(7), T0.plusSeconds(37))).isEmpty();
        Job failed = jobs.find(live.id()).orElseThrow();
        assertThat(failed.status()).isEqualTo(JobPhase.FAILED);
        assertThat(failed.failureReason()).contains("form 99").contains("newer version");
        assertThat(jobs.list("hub", 0, 10)).hasSize(2);
    }

    private Job importJob(String hub, Instant created) {
        return Job.enqueued(UUID.randomUUID().toString(), hub, new JobRequest(JobKind.IMPORT, "file:in", "devices.txt",
                "file:out", "importErrors.log", false, StorageAuth.KEY_BASED, null), created);
    }

    /** Inserts and claims the job, then overwrites one of its stored columns. */
    private Job insertRunning(Job j, String column, String text) {
        jobs.insert(j, false, MAX_QUEUED);
        db.inTransaction(c -> {
            try (var ps = c.prepareStatement("UPDATE jobs SET status = 'running', lease_owner = 'node', "
                    + "lease_expires_ms = ? WHERE id = ?")) {
                ps.setLong(1, T0.plus(LEASE).toEpochMilli());
                ps.setString(2, j.id());
                return ps.executeUpdate();
            }
        });
        overwrite(j.id(), column, text);
        return j;
    }

    private void overwrite(String jobId, String column, String text) {
        db.inTransaction(c -> {
            try (var ps = c.prepareStatement("UPDATE jobs SET " + column + " = ? WHERE id = ?")) {
                ps.setString(1, text);
                ps.setString(2, jobId);
                return ps.executeUpdate();
            }
        });
    }

    private String stored(String jobId, String column) {
        return db.read(c -> {
            try (var ps = c.prepareStatement("SELECT " + column + " FROM jobs WHERE id = ?")) {
                ps.setString(1, jobId);
                try (var rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getString(1);
                }
            }
        });
    }

    @Test
    void aJobWhoseStoredCheckpointCannotBeReadFailsOnceAndTheQueueMovesOn() {
        // GIVEN a running job whose checkpoint no longer parses (written by some other version), its node gone
        Job broken = job("hub", T0);
        jobs.insert(broken, true, MAX_QUEUED);
        jobs.claimNext("node-a", T0, T0.plus(LEASE)).orElseThrow();
        db.inTransaction(c -> {
            try (var ps = c.prepareStatement("UPDATE jobs SET checkpoint = '{\"offset\": [' WHERE id = ?")) {
                ps.setString(1, broken.id());
                return ps.executeUpdate();
            }
        });
        Job next = job("hub", T0.plusSeconds(1));
        jobs.insert(next, false, MAX_QUEUED);

        // WHEN another node looks for work after the lease lapsed
        Instant later = T0.plus(LEASE).plusSeconds(1);
        // THEN the broken job is failed, with the reason, instead of being handed out
        assertThat(jobs.claimNext("node-b", later, later.plus(LEASE))).isEmpty();
        Job failed = jobs.find(broken.id()).orElseThrow();
        assertThat(failed.status()).isEqualTo(JobPhase.FAILED);
        assertThat(failed.failureReason()).contains("cannot read what it stored for this job").contains("checkpoint");
        assertThat(failed.checkpoint()).isNull();
        // and the hub's next job is claimed at the next look, never the broken one again
        assertThat(jobs.claimNext("node-b", later, later.plus(LEASE)).orElseThrow().id()).isEqualTo(next.id());
        assertThat(jobs.list("hub", 0, 10)).hasSize(2);
    }

    @Test
    void aRestartedNodeTakesItsOwnJobsBackAtOnce() {
        Job j = job("hub", T0);
        jobs.insert(j, true, MAX_QUEUED);
        jobs.claimNext("node-a", T0, T0.plus(LEASE));
        assertThat(jobs.expireLeasesOf("node-a")).isEqualTo(1);
        assertThat(jobs.claimNext("node-a", T0.plusSeconds(1), T0.plusSeconds(31))).isPresent();
    }

    @Test
    void aJobTheServerKeepsFailingEndsFailedAfterTheBoundedRetries() {
        Job j = job("hub", T0);
        jobs.insert(j, true, MAX_QUEUED);
        Instant t = T0;
        jobs.claimNext("node-a", t, t.plus(LEASE)).orElseThrow();
        // a clean stop hands the job back: resumed without counting a retry
        jobs.handBackLeases("node-a");
        assertThat(jobs.claimNext("node-a", t.plusSeconds(1), t.plusSeconds(31)).orElseThrow().retries()).isZero();
        for (int retry = 1; retry <= Job.MAX_RETRIES; retry++) {
            t = t.plusSeconds(100);
            // the server failed it: released for a retry (or the node died and its lease lapsed)
            if (retry % 2 == 1) jobs.releaseForRetry(j.id(), "node-a", "the server ran out of memory");
            Job again = jobs.claimNext("node-a", t, t.plus(LEASE)).orElseThrow();
            assertThat(again.retries()).isEqualTo(retry);
        }
        // one failure more: the claim fails the job instead of running it again
        jobs.releaseForRetry(j.id(), "node-a", "the server ran out of memory");
        assertThat(jobs.claimNext("node-a", t.plusSeconds(200), t.plusSeconds(230))).isEmpty();
        Job failed = jobs.find(j.id()).orElseThrow();
        assertThat(failed.status()).isEqualTo(JobPhase.FAILED);
        assertThat(failed.failureReason()).contains((Job.MAX_RETRIES + 1) + " times").contains("ran out of memory");
        assertThat(jobs.claimNext("node-a", t.plusSeconds(300), t.plusSeconds(330))).as("nothing left to run").isEmpty();
    }

    @Test
    void queuedJobsOfOneHubRunOneAtATimeInOrder() {
        Job first = job("hub", T0);
        Job second = job("hub", T0.plusSeconds(1));
        jobs.insert(first, false, MAX_QUEUED);
        jobs.insert(second, false, MAX_QUEUED);
        assertThat(jobs.claimNext("n", T0, T0.plus(LEASE)).orElseThrow().id()).isEqualTo(first.id());
        assertThat(jobs.claimNext("n", T0, T0.plus(LEASE))).as("the hub has a running job").isEmpty();
        jobs.finish(first.id(), "n", JobPhase.COMPLETED, null, T0.plusSeconds(5), null);
        assertThat(jobs.claimNext("n", T0.plusSeconds(6), T0.plusSeconds(36)).orElseThrow().id()).isEqualTo(second.id());
    }

    @Test
    void cancelEndsAnEnqueuedJobAtOnceAndFlagsARunningOne() {
        Job waiting = job("a", T0);
        Job running = job("b", T0);
        jobs.insert(waiting, true, MAX_QUEUED);
        jobs.insert(running, true, MAX_QUEUED);
        jobs.claimNext("n", T0, T0.plus(LEASE));
        Job claimedFirst = jobs.find(waiting.id()).orElseThrow().status() == JobPhase.RUNNING ? waiting : running;
        Job other = claimedFirst == waiting ? running : waiting;

        Job cancelledAtOnce = jobs.requestCancel(other.id(), T0.plusSeconds(1)).orElseThrow();
        assertThat(cancelledAtOnce.status()).isEqualTo(JobPhase.CANCELLED);
        assertThat(cancelledAtOnce.endTime()).isEqualTo(T0.plusSeconds(1));
        Job flagged = jobs.requestCancel(claimedFirst.id(), T0.plusSeconds(1)).orElseThrow();
        assertThat(flagged.status()).isEqualTo(JobPhase.RUNNING);
        assertThat(jobs.cancelRequested(claimedFirst.id())).isTrue();
    }

    @Test
    void finishedJobsAreRemovedAfterTheirRetention() {
        Job j = job("hub", T0);
        jobs.insert(j, true, MAX_QUEUED);
        jobs.claimNext("n", T0, T0.plus(LEASE));
        jobs.finish(j.id(), "n", JobPhase.FAILED, "the blob vanished", T0.plusSeconds(1), null);
        assertThat(jobs.find(j.id()).orElseThrow().failureReason()).isEqualTo("the blob vanished");
        assertThat(jobs.deleteFinishedBefore(T0)).isZero();
        assertThat(jobs.deleteFinishedBefore(T0.plus(Duration.ofDays(31)))).isEqualTo(1);
        assertThat(jobs.find(j.id())).isEmpty();
    }
}

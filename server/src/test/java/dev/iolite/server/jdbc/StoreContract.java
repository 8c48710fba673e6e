package dev.iolite.server.jdbc;

import dev.iolite.server.store.StatementTimeoutException;
import dev.iolite.server.store.StaleWriteException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iolite.server.jobs.Checkpoint;
import dev.iolite.server.registry.AuthType;
import dev.iolite.server.registry.Authentication;
import dev.iolite.server.registry.Device;
import dev.iolite.server.registry.DeviceKey;
import dev.iolite.server.registry.DeviceStatus;
import dev.iolite.server.registry.ExportRow;
import dev.iolite.server.registry.RegistryChanges;
import dev.iolite.server.registry.RegistryCounts;
import dev.iolite.server.registry.Twin;
import dev.iolite.server.registry.TwinDocument;
import dev.iolite.server.query.QueryCompiler;
import dev.iolite.server.query.TwinQuery;
import dev.iolite.server.jdbc.query.JdbcQueryStore;
import dev.iolite.server.jdbc.registry.JdbcRegistryStore;
import dev.iolite.server.jobs.Job;
import dev.iolite.server.jobs.JobCounts;
import dev.iolite.server.jobs.JobProgress;
import dev.iolite.server.jobs.JobRequest;
import dev.iolite.server.jobs.JobPhase;
import dev.iolite.server.jobs.JobKind;
import dev.iolite.server.jobs.LeaseLostException;
import dev.iolite.server.blob.StorageAuth;
import dev.iolite.server.jdbc.Database;
import dev.iolite.server.jdbc.jobs.JdbcJobStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * What every store must do, written once and run on each: SQLite ({@code SqliteStoreTest}) and
 * PostgreSQL ({@code PostgresStoreIT}). Devices, modules and twins with every field, counters, keyset
 * pages, and the job queue (claims, leases, checkpoints, the stored forms), with times passed in rather
 * than slept through.
 */
public abstract class StoreContract {
    private static final Instant T0 = Instant.parse("2026-11-26T12:00:00Z");
    private static final Duration LEASE = Duration.ofSeconds(30);
    private static final int MAX_QUEUED = 3;

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Instant T1 = Instant.parse("2026-11-20T08:15:30.123Z");
    private static final Instant T2 = Instant.parse("2026-11-21T09:00:00.456Z");

    @TempDir
    Path dir;
    private Database db;
    private JdbcJobStore jobs;
    private JdbcRegistryStore registry;
    private JdbcQueryStore queries;

    /** A fresh, empty store of the kind under test (migrated), with {@code dir} for its files if it needs any. */
    protected abstract Database openStore(Path dir);

    /**
     * Another fresh store of the kind under test, not migrated at all: its data source (for a test to migrate it part
     * of the way and write rows as an older version did), and how the server opens it (migrating it the rest of the way).
     */
    protected abstract Unmigrated unmigratedStore(Path dir);

    /** A store not migrated yet ({@link #unmigratedStore}). */
    public record Unmigrated(javax.sql.DataSource dataSource, dev.iolite.server.jdbc.dialect.SqlDialect dialect,
                                java.util.function.Supplier<Database> open) {}

    @BeforeEach
    void open() {
        db = openStore(dir);
        jobs = new JdbcJobStore(db, JSON);
        registry = new JdbcRegistryStore(db, JSON);
        queries = new JdbcQueryStore(db, JSON);
        TestHubs.insert(db, "hub", "other-hub", "a", "b", "quiet");
    }

    @AfterEach
    void close() {
        db.close();
    }

    private static Job job(String hub, Instant created) {
        return Job.enqueued(UUID.randomUUID().toString(), hub,
                JobRequest.exporting("file:out", "devices.txt", false, StorageAuth.KEY_BASED, null),
                created);
    }

    private static JobProgress progress(Job j, String owner) {
        return new JobProgress(j.id(), owner, new JobCounts(10, 9, 1), 50, 100, Checkpoint.startExport(20));
    }

    private static dev.iolite.server.messages.CloudMessage cloudMessage(String deviceId, String messageId) {
        return new dev.iolite.server.messages.CloudMessage(0, "hub", deviceId, null, T0, T0.plusSeconds(3600),
                dev.iolite.server.messages.CloudMessage.Ack.FULL, java.util.Map.of("message-id", messageId), java.util.Map.of(),
                messageId.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    private static dev.iolite.server.messages.FeedbackRecord success(String messageId) {
        return new dev.iolite.server.messages.FeedbackRecord(0, "hub", messageId, T0, dev.iolite.server.messages.FeedbackRecord.Status.SUCCESS,
                "Success", "lamp", "g1");
    }

    @Test
    void aCompletedCloudMessageLeavesItsFeedbackOnlyIfItWasStillQueued() {
        var queues = new dev.iolite.server.jdbc.messages.JdbcCloudQueueStore(db);
        long[] ids = queues.enqueueAll(List.of(cloudMessage("lamp", "m1"), cloudMessage("lamp", "m2"), cloudMessage("lamp", "m3"),
                cloudMessage("lamp", "m4")), 3);
        assertThat(ids[3]).as("the queue holds 3 at most").isEqualTo(-1);
        assertThat(queues.pending("hub", "lamp", null, 0, T0, 10)).extracting(dev.iolite.server.messages.CloudMessage::messageId)
                .containsExactly("m1", "m2", "m3");

        assertThat(queues.complete("hub", List.of(ids[0], ids[1]), java.util.Map.of(ids[0], success("m1"), ids[1], success("m2"))))
                .isEqualTo(2);
        // m2 again (a second PUBACK) and m3: only m3 was still there, so only m3 leaves a record
        assertThat(queues.complete("hub", List.of(ids[1], ids[2]), java.util.Map.of(ids[1], success("m2"), ids[2], success("m3"))))
                .isEqualTo(1);
        assertThat(queues.feedback("hub", 0, 10)).extracting(dev.iolite.server.messages.FeedbackRecord::originalMessageId)
                .containsExactly("m1", "m2", "m3");
        assertThat(queues.pending("hub", "lamp", null, 0, T0, 10)).isEmpty();
        assertThat(queues.complete("other-hub", List.of(ids[0]), java.util.Map.of())).as("another hub's ids").isZero();
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
                "importErrors.log", false, StorageAuth.IDENTITY_BASED, null, null, null));
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
                "file:out", "importErrors.log", false, StorageAuth.KEY_BASED, null, null, "req-1"), created);
    }

    @Test
    void anExportsFilterIsStoredInFormTwoAndARequestWithoutOneStaysInFormOne() {
        Job filtered = Job.enqueued(UUID.randomUUID().toString(), "hub", JobRequest.exporting("file:out", "devices.txt",
                false, StorageAuth.KEY_BASED, null).withFilter("tags.site = 'north'"), T0);
        Job plain = job("other-hub", T0);
        assertThat(jobs.insert(filtered, true, MAX_QUEUED)).isTrue();
        assertThat(jobs.insert(plain, true, MAX_QUEUED)).isTrue();
        assertThat(jobs.find(filtered.id()).orElseThrow().request().filter()).isEqualTo("tags.site = 'north'");
        assertThat(stored(filtered.id(), "request")).contains("\"version\":2").contains("\"filter\":\"tags.site = 'north'\"");
        assertThat(stored(plain.id(), "request")).contains("\"version\":1").doesNotContain("filter");
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

    // --- devices.jobs

    private static final String END = "2026-11-26T12:00:01.250Z";
    private static final String HEAD = "{\"jobId\":\"job-1\",\"jobType\":\"scheduleDeviceMethod\",\"startTimeUtc\":"
            + "\"2026-11-26T12:00:00.123Z\",\"createdDateTimeUtc\":\"2026-11-26T11:59:59Z\"";

    /** A whole row of devices.jobs as a job of {@link #HEAD} wrote it before schema 17, with the device's members. */
    private static String wholeRow(String deviceId, String status, String more) {
        return HEAD + ",\"deviceId\":\"" + deviceId + "\",\"status\":\"" + status + "\",\"endTimeUtc\":\"" + END
                + "\",\"lastUpdatedDateTimeUtc\":\"" + END + "\"" + more + "}";
    }

    private static final String METHOD_ANSWER = "{\"status\":200,\"payload\":{\"a\":[1,\"x\",null]}}";
    private static final String D1 = wholeRow("d1", "completed", ",\"outcome\":{\"deviceMethodResponse\":" + METHOD_ANSWER
            + "},\"cloudToDeviceMethod\":" + METHOD_ANSWER);
    private static final String D2 = wholeRow("d2", "failed",
            ",\"error\":{\"code\":\"DeviceNotOnline\",\"description\":\"it's \\\"off\\\" — ü\"}");
    private static final String D3 = wholeRow("d-3", "completed", ",\"outcome\":{}");
    private static final String D4 = wholeRow("d4", "completed", ",\"outcome\":{}");

    /**
     * The documents of the rows a query of devices.jobs selects, in (job, device) order ('d-3' before 'd1'). SQLite
     * keeps JSON as text: its documents must read as a row kept whole read, member for member; PostgreSQL's jsonb
     * orders members its own way.
     */
    private static List<Object> deviceJobs(JdbcQueryStore store, Database on, String hub, String query) {
        List<Object> docs = new java.util.ArrayList<>();
        store.queryDeviceJobs(hub, QueryCompiler.compile(query), null, 100, dev.iolite.server.store.StillWanted.ALWAYS,
                (key, doc) -> {
                    try {
                        docs.add(asRead(on, doc));
                        return true;
                    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                        throw new AssertionError(doc, e);
                    }
                });
        return docs;
    }

    /** A document as {@link #deviceJobs} gives it on this store: its text on SQLite, else its JSON (members unordered). */
    private static Object asRead(Database on, String doc) throws com.fasterxml.jackson.core.JsonProcessingException {
        return on.dialect().name().equals("sqlite") ? doc : JSON.readTree(doc);
    }

    @Test
    void rowsOfDevicesJobsReadAsTheyWereWrittenWholeAndGoWithTheirJob() throws Exception {
        jobs.saveDeviceJobHead("hub", "job-1", new dev.iolite.server.jobs.JobStore.DeviceJobHead("scheduleDeviceMethod",
                "2026-11-26T12:00:00.123Z", "2026-11-26T11:59:59Z"));
        jobs.saveDeviceJobHead("other-hub", "job-1", new dev.iolite.server.jobs.JobStore.DeviceJobHead("scheduleUpdateTwin",
                "2026-11-26T12:00:00Z", "2026-11-26T11:00:00Z"));
        registry.writeTwins("hub", List.of(), tx -> jobs.saveDeviceJobs(tx, "hub", "job-1", List.of(
                new dev.iolite.server.jobs.JobStore.DeviceJobRow("d1", "completed", END, "{\"outcome\":{\"deviceMethodResponse\":"
                        + METHOD_ANSWER + "},\"cloudToDeviceMethod\":" + METHOD_ANSWER + "}"),
                new dev.iolite.server.jobs.JobStore.DeviceJobRow("d2", "failed", END,
                        "{\"error\":{\"code\":\"DeviceNotOnline\",\"description\":\"it's \\\"off\\\" — ü\"}}"),
                new dev.iolite.server.jobs.JobStore.DeviceJobRow("d-3", "completed", END, "{\"outcome\":{}}"),
                new dev.iolite.server.jobs.JobStore.DeviceJobRow("d4", "completed", END, "{\"outcome\":{}}"))));
        registry.writeTwins("other-hub", List.of(), tx -> jobs.saveDeviceJobs(tx, "other-hub", "job-1", List.of(
                new dev.iolite.server.jobs.JobStore.DeviceJobRow("d1", "completed", END, "{\"outcome\":{}}"))));

        assertThat(deviceJobs(queries, db, "hub", "SELECT * FROM devices.jobs"))
                .containsExactly(asRead(db, D3), asRead(db, D1), asRead(db, D2), asRead(db, D4));
        assertThat(deviceJobs(queries, db, "hub", "SELECT * FROM devices.jobs WHERE devices.jobs.status = 'failed'"))
                .containsExactly(asRead(db, D2));
        assertThat(deviceJobs(queries, db, "hub", "SELECT * FROM devices.jobs WHERE deviceId = 'd-3' AND jobId = 'job-1' "
                + "AND lastUpdatedDateTimeUtc = '" + END + "' AND jobType = 'scheduleDeviceMethod' "
                + "AND startTimeUtc = '2026-11-26T12:00:00.123Z' AND createdDateTimeUtc < startTimeUtc"))
                .containsExactly(asRead(db, D3));
        assertThat(deviceJobs(queries, db, "hub", "SELECT * FROM devices.jobs WHERE outcome.deviceMethodResponse.status = 200 "
                + "AND cloudToDeviceMethod.status = 200")).containsExactly(asRead(db, D1));
        assertThat(deviceJobs(queries, db, "hub", "SELECT * FROM devices.jobs WHERE IS_DEFINED(error)"))
                .containsExactly(asRead(db, D2));

        // a batch done again replaces its rows, those written alike (d2, d4) as the others (d1)
        String later = "2026-11-26T12:00:02Z";
        registry.writeTwins("hub", List.of(), tx -> jobs.saveDeviceJobs(tx, "hub", "job-1", List.of(
                new dev.iolite.server.jobs.JobStore.DeviceJobRow("d1", "failed", later, "{\"error\":{}}"),
                new dev.iolite.server.jobs.JobStore.DeviceJobRow("d2", "completed", later, "{\"outcome\":{}}"),
                new dev.iolite.server.jobs.JobStore.DeviceJobRow("d4", "completed", later, "{\"outcome\":{}}"))));
        assertThat(deviceJobs(queries, db, "hub", "SELECT * FROM devices.jobs WHERE status = 'failed'"))
                .containsExactly(asRead(db, HEAD + ",\"deviceId\":\"d1\",\"status\":\"failed\",\"endTimeUtc\":\"" + later
                        + "\",\"lastUpdatedDateTimeUtc\":\"" + later + "\",\"error\":{}}"));
        assertThat(deviceJobs(queries, db, "hub", "SELECT * FROM devices.jobs WHERE endTimeUtc = '" + later + "'"))
                .hasSize(3);
        assertThat(deviceJobs(queries, db, "hub", "SELECT * FROM devices.jobs")).hasSize(4);

        // a scheduled job's rows go with it once it is removed (its queue id is the hub's name in lower case, ':', its id)
        Job j = Job.enqueued("hub:job-1", "hub", JobRequest.exporting("file:out", "devices.txt", false, StorageAuth.KEY_BASED,
                null), T0);
        jobs.insert(j, true, MAX_QUEUED);
        jobs.claimNext("n", T0, T0.plus(LEASE));
        jobs.finish(j.id(), "n", JobPhase.COMPLETED, null, T0.plusSeconds(1), null);
        assertThat(jobs.deleteFinishedBefore(T0.plus(Duration.ofDays(31)))).isEqualTo(1);
        assertThat(deviceJobs(queries, db, "hub", "SELECT * FROM devices.jobs")).isEmpty();
        assertThat(deviceJobs(queries, db, "other-hub", "SELECT * FROM devices.jobs")).hasSize(1);
    }

    @Test
    void rowsOfDevicesJobsKeptWholeBeforeSchemaSeventeenReadTheSameAfterIt() throws Exception {
        Unmigrated old = unmigratedStore(dir);
        org.flywaydb.core.Flyway.configure().configuration(
                dev.iolite.server.jdbc.migration.Migrations.flyway(old.dataSource(), old.dialect()).getConfiguration())
                .target("16").load().migrate();
        try (java.sql.Connection c = old.dataSource().getConnection()) {
            try (java.sql.PreparedStatement ps = c.prepareStatement(TestHubs.INSERT)) {
                ps.setString(1, "old-hub");
                ps.executeUpdate();
            }
            try (java.sql.PreparedStatement ps = c.prepareStatement("INSERT INTO device_jobs (hub, job_id, device_id, doc) "
                    + "VALUES ('old-hub', 'job-1', ?, " + old.dialect().jsonParameter() + ")")) {
                for (String[] row : List.of(new String[] {"d1", D1}, new String[] {"d2", D2}, new String[] {"d-3", D3})) {
                    ps.setString(1, row[0]);
                    ps.setString(2, row[1]);
                    ps.executeUpdate();
                }
            }
        }
        try (Database migrated = old.open().get()) {
            JdbcQueryStore store = new JdbcQueryStore(migrated, JSON);
            assertThat(deviceJobs(store, migrated, "old-hub", "SELECT * FROM devices.jobs"))
                    .containsExactly(asRead(migrated, D3), asRead(migrated, D1), asRead(migrated, D2));
            assertThat(deviceJobs(store, migrated, "old-hub", "SELECT * FROM devices.jobs WHERE status = 'failed' "
                    + "AND lastUpdatedDateTimeUtc = endTimeUtc")).containsExactly(asRead(migrated, D2));
        }
    }

    // --- devices, modules, twins, counters, keyset pages

    private static ObjectNode object(String json) throws Exception {
        return (ObjectNode) JSON.readTree(json);
    }

    private static Device device(String id, String moduleId, DeviceStatus status) {
        return new Device(new DeviceKey(id, moduleId), 1, "638700000000000002", new Device.DeviceState(status, null, T1),
                Authentication.sas("k".repeat(44), "s".repeat(44)), false, Device.Scopes.NONE, null, Twin.empty(), T1);
    }

    private void insert(List<Device> devices, long enabled, long disabled) {
        registry.apply("hub", new RegistryChanges(devices, List.of(), List.of(),
                new RegistryChanges.StatsDelta(enabled + disabled, enabled, disabled)));
    }

    @Test
    void everyFieldOfDevicesAndModulesSurvivesAWriteAndARead() throws Exception {
        Device full = new Device(DeviceKey.device("dev-ü-1"), 7, "638700000000000001",
                new Device.DeviceState(DeviceStatus.DISABLED, "stolen — reported by ops", T1),
                new Authentication(AuthType.SELF_SIGNED, null, null, "A".repeat(40), "B".repeat(64)),
                true, new Device.Scopes("ms-azure-iot-edge://edge-1-123",
                        List.of("ms-azure-iot-edge://p-1", "ms-azure-iot-edge://p-2")),
                "edge-1", new Twin(TwinDocument.of(object("{\"site\":\"Zürich\",\"n\":{\"x\":[1,2.5,null,true]}}")),
                        TwinDocument.of(object("{\"fw\":\"1.2\"}")), TwinDocument.of(object("{\"temp\":21.5}")), 42), T2);
        Device module = new Device(new DeviceKey("dev-ü-1", "module-a"), 1, "638700000000000002",
                new Device.DeviceState(DeviceStatus.ENABLED, null, T1),
                Authentication.sas("k".repeat(44), "s".repeat(44)), false, Device.Scopes.NONE, "edge-agent",
                Twin.empty(), T1);
        insert(List.of(full, module), 0, 1);

        assertThat(registry.find("hub", full.key())).contains(full);
        assertThat(registry.find("hub", module.key())).contains(module);
        assertThat(registry.find("other-hub", module.key())).as("another hub's rows").isEmpty();
        assertThat(registry.listModules("hub", "dev-ü-1")).containsExactly(module);
        assertThat(registry.findAll("hub", List.of(full.key(), module.key(), DeviceKey.device("none"))))
                .containsOnlyKeys(full.key(), module.key());

        List<ExportRow> rows = registry.scan("hub", null, null, 10);
        assertThat(rows).extracting(ExportRow::moduleId).containsExactly(null, "module-a");
        ExportRow e = rows.get(0);
        assertThat(e.statusReason()).isEqualTo("stolen — reported by ops");
        assertThat(e.primaryThumbprint()).isEqualTo("A".repeat(40));
        assertThat(e.parentScopesJson()).isEqualTo("[\"ms-azure-iot-edge://p-1\",\"ms-azure-iot-edge://p-2\"]");
        assertThat(JSON.readTree(e.tagsJson())).isEqualTo(full.twin().tags().toTree());
        assertThat(e.twinVersion()).isEqualTo(42);
        assertThat(rows.get(1).reportedJson()).isEqualTo("{}");
    }

    @Test
    void countersFollowInsertsUpdatesAndRemovalsAndModulesAreNotDevices() {
        insert(List.of(device("a", null, DeviceStatus.ENABLED), device("b", null, DeviceStatus.DISABLED),
                device("a", "m", DeviceStatus.ENABLED)), 1, 1);
        assertThat(registry.statistics("hub")).isEqualTo(new RegistryCounts(2, 1, 1));
        assertThat(registry.countIdentities("hub")).isEqualTo(3);

        Device enabledB = device("b", null, DeviceStatus.ENABLED);
        registry.apply("hub", new RegistryChanges(List.of(), List.of(new RegistryChanges.Update(
                new Device(enabledB.key(), 2, enabledB.generationId(), enabledB.state(), enabledB.authentication(),
                        false, Device.Scopes.NONE, null, Twin.empty(), T2), 1, 1)),
                List.of(new RegistryChanges.Removal(DeviceKey.device("a"), 1)), new RegistryChanges.StatsDelta(-1, 0, -1)));

        assertThat(registry.statistics("hub")).isEqualTo(new RegistryCounts(1, 1, 0));
        assertThat(registry.find("hub", new DeviceKey("a", "m"))).as("a device's removal removes its modules").isEmpty();
        assertThat(registry.find("hub", DeviceKey.device("b")).orElseThrow().version()).isEqualTo(2);
        assertThat(registry.statistics("other-hub")).isEqualTo(new RegistryCounts(0, 0, 0));
    }

    @Test
    void aWriteDecidedAgainstAnOlderVersionChangesNothing() {
        insert(List.of(device("a", null, DeviceStatus.ENABLED)), 1, 0);
        Device next = device("a", null, DeviceStatus.DISABLED);
        assertThatThrownBy(() -> registry.apply("hub", new RegistryChanges(List.of(),
                List.of(new RegistryChanges.Update(next, 5, 1)), List.of(), new RegistryChanges.StatsDelta(0, -1, 1))))
                .isInstanceOf(StaleWriteException.class);
        assertThat(registry.find("hub", DeviceKey.device("a")).orElseThrow().status()).isEqualTo(DeviceStatus.ENABLED);
        assertThat(registry.statistics("hub")).isEqualTo(new RegistryCounts(1, 1, 0));
    }

    @Test
    void aTwinWriteChangesTheTwinAloneAndOnlyAtTheVersionsItWasReadAt() throws Exception {
        Device read = new Device(DeviceKey.device("t-1"), 7, "638700000000000001",
                new Device.DeviceState(DeviceStatus.DISABLED, "stolen", T1),
                new Authentication(AuthType.SELF_SIGNED, null, null, "A".repeat(40), "B".repeat(64)), true,
                new Device.Scopes("ms-azure-iot-edge://edge-1-123", List.of("ms-azure-iot-edge://p-1")), "edge-1",
                new Twin(TwinDocument.of(object("{\"site\":\"Zürich\"}")), TwinDocument.of(object("{\"fw\":\"1.2\"}")),
                        TwinDocument.of(object("{\"temp\":21.5}")), 42, TwinDocument.of(object("{\"c1\":{\"status\":\"applied\"}}"))), T1);
        insert(List.of(read, device("t-2", null, DeviceStatus.ENABLED)), 1, 1);
        Twin next = new Twin(TwinDocument.of(object("{\"site\":\"Zürich\",\"campaign\":\"winter\"}")),
                TwinDocument.of(object("{\"fw\":\"1.2\",\"sampling\":{\"rate\":5}}")), read.twin().reported(), 43,
                read.twin().configurations());
        Device written = read.withTwin(next, T2);

        // a stale twin version, or a stale identity version, writes nothing of the batch
        Device other = device("t-2", null, DeviceStatus.ENABLED);
        Device otherNext = other.withTwin(new Twin(TwinDocument.of(object("{\"x\":1}")), TwinDocument.EMPTY,
                TwinDocument.EMPTY, 2), T2);
        assertThatThrownBy(() -> registry.writeTwins("hub", List.of(new RegistryChanges.Update(otherNext, 1, 1),
                new RegistryChanges.Update(written, 7, 41)), null)).isInstanceOf(StaleWriteException.class);
        assertThatThrownBy(() -> registry.writeTwins("hub", List.of(new RegistryChanges.Update(written, 6, 42)), null))
                .isInstanceOf(StaleWriteException.class);
        assertThat(registry.find("hub", other.key())).contains(other);
        // what goes alongside commits with the twins, or takes them with it when it fails
        assertThatThrownBy(() -> registry.writeTwins("hub", List.of(new RegistryChanges.Update(written, 7, 42)), tx -> {
            throw new LeaseLostException("job");
        })).isInstanceOf(LeaseLostException.class);
        assertThat(registry.find("hub", read.key())).contains(read);

        boolean[] alongside = new boolean[1];
        registry.writeTwins("hub", List.of(new RegistryChanges.Update(written, 7, 42)), tx -> alongside[0] = true);
        assertThat(alongside[0]).isTrue();
        assertThat(registry.find("hub", read.key())).contains(written);
        assertThat(registry.statistics("hub")).isEqualTo(new RegistryCounts(2, 1, 1));
        TwinQuery byTag = QueryCompiler.compile("SELECT * FROM devices WHERE tags.campaign = 'winter' "
                + "AND properties.desired.sampling.rate = 5 AND status = 'disabled'");
        assertThat(queries.queryTwins("hub", byTag, null, 10)).extracting(Device::key).containsExactly(read.key());
    }

    @Test
    void keysetPagesReturnEveryIdentityOnceInOrder() {
        List<Device> all = new java.util.ArrayList<>();
        for (int i = 0; i < 25; i++) {
            all.add(device(String.format("d-%02d", i), null, DeviceStatus.ENABLED));
            if (i % 5 == 0) all.add(device(String.format("d-%02d", i), "m", DeviceStatus.ENABLED));
        }
        insert(all, 25, 0);

        List<String> devices = new java.util.ArrayList<>();
        String after = null;
        for (List<Device> page; !(page = registry.listDevices("hub", after, 7)).isEmpty(); after = page.get(page.size() - 1).deviceId()) {
            assertThat(page).hasSizeLessThanOrEqualTo(7).allMatch(d -> d.moduleId() == null);
            page.forEach(d -> devices.add(d.deviceId()));
        }
        assertThat(devices).hasSize(25).isSorted().doesNotHaveDuplicates();

        List<String> identities = new java.util.ArrayList<>();
        String afterDevice = null;
        String afterModule = null;
        for (List<ExportRow> page; !(page = registry.scan("hub", afterDevice, afterModule, 4)).isEmpty(); ) {
            for (ExportRow r : page) identities.add(r.deviceId() + "/" + (r.moduleId() == null ? "" : r.moduleId()));
            afterDevice = page.get(page.size() - 1).deviceId();
            afterModule = page.get(page.size() - 1).moduleId();
        }
        assertThat(identities).hasSize(30).isSorted().doesNotHaveDuplicates();
    }

    @Test
    void aJobScanPastItsDeadlineIsStoppedWithStatementTimeoutAndTheStoreGoesOn() throws Exception {
        // GIVEN 20,000 devices and a filter that reads each one's tags 960 times (seconds unstopped)
        for (int from = 0; from < 20_000; from += 1_000) {
            List<Device> batch = new java.util.ArrayList<>();
            for (int i = from; i < from + 1_000; i++) {
                batch.add(tagged(String.format("s-%05d", i), "{\"a\":" + (i % 97) + ",\"b\":" + (i % 13 + 1) + "}"));
            }
            insert(batch, batch.size(), 0);
        }
        TwinQuery slow = QueryCompiler.compile("SELECT * FROM devices WHERE " + slowSum(480) + "=-12345");
        JdbcRegistryStore store = new JdbcRegistryStore(db, JSON, Duration.ofSeconds(1));

        // WHEN an export scans and counts with it, THEN the store stops both at the 1 s deadline
        long t0 = System.nanoTime();
        assertThatThrownBy(() -> store.scan("hub", null, null, 2_000, slow)).isInstanceOf(StatementTimeoutException.class)
                .satisfies(e -> assertThat(((StatementTimeoutException) e).deadline()).isEqualTo(Duration.ofSeconds(1)));
        assertThatThrownBy(() -> store.countIdentities("hub", slow)).isInstanceOf(StatementTimeoutException.class);
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(15));
        // AND every pooled connection is fine afterwards
        for (int i = 0; i < 12; i++) {
            assertThat(store.scan("hub", null, null, 3, null)).hasSize(3);
            assertThat(store.statistics("hub").totalDeviceCount()).isEqualTo(20_000);
        }
    }

    @Test
    void aCallerWhoLeavesBetweenTwoStatementsStopsTheSecondLongBeforeTheDeadline() {
        // GIVEN a query of two statements whose caller leaves after the first, while the call runs Java code: a stop
        // sent then finds no statement running (PostgreSQL ignores such a cancel, SQLite such an interrupt)
        java.util.concurrent.atomic.AtomicBoolean wanted = new java.util.concurrent.atomic.AtomicBoolean(true);
        String endless = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000000000) "
                + "SELECT COUNT(*) FROM n";

        // WHEN the second statement runs (unstopped, it would run for minutes)
        assertThatThrownBy(() -> db.query("hub", Duration.ofSeconds(60), wanted::get, c -> {
            try (java.sql.Statement st = c.createStatement()) {
                st.executeQuery("SELECT 1").close();
                wanted.set(false);
                Thread.sleep(4 * StatementGuard.POLL.toMillis());  // the guard looks and stops meanwhile
                st.executeQuery(endless).close();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
            return null;
        }))
                // THEN the guard's next look stops it as the caller's, not the 60 s deadline
                .isInstanceOf(dev.iolite.server.errors.IoliteException.class)
                .hasMessageContaining("the caller went away");
        // AND the store goes on
        assertThat(registry.statistics("hub")).isEqualTo(new RegistryCounts(0, 0, 0));
    }

    /** A balanced sum of {@code terms} products of two tags, without spaces: 9 levels deep for 480, under 8,192 characters. */
    private static String slowSum(int terms) {
        if (terms == 1) return "tags.a*tags.b";
        return "(" + slowSum(terms / 2) + (terms % 4 == 0 ? "+" : "-") + slowSum(terms - terms / 2) + ")";
    }

    /** A device whose tags are the given JSON, in hub "hub". */
    private static Device tagged(String id, String tags) throws Exception {
        Device d = device(id, null, DeviceStatus.ENABLED);
        return new Device(d.key(), d.version(), d.generationId(), d.state(), d.authentication(), d.iotEdge(), d.scopes(),
                d.managedBy(), new Twin(TwinDocument.of(object(tags)), TwinDocument.EMPTY, TwinDocument.EMPTY, 1), T1);
    }

    private List<String> select(String where) {
        TwinQuery q = QueryCompiler.compile("SELECT * FROM devices WHERE " + where);
        return queries.queryTwins("hub", q, null, 100).stream().map(Device::deviceId).toList();
    }

    /**
     * The translator's type rules, on each store's SQL: a comparison holds only between values of one JSON
     * type, an undefined property matches nothing (nor does its negation), and numbers compare as numbers
     * whether stored as integers or decimals.
     */
    @Test
    void queriesCompareOnlyValuesOfOneTypeAndNeverMatchUndefinedProperties() throws Exception {
        insert(List.of(tagged("n5", "{\"v\":5}"), tagged("n5.0", "{\"v\":5.0}"), tagged("n12", "{\"v\":12}"),
                tagged("s5", "{\"v\":\"5\"}"), tagged("s12", "{\"v\":\"12\"}"), tagged("t", "{\"v\":true}"),
                tagged("f", "{\"v\":false}"), tagged("null", "{\"v\":null}"), tagged("obj", "{\"v\":{\"w\":5}}"),
                tagged("arr", "{\"v\":[5]}"), tagged("none", "{}")), 11, 0);
        assertThat(select("tags.v = 5")).containsExactly("n5", "n5.0");
        assertThat(select("tags.v = '5'")).containsExactly("s5");
        assertThat(select("tags.v > 6")).containsExactly("n12");
        // strings order as text: '12' < '5'
        assertThat(select("tags.v < '5'")).containsExactly("s12");
        assertThat(select("tags.v != 5")).containsExactly("n12");
        assertThat(select("NOT (tags.v = 5)")).containsExactly("n12");
        assertThat(select("tags.v = true")).containsExactly("t");
        assertThat(select("tags.v = 1")).isEmpty();
        assertThat(select("tags.v = false")).containsExactly("f");
        assertThat(select("tags.v = null")).containsExactly("null");
        assertThat(select("tags.v != null")).isEmpty();
        assertThat(select("tags.v.w = 5")).containsExactly("obj");
        assertThat(select("IS_DEFINED(tags.v)")).hasSize(10).doesNotContain("none");
        assertThat(select("NOT IS_DEFINED(tags.v)")).containsExactly("none");
        assertThat(select("IS_OBJECT(tags.v)")).containsExactly("obj");
        assertThat(select("IS_ARRAY(tags.v)")).containsExactly("arr");
        assertThat(select("IS_PRIMITIVE(tags.v)")).containsExactly("f", "n12", "n5", "n5.0", "null", "s12", "s5", "t");
        assertThat(select("NOT IS_STRING(tags.v)")).containsExactly("arr", "f", "n12", "n5", "n5.0", "none", "null", "obj", "t");
        assertThat(select("tags.v + 1 = 6")).containsExactly("n5", "n5.0");
        assertThat(select("tags.v / 0 = 1 OR tags.v % 0 = 1")).isEmpty();
        assertThat(select("STARTSWITH(tags.v, '1')")).containsExactly("s12");
        assertThat(select("NOT STARTSWITH(tags.v, '1')")).containsExactly("s5");
        assertThat(select("tags.w = 5 OR tags.w != 5 OR NOT (tags.w = 5)")).isEmpty();
        assertThat(select("tags.v IN [5, '12']")).containsExactly("n5", "n5.0", "s12");
        assertThat(select("tags.v NIN [5, 12]")).isEmpty();
        // a whole document is an object: always defined, and neither equal nor unequal to a literal
        assertThat(select("IS_OBJECT(tags) AND IS_DEFINED(properties.desired)")).hasSize(11);
        assertThat(select("tags = 5 OR NOT (tags = 5)")).isEmpty();

        TwinQuery groups = QueryCompiler.compile("SELECT tags.v, COUNT() AS n FROM devices GROUP BY tags.v");
        List<String> rows = queries.queryGroups("hub", groups, 0, 100).stream()
                .map(g -> g.keys().get(0) + "=" + g.count()).toList();
        // one group per distinct value and type (5 and 5.0 are one number); the undefined key is a group of its own
        assertThat(rows).hasSize(10).contains("\"5\"=1", "true=1", "null=1", "{\"w\":5}=1", "[5]=1")
                .anyMatch(r -> r.matches("5(\\.0)?=2"));
    }
}

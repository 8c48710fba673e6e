package dev.iolite.server.registry;

import dev.iolite.server.errors.ErrorCode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.iolite.server.jobs.Job;
import dev.iolite.server.jobs.JobRequest;
import dev.iolite.server.jobs.JobPhase;
import dev.iolite.server.jobs.JobKind;
import dev.iolite.server.blob.StorageAuth;
import dev.iolite.server.jdbc.TestHubs;
import dev.iolite.server.jdbc.Database;
import dev.iolite.server.jdbc.jobs.JdbcJobStore;
import dev.iolite.server.jdbc.query.JdbcQueryStore;
import dev.iolite.server.jdbc.registry.JdbcRegistryStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An identity named twice in one import blob (400011), found by asking the store rather than a set in
 * memory: every way a first line can leave its trace (a row it wrote, a line that failed, a line refused
 * before the batch, a delete, a module deleted with its device), batches apart, on a real SQLite store.
 */
class ImportRepeatsTest {
    private static final String HUB = "hub";
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;
    private Database db;
    private RegistryService registry;
    private JdbcRegistryStore store;
    private JdbcJobStore jobs;

    @BeforeEach
    void open() {
        db = Database.openSqlite(dir.resolve("t.db"));
        TestHubs.insert(db, HUB);
        jobs = new JdbcJobStore(db, JSON);
        store = new JdbcRegistryStore(db, JSON);
        registry = new RegistryService(store, new JdbcQueryStore(db, JSON), new Credentials(new SecureRandom()), Clock.systemUTC());
    }

    @AfterEach
    void close() {
        db.close();
    }

    private String runningJob() {
        Instant now = Instant.now();
        Job job = Job.enqueued(UUID.randomUUID().toString(), HUB,
                new JobRequest(JobKind.IMPORT, "file:in", "devices.txt", "file:out", "importErrors.log", false,
                        StorageAuth.KEY_BASED, null, null, null), now);
        assertThat(jobs.insert(job, true, 20)).isTrue();
        assertThat(jobs.claimNext("node", now, now.plusSeconds(60))).isPresent();
        return job.id();
    }

    private static ImportItem line(long n, String id, String module, ImportMode mode) {
        return new ImportItem(n, new DeviceKey(id, module), mode, null, null, null, null, null);
    }

    private List<LineOutcome> batch(String jobId, List<ImportItem> items, List<LineOutcome.Failed> refused) {
        boolean listed = store.hasKeysWithoutRows(jobId);
        return registry.applyImportBatch(HUB, ImportMark.of(jobId, listed), items, refused, null);
    }

    private static void assertRepeatOf(LineOutcome o, long firstLine) {
        assertThat(o).isInstanceOfSatisfying(LineOutcome.Failed.class, f -> {
            assertThat(f.code()).isEqualTo(ErrorCode.DEVICE_DEFINED_MULTIPLE_TIMES);
            assertThat(f.message()).contains("first on line " + firstLine);
        });
    }

    @Test
    void everyEarlierLineIsFoundInTheStoreBatchesApart() {
        registry.apply(HUB, line(0, "parent", null, ImportMode.CREATE));
        registry.apply(HUB, line(0, "old", null, ImportMode.CREATE));
        String job = runningJob();

        // GIVEN batches whose lines leave each kind of trace
        List<LineOutcome> first = batch(job, List.of(
                line(1, "made", null, ImportMode.CREATE),                 // a row of the job's
                line(2, "parent", "m", ImportMode.CREATE),                // a module, deleted later with its device
                line(3, "ghost", null, ImportMode.UPDATE),                // fails: 404
                line(5, "old", null, ImportMode.DELETE)),                 // a delete: no row left
                List.of(new LineOutcome.Failed(line(4, "refused", null, ImportMode.CREATE_OR_UPDATE),
                        ErrorCode.ARGUMENT_INVALID, "'statusReason' is longer than 128 characters")));
        assertThat(first).extracting(o -> o.item().lineNumber()).containsExactly(1L, 2L, 3L, 4L, 5L);
        assertThat(first.get(2)).isInstanceOf(LineOutcome.Failed.class);
        assertThat(first.get(3)).isInstanceOf(LineOutcome.Failed.class);
        batch(job, List.of(line(6, "parent", null, ImportMode.DELETE)), List.of());
        assertThat(registry.statistics(HUB).totalDeviceCount()).isEqualTo(1);

        // WHEN a later batch names each of them again, and a new identity twice
        List<LineOutcome> later = batch(job, List.of(
                line(10, "made", null, ImportMode.CREATE_OR_UPDATE),
                line(11, "parent", "m", ImportMode.CREATE_OR_UPDATE),
                line(12, "ghost", null, ImportMode.CREATE_OR_UPDATE),
                line(14, "old", null, ImportMode.CREATE_OR_UPDATE),
                line(15, "parent", null, ImportMode.CREATE_OR_UPDATE),
                line(16, "fresh", null, ImportMode.CREATE_OR_UPDATE),
                line(17, "fresh", null, ImportMode.CREATE_OR_UPDATE)),
                List.of(new LineOutcome.Failed(line(13, "refused", null, ImportMode.CREATE_OR_UPDATE),
                        ErrorCode.ARGUMENT_INVALID, "again")));

        // THEN each is refused as a repeat of the first line, which the message names
        assertRepeatOf(later.get(0), 1);
        assertRepeatOf(later.get(1), 2);
        assertRepeatOf(later.get(2), 3);
        assertRepeatOf(later.get(3), 4);
        assertRepeatOf(later.get(4), 5);
        assertRepeatOf(later.get(5), 6);
        assertThat(later.get(6)).isInstanceOf(LineOutcome.Applied.class);
        assertRepeatOf(later.get(7), 16);
        assertThat(registry.statistics(HUB).totalDeviceCount()).isEqualTo(2);

        // and the next import may name them all again: the traces are the job's own
        assertThat(jobs.finish(job, "node", JobPhase.COMPLETED, null, Instant.now(), null)).isTrue();
        String next = runningJob();
        assertThat(batch(next, List.of(line(1, "made", null, ImportMode.CREATE_OR_UPDATE),
                line(2, "ghost", null, ImportMode.CREATE_OR_UPDATE)), List.of()))
                .allMatch(o -> o instanceof LineOutcome.Applied);
    }

    @Test
    void theJobsListIsDroppedWhenItEnds() {
        String job = runningJob();
        assertThat(store.hasKeysWithoutRows(job)).isFalse();
        batch(job, List.of(line(1, "ghost", null, ImportMode.UPDATE)), List.of());
        assertThat(store.hasKeysWithoutRows(job)).isTrue();
        assertThat(jobs.finish(job, "node", JobPhase.COMPLETED, null, Instant.now(), null)).isTrue();
        assertThat(store.hasKeysWithoutRows(job)).isFalse();
    }
}

package dev.iolite.server.jdbc.jobs;

import dev.iolite.server.jdbc.Database;
import dev.iolite.server.jdbc.JdbcTransaction;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.iolite.server.jobs.Checkpoint;
import dev.iolite.server.jobs.Job;
import dev.iolite.server.jobs.JobCounts;
import dev.iolite.server.jobs.JobLease;
import dev.iolite.server.jobs.JobPace;
import dev.iolite.server.jobs.JobState;
import dev.iolite.server.jobs.JobTimes;
import dev.iolite.server.jobs.JobProgress;
import dev.iolite.server.jobs.JobRequest;
import dev.iolite.server.jobs.JobPhase;
import dev.iolite.server.jobs.JobKind;
import dev.iolite.server.jobs.LeaseLostException;
import dev.iolite.server.store.Transaction;
import dev.iolite.server.jobs.JobStore;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import java.util.Optional;

/**
 * {@link JobStore} in portable SQL. Claims are version-checked updates (status and lease as read),
 * which SQLite's single writer makes race-free and which PostgreSQL can pair with SKIP LOCKED.
 */
public final class JdbcJobStore implements JobStore {
    private static final String COLUMNS = "id, hub, type, status, request, created_ms, start_ms, end_ms, progress, "
            + "processed, succeeded, failed, rate, failure_reason, status_message, cancel_requested, lease_owner, "
            + "lease_expires_ms, checkpoint, attempts";

    private final Database db;
    private final JobForms forms;

    public JdbcJobStore(Database db, ObjectMapper json) {
        this.db = db;
        this.forms = new JobForms(json);
    }

    @Override
    public boolean insert(Job job, boolean onlyIfNoneActive, int maxQueued) {
        return db.inTransaction(c -> {
            // Touch the hub row first: on databases with row locks this serializes creates per hub. A hub
            // deleted meanwhile touches no row, and its job is not inserted.
            try (PreparedStatement lock = c.prepareStatement("UPDATE hubs SET version = version WHERE name = ?")) {
                lock.setString(1, job.hub());
                if (lock.executeUpdate() == 0) return false;
            }
            // a scheduled job waiting for its start is not active yet
            try (PreparedStatement ps = c.prepareStatement(onlyIfNoneActive
                    ? "SELECT count(*) FROM jobs WHERE hub = ? AND (status = 'running' OR (status = 'enqueued' "
                            + "AND (not_before_ms IS NULL OR not_before_ms <= ?)))"
                    : "SELECT count(*) FROM jobs WHERE hub = ? AND status = 'enqueued'")) {
                ps.setString(1, job.hub());
                if (onlyIfNoneActive) ps.setLong(2, job.createdAt().toEpochMilli());
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    if (rs.getLong(1) >= (onlyIfNoneActive ? 1 : maxQueued)) return false;
                }
            }
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO jobs (" + COLUMNS
                    + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
                int i = 1;
                ps.setString(i++, job.id());
                ps.setString(i++, job.hub());
                ps.setString(i++, job.type().wireName());
                ps.setString(i++, job.status().wireName());
                ps.setString(i++, forms.request(job.request()));
                ps.setLong(i++, job.createdAt().toEpochMilli());
                setInstant(ps, i++, job.startTime());
                setInstant(ps, i++, job.endTime());
                ps.setInt(i++, job.progress());
                ps.setLong(i++, job.counts().processed());
                ps.setLong(i++, job.counts().succeeded());
                ps.setLong(i++, job.counts().failed());
                ps.setDouble(i++, job.devicesPerSecond());
                ps.setString(i++, job.failureReason());
                ps.setString(i++, job.statusMessage());
                ps.setInt(i++, job.cancelRequested() ? 1 : 0);
                ps.setString(i++, job.leaseOwner());
                setInstant(ps, i++, job.leaseExpires());
                ps.setString(i++, job.checkpoint() == null ? null : forms.checkpoint(job.checkpoint()));
                ps.setInt(i, job.retries());
                ps.executeUpdate();
            }
            return true;
        });
    }

    @Override
    public Optional<Job> find(String id) {
        return db.read(c -> find(c, id));
    }

    private Optional<Job> find(Connection c, String id) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS + " FROM jobs WHERE id = ?")) {
            ps.setString(1, id);
            List<Job> jobs = readAll(ps);
            return jobs.isEmpty() ? Optional.empty() : Optional.of(jobs.get(0));
        }
    }

    @Override
    public List<Job> list(String hub, int skip, int limit) {
        return db.read(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS
                    + " FROM jobs WHERE hub = ? ORDER BY created_ms DESC, id DESC LIMIT ? OFFSET ?")) {
                ps.setString(1, hub);
                ps.setInt(2, limit);
                ps.setInt(3, skip);
                return readAll(ps);
            }
        });
    }

    @Override
    public Optional<Job> claimNext(String owner, Instant now, Instant leaseUntil) {
        return db.inTransaction(c -> {
            String candidate = null;
            String hub = null;
            try (PreparedStatement ps = c.prepareStatement("SELECT j.id, j.hub FROM jobs j WHERE "
                    + "(j.status = 'running' AND j.lease_expires_ms < ?) "
                    + "OR (j.status = 'enqueued' AND (j.not_before_ms IS NULL OR j.not_before_ms <= ?) "
                    + "AND NOT EXISTS (SELECT 1 FROM jobs r WHERE r.hub = j.hub AND r.status = 'running')) "
                    // Expired leases first; then hubs in turn: the hub whose last job started longest ago
                    // (or never) goes next, so one hub's long queue cannot starve the others.
                    + "ORDER BY CASE WHEN j.status = 'running' THEN 0 ELSE 1 END, "
                    + "COALESCE((SELECT max(h.start_ms) FROM jobs h WHERE h.hub = j.hub), 0), j.created_ms, j.id "
                    + "LIMIT 1" + db.dialect().claimLock())) {
                ps.setLong(1, now.toEpochMilli());
                ps.setLong(2, now.toEpochMilli());
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) {
                        candidate = rs.getString(1);
                        hub = rs.getString(2);
                    }
                }
            }
            if (candidate == null) return Optional.<Job>empty();
            // Serialize claims per hub (a row lock where there are row locks), then claim only if no
            // other job of the hub runs: two nodes never run two jobs of one hub at once.
            try (PreparedStatement lock = c.prepareStatement("UPDATE hubs SET version = version WHERE name = ?")) {
                lock.setString(1, hub);
                lock.executeUpdate();
            }
            // A running job whose lease lapsed, or that its node did not hand back (lease_expires_ms is 0 only
            // after a clean stop), is being retried: past the bound it fails instead of running again ...
            String retried = "status = 'running' AND lease_expires_ms < ? AND lease_expires_ms <> 0";
            try (PreparedStatement ps = c.prepareStatement("UPDATE jobs SET status = 'failed', end_ms = ?, "
                    + "lease_owner = NULL, lease_expires_ms = NULL, failure_reason = 'the server failed this job "
                    + (Job.MAX_RETRIES + 1) + " times and stopped retrying it; the last time: ' || COALESCE(status_message, "
                    + "'it stopped without handing the job back (a crash or a lost database)') "
                    + "WHERE id = ? AND " + retried + " AND attempts >= ?")) {
                ps.setLong(1, now.toEpochMilli());
                ps.setString(2, candidate);
                ps.setLong(3, now.toEpochMilli());
                ps.setInt(4, Job.MAX_RETRIES);
                if (ps.executeUpdate() > 0) {
                    forgetKeysWithoutRows(c, candidate);
                    return Optional.<Job>empty();
                }
            }
            // ... and within it, the retry is counted
            try (PreparedStatement ps = c.prepareStatement("UPDATE jobs SET attempts = attempts + 1 WHERE id = ? AND "
                    + retried)) {
                ps.setString(1, candidate);
                ps.setLong(2, now.toEpochMilli());
                ps.executeUpdate();
            }
            try (PreparedStatement ps = c.prepareStatement("UPDATE jobs SET status = 'running', lease_owner = ?, "
                    + "lease_expires_ms = ?, start_ms = COALESCE(start_ms, ?) WHERE id = ? "
                    + "AND (status = 'enqueued' OR (status = 'running' AND lease_expires_ms < ?)) "
                    + "AND NOT EXISTS (SELECT 1 FROM jobs r WHERE r.hub = ? AND r.status = 'running' AND r.id <> ?)")) {
                ps.setString(1, owner);
                ps.setLong(2, leaseUntil.toEpochMilli());
                ps.setLong(3, now.toEpochMilli());
                ps.setString(4, candidate);
                ps.setLong(5, now.toEpochMilli());
                ps.setString(6, hub);
                ps.setString(7, candidate);
                if (ps.executeUpdate() == 0) return Optional.<Job>empty();
            }
            try {
                return find(c, candidate);
            } catch (UnreadableJobException e) {
                // A row this version cannot read would be claimed, fail and be claimed again by every node: it
                // ends here, once, with the reason, and the runner moves on to the next job.
                failUnreadable(c, candidate, now, e.getMessage());
                return Optional.<Job>empty();
            }
        });
    }

    private static void failUnreadable(Connection c, String jobId, Instant now, String why) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE jobs SET status = 'failed', end_ms = ?, "
                + "lease_owner = NULL, lease_expires_ms = NULL, failure_reason = ? WHERE id = ?")) {
            ps.setLong(1, now.toEpochMilli());
            ps.setString(2, "the server cannot read what it stored for this job (" + why + "); the job was stopped");
            ps.setString(3, jobId);
            ps.executeUpdate();
        }
        forgetKeysWithoutRows(c, jobId);
    }

    /** A stored request or checkpoint that does not parse. */
    private static final class UnreadableJobException extends SQLException {
        UnreadableJobException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    @Override
    public void setStatusMessage(String jobId, String owner, String message) {
        db.inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE jobs SET status_message = ? "
                    + "WHERE id = ? AND lease_owner = ? AND status = 'running'")) {
                ps.setString(1, message);
                ps.setString(2, jobId);
                ps.setString(3, owner);
                return ps.executeUpdate();
            }
        });
    }

    @Override
    public boolean renewLease(String jobId, String owner, Instant leaseUntil) {
        return db.inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE jobs SET lease_expires_ms = ? "
                    + "WHERE id = ? AND lease_owner = ? AND status = 'running'")) {
                ps.setLong(1, leaseUntil.toEpochMilli());
                ps.setString(2, jobId);
                ps.setString(3, owner);
                return ps.executeUpdate() == 1;
            }
        });
    }

    @Override
    public int expireLeasesOf(String owner) {
        // 1, not 0: expired at once, and counted as a retry when claimed (0 marks a clean hand-back)
        return setLeaseExpiry(owner, 1, " AND lease_expires_ms <> 0");
    }

    @Override
    public int handBackLeases(String owner) {
        return setLeaseExpiry(owner, 0, "");
    }

    /** Sets the lease expiry of the jobs of {@code owner}, a node: its own claims and its workers' ({@code owner/slot}). */
    private int setLeaseExpiry(String owner, long expiresMs, String condition) {
        return db.inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE jobs SET lease_expires_ms = ? "
                    + "WHERE (lease_owner = ? OR substr(lease_owner, 1, ?) = ?) AND status = 'running'" + condition)) {
                ps.setLong(1, expiresMs);
                ps.setString(2, owner);
                ps.setInt(3, owner.length() + 1);
                ps.setString(4, owner + "/");
                return ps.executeUpdate();
            }
        });
    }

    @Override
    public void releaseForRetry(String jobId, String owner, String reason) {
        db.inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE jobs SET lease_expires_ms = 1, status_message = ? "
                    + "WHERE id = ? AND lease_owner = ? AND status = 'running'")) {
                ps.setString(1, reason);
                ps.setString(2, jobId);
                ps.setString(3, owner);
                return ps.executeUpdate();
            }
        });
    }

    @Override
    public void saveProgress(JobProgress progress) {
        db.inTransaction(c -> {
            saveProgress(c, progress);
            return null;
        });
    }

    /** Writes progress inside the caller's transaction; throws LeaseLostException when the lease is gone. */
    @Override
    public void saveProgress(Transaction tx, JobProgress progress) {
        try {
            saveProgress(JdbcTransaction.connectionOf(tx), progress);
        } catch (SQLException e) {
            throw new JdbcTransaction.Failed(e);
        }
    }

    void saveProgress(Connection c, JobProgress p) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE jobs SET progress = ?, processed = ?, succeeded = ?, "
                + "failed = ?, rate = ?, checkpoint = ? WHERE id = ? AND lease_owner = ? AND status = 'running'")) {
            ps.setInt(1, p.progress());
            ps.setLong(2, p.counts().processed());
            ps.setLong(3, p.counts().succeeded());
            ps.setLong(4, p.counts().failed());
            ps.setDouble(5, p.devicesPerSecond());
            ps.setString(6, forms.checkpoint(p.checkpoint()));
            ps.setString(7, p.jobId());
            ps.setString(8, p.leaseOwner());
            if (ps.executeUpdate() == 0) throw new LeaseLostException(p.jobId());
        }
    }

    @Override
    public void saveDeviceJobs(Transaction tx, String hub, String jobId, List<DeviceJobRow> rows) {
        try {
            saveDeviceJobs(JdbcTransaction.connectionOf(tx), hub, jobId, rows);
        } catch (SQLException e) {
            throw new JdbcTransaction.Failed(e);
        }
    }

    @Override
    public void saveBatch(String hub, String jobId, List<DeviceJobRow> rows, JobProgress progress) {
        db.inTransaction(c -> {
            saveDeviceJobs(c, hub, jobId, rows);
            saveProgress(c, progress);
            return null;
        });
    }

    @Override
    public void saveDeviceJobHead(String hub, String jobId, DeviceJobHead head) {
        db.inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO device_job_heads (hub, job_id, job_type, start_utc, "
                    + "created_utc) VALUES (?, ?, ?, ?, ?) ON CONFLICT (hub, job_id) DO UPDATE SET job_type = excluded.job_type, "
                    + "start_utc = excluded.start_utc, created_utc = excluded.created_utc")) {
                ps.setString(1, hub);
                ps.setString(2, jobId);
                ps.setString(3, head.jobType());
                ps.setString(4, head.startTimeUtc());
                ps.setString(5, head.createdDateTimeUtc());
                return ps.executeUpdate();
            }
        });
    }

    private void saveDeviceJobs(Connection c, String hub, String jobId, List<DeviceJobRow> rows) throws SQLException {
        if (rows.isEmpty()) return;
        // Rows that differ only by their device (a twin batch's: completed at one time, with an empty outcome) are
        // written by one statement, their devices bound as one list; the others many to a statement. A batch done
        // again after a crash replaces its rows.
        Map<DeviceJobRow, List<String>> alike = new java.util.LinkedHashMap<>();
        for (DeviceJobRow r : rows) {
            alike.computeIfAbsent(new DeviceJobRow(null, r.status(), r.endTimeUtc(), r.details()), k -> new ArrayList<>())
                    .add(r.deviceId());
        }
        List<DeviceJobRow> single = new ArrayList<>();
        for (Map.Entry<DeviceJobRow, List<String>> e : alike.entrySet()) {
            if (e.getValue().size() == 1) {
                DeviceJobRow k = e.getKey();
                single.add(new DeviceJobRow(e.getValue().get(0), k.status(), k.endTimeUtc(), k.details()));
                continue;
            }
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO device_job_rows (hub, job_id, device_id, status, "
                    + "end_utc, details) SELECT ?, ?, value, ?, ?, " + db.dialect().jsonParameter() + " FROM "
                    + db.dialect().listTable() + " WHERE true" + DEVICE_JOBS_CONFLICT)) {
                DeviceJobRow k = e.getKey();
                ps.setString(1, hub);
                ps.setString(2, jobId);
                ps.setString(3, k.status());
                ps.setString(4, k.endTimeUtc());
                db.dialect().bindJson(ps, 5, k.details().getBytes(java.nio.charset.StandardCharsets.UTF_8));
                db.dialect().bindList(ps, 6, e.getValue());
                ps.executeUpdate();
            }
        }
        int per = db.dialect().insertRows();
        int full = single.size() / per * per;
        if (full > 0) {
            try (PreparedStatement ps = c.prepareStatement(deviceJobsInsert(per))) {
                for (int from = 0; from < full; from += per) {
                    bindDeviceJobs(ps, hub, jobId, single.subList(from, from + per));
                    ps.executeUpdate();
                }
            }
        }
        if (full < single.size()) {
            try (PreparedStatement ps = c.prepareStatement(deviceJobsInsert(single.size() - full))) {
                bindDeviceJobs(ps, hub, jobId, single.subList(full, single.size()));
                ps.executeUpdate();
            }
        }
    }

    /** What an insert of rows of {@code devices.jobs} does with a row that is there already: replaces it. */
    private static final String DEVICE_JOBS_CONFLICT = " ON CONFLICT (hub, job_id, device_id) DO UPDATE SET "
            + "status = excluded.status, end_utc = excluded.end_utc, details = excluded.details";

    /** An upsert of {@code n} rows of {@code devices.jobs} (V17: the device's part of each row). */
    private String deviceJobsInsert(int n) {
        return "INSERT INTO device_job_rows (hub, job_id, device_id, status, end_utc, details) VALUES "
                + String.join(", ", java.util.Collections.nCopies(n, "(?, ?, ?, ?, ?, " + db.dialect().jsonParameter() + ")"))
                + DEVICE_JOBS_CONFLICT;
    }

    private void bindDeviceJobs(PreparedStatement ps, String hub, String jobId, List<DeviceJobRow> rows) throws SQLException {
        int i = 1;
        for (DeviceJobRow r : rows) {
            ps.setString(i++, hub);
            ps.setString(i++, jobId);
            ps.setString(i++, r.deviceId());
            ps.setString(i++, r.status());
            ps.setString(i++, r.endTimeUtc());
            db.dialect().bindJson(ps, i++, r.details().getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
    }

    @Override
    public void holdUntil(String jobId, Instant notBefore) {
        db.inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE jobs SET not_before_ms = ? WHERE id = ?")) {
                ps.setLong(1, notBefore.toEpochMilli());
                ps.setString(2, jobId);
                return ps.executeUpdate();
            }
        });
    }

    @Override
    public Optional<Job> requestCancel(String jobId, Instant now) {
        return db.inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE jobs SET status = 'cancelled', end_ms = ?, "
                    + "cancel_requested = 1 WHERE id = ? AND status = 'enqueued'")) {
                ps.setLong(1, now.toEpochMilli());
                ps.setString(2, jobId);
                ps.executeUpdate();
            }
            try (PreparedStatement ps = c.prepareStatement(
                    "UPDATE jobs SET cancel_requested = 1 WHERE id = ? AND status = 'running'")) {
                ps.setString(1, jobId);
                ps.executeUpdate();
            }
            return find(c, jobId);
        });
    }

    @Override
    public boolean cancelRequested(String jobId) {
        return db.read(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT cancel_requested FROM jobs WHERE id = ?")) {
                ps.setString(1, jobId);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() && rs.getInt(1) == 1;
                }
            }
        });
    }

    @Override
    public boolean finish(String jobId, String owner, JobPhase status, String failureReason, Instant end,
                          JobProgress last) {
        return db.inTransaction(c -> {
            if (last != null) saveProgress(c, last);
            try (PreparedStatement ps = c.prepareStatement("UPDATE jobs SET status = ?, failure_reason = ?, "
                    + "end_ms = ?, lease_owner = NULL, lease_expires_ms = NULL WHERE id = ? AND lease_owner = ? "
                    + "AND status = 'running'")) {
                ps.setString(1, status.wireName());
                ps.setString(2, failureReason);
                ps.setLong(3, end.toEpochMilli());
                ps.setString(4, jobId);
                ps.setString(5, owner);
                if (ps.executeUpdate() != 1) return false;
            }
            forgetKeysWithoutRows(c, jobId);
            return true;
        });
    }

    /** An ended import's list of identities it named without a row of its own is no longer needed. */
    private static void forgetKeysWithoutRows(Connection c, String jobId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM import_seen WHERE job_id = ?")) {
            ps.setString(1, jobId);
            ps.executeUpdate();
        }
    }

    @Override
    public int deleteFinishedBefore(Instant cutoff) {
        return db.inTransaction(c -> {
            // a scheduled job's rows of devices.jobs go with it (its id is the hub's name in lower case, ':', the job's):
            // its part of them, which takes the devices' parts with it (their foreign key)
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM device_job_heads WHERE EXISTS (SELECT 1 FROM jobs j "
                    + "WHERE j.hub = device_job_heads.hub AND j.id = lower(device_job_heads.hub) || ':' || device_job_heads.job_id "
                    + "AND j.status IN ('completed', 'failed', 'cancelled') AND j.end_ms < ?)")) {
                ps.setLong(1, cutoff.toEpochMilli());
                ps.executeUpdate();
            }
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM jobs WHERE status IN "
                    + "('completed', 'failed', 'cancelled') AND end_ms < ?")) {
                ps.setLong(1, cutoff.toEpochMilli());
                return ps.executeUpdate();
            }
        });
    }

    private List<Job> readAll(PreparedStatement ps) throws SQLException {
        List<Job> out = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                String cp = rs.getString("checkpoint");
                JobPhase status = JobPhase.fromStore(rs.getString("status"));
                JobKind kind = JobKind.find(rs.getString("type"));
                out.add(new Job(rs.getString("id"), rs.getString("hub"), kind,
                        request(rs.getString("request"), kind, status),
                        new JobState(status, rs.getInt("cancel_requested") == 1, rs.getString("failure_reason"),
                                rs.getString("status_message")),
                        new JobTimes(Instant.ofEpochMilli(rs.getLong("created_ms")), instant(rs, "start_ms"),
                                instant(rs, "end_ms")),
                        new JobPace(rs.getInt("progress"),
                                new JobCounts(rs.getLong("processed"), rs.getLong("succeeded"), rs.getLong("failed")),
                                rs.getDouble("rate")),
                        new JobLease(rs.getString("lease_owner"), instant(rs, "lease_expires_ms"), rs.getInt("attempts")),
                        cp == null ? null : checkpoint(cp, kind, status)));
            }
        }
        return out;
    }

    private static Instant instant(ResultSet rs, String column) throws SQLException {
        long v = rs.getLong(column);
        return rs.wasNull() ? null : Instant.ofEpochMilli(v);
    }

    private static void setInstant(PreparedStatement ps, int i, Instant t) throws SQLException {
        if (t == null) ps.setNull(i, Types.BIGINT); else ps.setLong(i, t.toEpochMilli());
    }

    private static boolean ended(JobPhase status) {
        return status == JobPhase.COMPLETED || status == JobPhase.FAILED || status == JobPhase.CANCELLED;
    }

    /**
     * A job's request. An ended job's request is only history: one that does not parse reads as a request
     * of its kind without blob names, so the job still lists; a live job's is an {@link UnreadableJobException}.
     */
    private JobRequest request(String text, JobKind kind, JobPhase status) throws SQLException {
        try {
            return forms.request(text);
        } catch (JobForms.UnreadableFormException e) {
            if (ended(status)) return JobRequest.unreadable(kind);
            throw new UnreadableJobException(e.getMessage(), e);
        }
    }

    /** A job's checkpoint; an ended job's is only history, so one that does not parse reads as none. */
    private Checkpoint checkpoint(String text, JobKind kind, JobPhase status) throws SQLException {
        try {
            return forms.checkpoint(text, kind);
        } catch (JobForms.UnreadableFormException e) {
            if (ended(status)) return null;
            throw new UnreadableJobException(e.getMessage(), e);
        }
    }
}

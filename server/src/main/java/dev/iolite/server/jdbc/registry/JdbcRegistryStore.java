package dev.iolite.server.jdbc.registry;

import dev.iolite.server.jdbc.Database;
import dev.iolite.server.jdbc.JdbcTransaction;
import dev.iolite.server.jdbc.dialect.SqlText;
import dev.iolite.server.jdbc.query.QuerySql;
import dev.iolite.server.jdbc.rows.DeviceRows;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.iolite.server.query.TwinQuery;
import dev.iolite.server.registry.Device;
import dev.iolite.server.registry.DeviceConnection;
import dev.iolite.server.registry.DeviceKey;
import dev.iolite.server.registry.RegistryCounts;
import dev.iolite.server.registry.ExportRow;
import dev.iolite.server.registry.ImportMark;
import dev.iolite.server.registry.RegistryChanges;
import dev.iolite.server.registry.RegistryStore;
import dev.iolite.server.store.StaleWriteException;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** {@link RegistryStore} in portable SQL. */
public final class JdbcRegistryStore implements RegistryStore {
    private final Database db;
    private final DeviceRows rows;
    private final QuerySql querySql;
    private final Duration deadline;

    /** A store whose job scans stop at {@link Database#DEFAULT_DEADLINE}. */
    public JdbcRegistryStore(Database db, ObjectMapper json) {
        this(db, json, Database.DEFAULT_DEADLINE);
    }

    /** A store whose job scans stop at {@code deadline} (the server's {@code --query-timeout}). */
    public JdbcRegistryStore(Database db, ObjectMapper json, Duration deadline) {
        this.deadline = deadline;
        this.db = db;
        this.rows = new DeviceRows(json, db.dialect());
        this.querySql = new QuerySql(db.dialect().json(), "p");  // appendFilter names the device row p
    }

    @Override
    public Map<DeviceKey, Device> findAll(String hub, Collection<DeviceKey> keys) {
        return findForImport(hub, keys, null).devices();
    }

    @Override
    public Map<DeviceKey, Device> findWithModules(String hub, Collection<String> deviceIds) {
        if (deviceIds.isEmpty()) return Map.of();
        List<String> ids = List.copyOf(new java.util.LinkedHashSet<>(deviceIds));
        return db.read(c -> {
            Map<DeviceKey, Device> found = new HashMap<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT " + rows.columns()
                    + " FROM devices WHERE hub = ? AND " + db.dialect().inList("device_id"))) {
                ps.setString(1, hub);
                db.dialect().bindList(ps, 2, ids);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        Device d = rows.readMarked(rs).device();
                        found.put(d.key(), d);
                    }
                }
            }
            return found;
        });
    }

    /** The rows of the keys; with an import's {@code mark} (null for none), also where it named them before. */
    @Override
    public ImportMark.View findForImport(String hub, Collection<DeviceKey> keys, ImportMark mark) {
        if (keys.isEmpty()) return new ImportMark.View(Map.of(), Map.of());
        Set<DeviceKey> wanted = new HashSet<>(keys);
        List<String> ids = wanted.stream().map(DeviceKey::deviceId).distinct().toList();
        return db.read(c -> {
            Map<DeviceKey, Device> found = new HashMap<>();
            Map<DeviceKey, Long> namedAt = new HashMap<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT " + rows.columns()
                    + " FROM devices WHERE hub = ? AND " + db.dialect().inList("device_id"))) {
                ps.setString(1, hub);
                db.dialect().bindList(ps, 2, ids);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        DeviceRows.Marked row = rows.readMarked(rs);
                        Device d = row.device();
                        if (!wanted.contains(d.key())) continue;
                        found.put(d.key(), d);
                        if (mark != null && row.mark() != null && row.mark().job() == mark.tag()) {
                            namedAt.put(d.key(), row.mark().line());
                        }
                    }
                }
            }
            if (mark != null && mark.keysWithoutRows()) {
                try (PreparedStatement ps = c.prepareStatement("SELECT device_id, module_id, line FROM import_seen "
                        + "WHERE job_id = ? AND " + db.dialect().inList("device_id"))) {
                    ps.setString(1, mark.jobId());
                    db.dialect().bindList(ps, 2, ids);
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            String module = rs.getString(2);
                            DeviceKey key = new DeviceKey(rs.getString(1), module.isEmpty() ? null : module);
                            if (wanted.contains(key)) namedAt.merge(key, rs.getLong(3), Math::min);
                        }
                    }
                }
            }
            return new ImportMark.View(found, namedAt);
        });
    }

    @Override
    public boolean hasKeysWithoutRows(String jobId) {
        return db.read(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM import_seen WHERE job_id = ? LIMIT 1")) {
                ps.setString(1, jobId);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next();
                }
            }
        });
    }

    @Override
    public Optional<Device> find(String hub, DeviceKey key) {
        return db.read(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT " + rows.columnsWithConnection()
                    + " WHERE hub = ? AND device_id = ? AND module_id = ?")) {
                ps.setString(1, hub);
                ps.setString(2, key.deviceId());
                ps.setString(3, key.moduleId() == null ? "" : key.moduleId());
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Optional.of(rows.readWithConnection(rs)) : Optional.empty();
                }
            }
        });
    }

    @Override
    public DeviceConnection connection(String hub, DeviceKey key) {
        return db.read(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT connected, state_updated_ms, last_activity_ms"
                    + " FROM connections WHERE hub = ? AND device_id = ? AND module_id = ?")) {
                ps.setString(1, hub);
                ps.setString(2, key.deviceId());
                ps.setString(3, key.moduleId() == null ? "" : key.moduleId());
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) return DeviceConnection.NEVER;
                    return new DeviceConnection(rs.getInt(1) == 1, Instant.ofEpochMilli(rs.getLong(2)),
                            Instant.ofEpochMilli(rs.getLong(3)));
                }
            }
        });
    }

    @Override
    public List<Device> listDevices(String hub, String afterDeviceId, int limit) {
        return db.read(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT " + rows.columnsWithConnection()
                    + " WHERE hub = ? AND module_id = '' AND device_id > ? ORDER BY device_id LIMIT ?")) {
                ps.setString(1, hub);
                ps.setString(2, afterDeviceId == null ? "" : afterDeviceId);
                ps.setInt(3, limit);
                return readAll(ps);
            }
        });
    }

    /** What a job's failure says before the store's reason when its filter cannot be evaluated. */
    private static final String FILTER_REFUSED = "the filter cannot be evaluated over this hub's devices: ";

    @Override
    public List<Device> listModules(String hub, String deviceId) {
        return db.read(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT " + rows.columnsWithConnection()
                    + " WHERE hub = ? AND device_id = ? AND module_id <> '' ORDER BY module_id")) {
                ps.setString(1, hub);
                ps.setString(2, deviceId);
                return readAll(ps);
            }
        });
    }

    @Override
    public List<ExportRow> scan(String hub, String afterDeviceId, String afterModuleId, int limit) {
        return scan(hub, afterDeviceId, afterModuleId, limit, null);
    }

    @Override
    public List<ExportRow> scan(String hub, String afterDeviceId, String afterModuleId, int limit, TwinQuery filter) {
        SqlText sql = scanSql(hub, afterDeviceId, afterModuleId, limit, filter);
        return db.read(deadline, c -> {
            try (PreparedStatement ps = c.prepareStatement(sql.text())) {
                sql.bind(ps);
                List<ExportRow> out = new ArrayList<>(limit);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) out.add(rows.readForExport(rs));
                }
                return out;
            } catch (SQLException e) {
                throw QuerySql.refused(db.dialect(), e, FILTER_REFUSED);
            }
        });
    }

    /** An export's page: the rows after the key, in key order, that the filter keeps. */
    private SqlText scanSql(String hub, String afterDeviceId, String afterModuleId, int limit, TwinQuery filter) {
        // Device ids are never empty, so '' starts from the beginning; module_id is '' on the device row
        // itself, so a null module means "after the device row, at its modules".
        SqlText sql = SqlText.of("SELECT " + rows.columns() + " FROM devices WHERE hub = ").param(hub)
                .append(" AND (device_id, module_id) > (").param(afterDeviceId == null ? "" : afterDeviceId).append(", ")
                .param(afterModuleId == null ? "" : afterModuleId).append(")");
        appendFilter(sql, filter);
        return sql.append(" ORDER BY device_id, module_id LIMIT ").param(limit);
    }

    /** An export's count of the identities the filter keeps. */
    private SqlText countSql(String hub, TwinQuery filter) {
        SqlText sql = SqlText.of("SELECT count(*) FROM devices WHERE hub = ").param(hub);
        appendFilter(sql, filter);
        return sql;
    }

    /**
     * Keeps the rows whose device the filter selects: the device row itself and its modules. The condition's
     * columns name the inner row {@code p}, the device's own, so a module goes with its device.
     */
    private void appendFilter(SqlText sql, TwinQuery filter) {
        SqlText where = filter == null ? null : querySql.where(filter);
        if (where == null) return;
        sql.append(" AND EXISTS (SELECT 1 FROM devices p WHERE p.hub = devices.hub AND p.device_id = devices.device_id"
                + " AND p.module_id = '' AND ").append(where).append(")");
    }

    @Override
    public long countIdentities(String hub) {
        return countIdentities(hub, null);
    }

    @Override
    public long countIdentities(String hub, TwinQuery filter) {
        SqlText sql = countSql(hub, filter);
        return db.read(deadline, c -> {
            try (PreparedStatement ps = c.prepareStatement(sql.text())) {
                sql.bind(ps);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getLong(1);
                }
            } catch (SQLException e) {
                throw QuerySql.refused(db.dialect(), e, FILTER_REFUSED);
            }
        });
    }

    private List<Device> readAll(PreparedStatement ps) throws SQLException {
        List<Device> out = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) out.add(rows.readWithConnection(rs));
        }
        return out;
    }

    /**
     * Asks the store to plan (EXPLAIN, which both databases answer without running the statement) the count and
     * the first page of a filtered export, with the parameters bound, as {@link #countIdentities(String, TwinQuery)}
     * and {@link #scan(String, String, String, int, TwinQuery)} write them. What either store refuses only when
     * it prepares or binds a statement (SQLite: an expression deeper than 1,000 or a statement too long; PostgreSQL:
     * more than 65,535 parameters, a NUL character) is found here, before the job exists.
     */
    @Override
    public Optional<String> checkScan(String hub, TwinQuery filter, int pageSize, java.time.Duration within) {
        // the export's own statements, planned by the store (EXPLAIN) under the deadline's guard, not run
        SqlText count = countSql(hub, filter);
        SqlText page = scanSql(hub, null, null, pageSize, filter);
        try {
            return db.read(within, c -> {
                for (SqlText sql : List.of(count, page)) {
                    try (PreparedStatement ps = c.prepareStatement("EXPLAIN " + sql.text())) {
                        sql.bind(ps);
                        try (ResultSet rs = ps.executeQuery()) {
                            while (rs.next()) {
                                // the plan itself is not needed: that there is one is the answer
                            }
                        }
                    } catch (SQLException e) {
                        return Optional.of(db.dialect().isStopped(e) ? PLAN_TOO_SLOW : storeReason(e));
                    }
                }
                return Optional.<String>empty();
            });
        } catch (dev.iolite.server.store.StatementTimeoutException e) {
            return Optional.of(PLAN_TOO_SLOW);
        }
    }

    /** Why a filter is refused when the store took longer to plan it than {@code within} or its own deadline. */
    private static final String PLAN_TOO_SLOW = "planning it ran past the store's deadline and was stopped";

    /**
     * A driver's message in one line without its wrapping: sqlite-jdbc writes "[SQLITE_ERROR] SQL error or missing
     * database (detail)", PostgreSQL "ERROR: detail" followed by hints on further lines.
     */
    static String storeReason(SQLException e) {
        String m = e.getMessage() == null ? e.toString() : e.getMessage().lines().findFirst().orElse("").strip();
        java.util.regex.Matcher sqlite = java.util.regex.Pattern.compile("^\\[SQLITE_\\w+\\][^(]*\\((.*)\\)$").matcher(m);
        if (sqlite.matches()) m = sqlite.group(1);
        if (m.startsWith("ERROR: ")) m = m.substring("ERROR: ".length());
        return m.length() > 300 ? m.substring(0, 300) + "..." : m;
    }

    @Override
    public void apply(String hub, RegistryChanges changes) {
        db.inTransaction(c -> {
            // A job batch carries its checkpoint in this transaction: if the database loses it in a
            // crash, it loses the checkpoint with it and the job redoes the batch, so such batches
            // need not wait for their own durable flush (the dialect says how, if it can).
            String relaxed = db.dialect().relaxedDurability();
            if (changes.alongside() != null && relaxed != null) {
                try (java.sql.Statement st = c.createStatement()) {
                    st.execute(relaxed);
                }
            }
            ImportMark.Writes marks = changes.importWrites();
            if (marks != null) keepModulesOfRemovedDevices(c, hub, changes.removals(), marks.mark());
            removeAll(c, hub, changes.removals());
            insertAll(c, hub, changes.inserts(), marks);
            updateAll(c, hub, changes.updates(), marks);
            // Locks in one order everywhere (devices, then the counters, then the job's rows), as a hub's delete
            // takes them too (JdbcHubStore.delete): the import marks' rows lock their job row for its foreign key.
            addToStats(c, hub, changes.statsDelta());
            if (marks != null) listKeysWithoutRows(c, marks);
            // The other port's writes go last, once every row was written without a stale conflict: a job's
            // checkpoint, conditional on its lease (a job whose row is gone, its hub deleted or another node
            // holding it, fails here and nothing of the batch stays), and the staging that the checkpoint counts,
            // which a retried batch therefore never repeats.
            if (changes.alongside() != null) new JdbcTransaction(c).run(changes.alongside());
            return null;
        });
    }

    @Override
    public void writeTwins(String hub, List<RegistryChanges.Update> updates, dev.iolite.server.store.Transaction.Work alongside) {
        db.inTransaction(c -> {
            // as apply's: a job batch that carries its checkpoint need not wait for its own durable flush
            String relaxed = db.dialect().relaxedDurability();
            if (alongside != null && relaxed != null) {
                try (java.sql.Statement st = c.createStatement()) {
                    st.execute(relaxed);
                }
            }
            if (!updates.isEmpty()) {
                try (PreparedStatement ps = c.prepareStatement(rows.twinUpdate())) {
                    for (RegistryChanges.Update u : updates) {
                        rows.bindTwinUpdate(ps, hub, u.next(), u.expectedVersion(), u.expectedTwinVersion());
                        ps.addBatch();
                    }
                    requireOneEach(ps.executeBatch(), "twin update");
                }
            }
            if (alongside != null) new JdbcTransaction(c).run(alongside);
            return null;
        });
    }

    private void removeAll(Connection c, String hub, List<RegistryChanges.Removal> removals) throws SQLException {
        if (removals.isEmpty()) return;
        try (PreparedStatement row = c.prepareStatement(
                "DELETE FROM devices WHERE hub = ? AND device_id = ? AND module_id = ? AND version = ?");
             PreparedStatement modules = c.prepareStatement(
                     "DELETE FROM devices WHERE hub = ? AND device_id = ? AND module_id <> ''");
             // an identity made again under the same id never connected: its connection state starts afresh
             PreparedStatement connections = c.prepareStatement(
                     "DELETE FROM connections WHERE hub = ? AND device_id = ? AND (module_id = ? OR ? = '')");
             // its cloud-to-device messages and their feedback go with it, as on IoT Hub
             PreparedStatement messages = c.prepareStatement(
                     "DELETE FROM c2d_messages WHERE hub = ? AND device_id = ? AND (module_id = ? OR ? = '')");
             PreparedStatement feedback = c.prepareStatement(
                     "DELETE FROM c2d_feedback WHERE hub = ? AND device_id = ? AND ? = ''")) {
            for (RegistryChanges.Removal r : removals) {
                String moduleId = r.key().moduleId() == null ? "" : r.key().moduleId();
                row.setString(1, hub);
                row.setString(2, r.key().deviceId());
                row.setString(3, moduleId);
                row.setLong(4, r.expectedVersion());
                row.addBatch();
                if (r.key().moduleId() == null) {
                    modules.setString(1, hub);
                    modules.setString(2, r.key().deviceId());
                    modules.addBatch();
                }
                connections.setString(1, hub);
                connections.setString(2, r.key().deviceId());
                connections.setString(3, moduleId);
                connections.setString(4, moduleId);
                connections.addBatch();
                for (PreparedStatement ps : List.of(messages, feedback)) {
                    ps.setString(1, hub);
                    ps.setString(2, r.key().deviceId());
                    ps.setString(3, moduleId);
                    if (ps == messages) ps.setString(4, moduleId);
                    ps.addBatch();
                }
            }
            requireOneEach(row.executeBatch(), "removal");
            modules.executeBatch();
            connections.executeBatch();
            messages.executeBatch();
            feedback.executeBatch();
        }
    }


    /**
     * Before an import's line removes a device, the modules the same import wrote under it join the job's
     * list: their rows go with the device, and a later line naming one of them is still a repeat.
     */
    private void keepModulesOfRemovedDevices(Connection c, String hub, List<RegistryChanges.Removal> removals,
                                             ImportMark mark) throws SQLException {
        List<ImportMark.Named> modules = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT module_id, body FROM devices WHERE hub = ? AND device_id = ? AND module_id <> ''")) {
            for (RegistryChanges.Removal r : removals) {
                if (r.key().moduleId() != null) continue;
                ps.setString(1, hub);
                ps.setString(2, r.key().deviceId());
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        DeviceRows.Mark m = rows.markOf(rs.getBytes(2));
                        if (m != null && m.job() == mark.tag()) {
                            modules.add(new ImportMark.Named(new DeviceKey(r.key().deviceId(), rs.getString(1)), m.line()));
                        }
                    }
                }
            }
        }
        if (!modules.isEmpty()) listKeysWithoutRows(c, new ImportMark.Writes(mark, Map.of(), modules));
    }

    private static void listKeysWithoutRows(Connection c, ImportMark.Writes marks) throws SQLException {
        if (marks.withoutRow().isEmpty()) return;
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO import_seen (job_id, device_id, module_id, line) "
                + "VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING")) {
            for (ImportMark.Named n : marks.withoutRow()) {
                ps.setString(1, marks.mark().jobId());
                ps.setString(2, n.key().deviceId());
                ps.setString(3, n.key().moduleId() == null ? "" : n.key().moduleId());
                ps.setLong(4, n.line());
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    private static DeviceRows.Mark markOf(ImportMark.Writes marks, Device d) {
        if (marks == null) return null;
        Long line = marks.rowLines().get(d.key());
        return line == null ? null : new DeviceRows.Mark(marks.mark().tag(), line);
    }

    private void insertAll(Connection c, String hub, List<Device> inserts,
                           ImportMark.Writes marks) throws SQLException {
        if (inserts.isEmpty()) return;
        final int rowsPerInsert = db.dialect().insertRows();
        int full = inserts.size() / rowsPerInsert * rowsPerInsert;
        try {
            if (full > 0) {
                try (PreparedStatement ps = c.prepareStatement(rows.insert(rowsPerInsert))) {
                    for (int from = 0; from < full; from += rowsPerInsert) {
                        int p = 1;
                        for (int i = from; i < from + rowsPerInsert; i++) {
                            Device d = inserts.get(i);
                            p = rows.bindInsert(ps, p, hub, d, markOf(marks, d));
                        }
                        ps.executeUpdate();
                    }
                }
            }
            if (full < inserts.size()) {
                try (PreparedStatement ps = c.prepareStatement(rows.insert(1))) {
                    for (int i = full; i < inserts.size(); i++) {
                        Device d = inserts.get(i);
                        rows.bindInsert(ps, 1, hub, d, markOf(marks, d));
                        ps.addBatch();
                    }
                    ps.executeBatch();
                }
            }
        } catch (SQLException e) {
            if (db.dialect().isUniqueViolation(e)) throw new StaleWriteException("an identity was created meanwhile");
            throw e;
        }
    }

    private void updateAll(Connection c, String hub, List<RegistryChanges.Update> updates,
                           ImportMark.Writes marks) throws SQLException {
        if (updates.isEmpty()) return;
        try (PreparedStatement ps = c.prepareStatement(rows.update())) {
            for (RegistryChanges.Update u : updates) {
                rows.bindUpdate(ps, hub, u.next(), u.expectedVersion(), u.expectedTwinVersion(),
                        markOf(marks, u.next()));
                ps.addBatch();
            }
            requireOneEach(ps.executeBatch(), "update");
        }
    }

    private static void requireOneEach(int[] counts, String what) {
        for (int n : counts) {
            if (n == 0) throw new StaleWriteException("an identity changed meanwhile (" + what + ")");
        }
    }

    private static void addToStats(Connection c, String hub, RegistryChanges.StatsDelta d) throws SQLException {
        if (d.equals(RegistryChanges.StatsDelta.NONE)) return;
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO hub_stats (hub, total, enabled, disabled) "
                + "VALUES (?, ?, ?, ?) ON CONFLICT (hub) DO UPDATE SET total = hub_stats.total + excluded.total, "
                + "enabled = hub_stats.enabled + excluded.enabled, disabled = hub_stats.disabled + excluded.disabled")) {
            ps.setString(1, hub);
            ps.setLong(2, d.total());
            ps.setLong(3, d.enabled());
            ps.setLong(4, d.disabled());
            ps.executeUpdate();
        }
    }

    @Override
    public RegistryCounts statistics(String hub) {
        return db.read(c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT total, enabled, disabled FROM hub_stats WHERE hub = ?")) {
                ps.setString(1, hub);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? new RegistryCounts(rs.getLong(1), rs.getLong(2), rs.getLong(3))
                            : new RegistryCounts(0, 0, 0);
                }
            }
        });
    }

    @Override
    public void deleteHubData(String hub) {
        db.inTransaction(c -> {
            deleteHubData(c, hub);
            return null;
        });
    }

    static void deleteDevices(Connection c, String hub) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM devices WHERE hub = ?")) {
            ps.setString(1, hub);
            ps.executeUpdate();
        }
    }

    public static void deleteHubData(Connection c, String hub) throws SQLException {
        for (String sql : List.of("DELETE FROM devices WHERE hub = ?", "DELETE FROM hub_stats WHERE hub = ?",
                "DELETE FROM connections WHERE hub = ?")) {
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                ps.setString(1, hub);
                ps.executeUpdate();
            }
        }
    }
}

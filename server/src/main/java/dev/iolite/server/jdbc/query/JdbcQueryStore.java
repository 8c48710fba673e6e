package dev.iolite.server.jdbc.query;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.iolite.server.jdbc.Database;
import dev.iolite.server.jdbc.dialect.SqlText;
import dev.iolite.server.jdbc.rows.DeviceRows;
import dev.iolite.server.query.GroupRow;
import dev.iolite.server.query.Operand;
import dev.iolite.server.query.TwinField;
import dev.iolite.server.query.TwinQuery;
import dev.iolite.server.registry.Device;
import dev.iolite.server.registry.DeviceKey;
import dev.iolite.server.registry.ETags;
import dev.iolite.server.registry.QueryStore;
import dev.iolite.server.store.StillWanted;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * {@link QueryStore} in SQL: a query's WHERE clause and grouping keys as {@link QuerySql} writes them, run on the
 * database's query connections within the hub's share and under the deadline's guard ({@link Database#query}).
 */
public final class JdbcQueryStore implements QueryStore {
    private final Database db;
    private final DeviceRows rows;
    private final QuerySql querySql;
    private final ObjectMapper json;
    private final Duration deadline;
    /** The rows of {@code devices.jobs}, as {@link #deviceJobs} puts them together. */
    private final String deviceJobs;

    /** A store whose queries stop at {@link Database#DEFAULT_DEADLINE}. */
    public JdbcQueryStore(Database db, ObjectMapper json) {
        this(db, json, Database.DEFAULT_DEADLINE);
    }

    /** A store whose queries stop at {@code deadline} (the server's {@code --query-timeout}). */
    public JdbcQueryStore(Database db, ObjectMapper json, Duration deadline) {
        this.deadline = deadline;
        this.db = db;
        this.rows = new DeviceRows(json, db.dialect());
        this.deviceJobs = deviceJobs(db.dialect().json());
        this.querySql = new QuerySql(db.dialect().json());
        this.json = json;
    }

    /**
     * Rows PostgreSQL sends per round trip of a query's cursor: without a fetch size its driver reads the whole
     * result into memory first. 64 maximum-size twins are a few MiB.
     */
    private static final int FETCH_ROWS = 64;

    @Override
    public void queryTwins(String hub, TwinQuery query, DeviceKey after, int limit, StillWanted wanted,
                           Predicate<Device> sink) {
        SqlText sql = SqlText.of("SELECT " + rows.columnsWithConnection() + " WHERE hub = ").param(hub)
                .append(" AND " + QuerySql.sourceFilter(query.source()));
        if (after != null) {
            sql.append(" AND (device_id, module_id) > (").param(after.deviceId()).append(", ")
                    .param(after.moduleId() == null ? "" : after.moduleId()).append(")");
        }
        SqlText where = querySql.where(query);
        if (where != null) sql.append(" AND ").append(where);
        sql.append(" ORDER BY device_id, module_id LIMIT ").param(limit);
        db.query(hub, deadline, wanted, c -> {
            try (PreparedStatement ps = c.prepareStatement(sql.text())) {
                sql.bind(ps);
                ps.setFetchSize(FETCH_ROWS);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next() && sink.test(rows.readWithConnection(rs))) {
                        // each twin goes to the sink as it is read; none is kept here
                    }
                }
                return null;
            } catch (SQLException e) {
                throw QuerySql.refused(db.dialect(), e, "");
            }
        });
    }

    /**
     * The rows of {@code devices.jobs} with their documents put together (V17): the job's members from its head, then
     * the device's; a row's last update is its end.
     */
    private static String deviceJobs(dev.iolite.server.jdbc.dialect.JsonSql json) {
        String doc = json.object(List.of("jobId", "jobType", "startTimeUtc", "createdDateTimeUtc", "deviceId", "status",
                        "endTimeUtc", "lastUpdatedDateTimeUtc"),
                List.of("r.job_id", "h.job_type", "h.start_utc", "h.created_utc", "r.device_id", "r.status", "r.end_utc",
                        "r.end_utc"), "r.details");
        return "SELECT r.hub AS hub, r.job_id AS job_id, r.device_id AS device_id, " + doc + " AS doc FROM device_job_rows r"
                + " JOIN device_job_heads h ON h.hub = r.hub AND h.job_id = r.job_id";
    }

    @Override
    public void queryDeviceJobs(String hub, TwinQuery query, DeviceKey after, int limit, StillWanted wanted,
                                java.util.function.BiPredicate<DeviceKey, String> sink) {
        SqlText sql = SqlText.of("SELECT job_id, device_id, doc FROM (" + deviceJobs + ") AS device_jobs WHERE hub = ")
                .param(hub);
        if (after != null) {
            sql.append(" AND (job_id, device_id) > (").param(after.deviceId()).append(", ").param(after.moduleId()).append(")");
        }
        SqlText where = querySql.where(query);
        if (where != null) sql.append(" AND ").append(where);
        sql.append(" ORDER BY job_id, device_id LIMIT ").param(limit);
        db.query(hub, deadline, wanted, c -> {
            try (PreparedStatement ps = c.prepareStatement(sql.text())) {
                sql.bind(ps);
                ps.setFetchSize(FETCH_ROWS);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        String doc = new String(db.dialect().readJson(rs, 3), java.nio.charset.StandardCharsets.UTF_8);
                        if (!sink.test(new DeviceKey(rs.getString(1), rs.getString(2)), doc)) break;
                    }
                }
                return null;
            } catch (SQLException e) {
                throw QuerySql.refused(db.dialect(), e, "");
            }
        });
    }

    @Override
    public void scanTargets(String hub, TwinQuery.Source source, List<TwinQuery> targets, DeviceKey after, int limit,
                            java.util.function.BiConsumer<Device, java.util.BitSet> sink) {
        // the device columns and the connection's, as readWithConnection reads them, then one flag per target
        SqlText sql = SqlText.of("SELECT " + rows.columns() + ", connected, state_updated_ms, last_activity_ms");
        for (TwinQuery t : targets) {
            SqlText where = querySql.where(t);
            sql.append(", ");
            if (where == null) sql.append("1");
            else sql.append("CASE WHEN ").append(where).append(" THEN 1 ELSE 0 END");
        }
        sql.append(" FROM devices LEFT JOIN connections USING (hub, device_id, module_id) WHERE hub = ").param(hub)
                .append(" AND " + QuerySql.sourceFilter(source));
        if (after != null) {
            sql.append(" AND (device_id, module_id) > (").param(after.deviceId()).append(", ")
                    .param(after.moduleId() == null ? "" : after.moduleId()).append(")");
        }
        sql.append(" ORDER BY device_id, module_id LIMIT ").param(limit);
        db.read(deadline, c -> {
            try (PreparedStatement ps = c.prepareStatement(sql.text())) {
                sql.bind(ps);
                ps.setFetchSize(FETCH_ROWS);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        Device d = rows.readWithConnection(rs);
                        java.util.BitSet flags = new java.util.BitSet(targets.size());
                        for (int i = 0; i < targets.size(); i++) if (rs.getInt(13 + i) == 1) flags.set(i);
                        sink.accept(d, flags);
                    }
                }
                return null;
            } catch (SQLException e) {
                throw QuerySql.refused(db.dialect(), e, "");
            }
        });
    }

    @Override
    public List<GroupRow> queryGroups(String hub, TwinQuery query, long offset, int limit, StillWanted wanted) {
        List<SqlText> keys = new ArrayList<>();
        for (Operand key : query.groupBy()) keys.add(querySql.groupKey(key));
        SqlText sql = SqlText.of("SELECT ");
        List<String> positions = new ArrayList<>();
        for (SqlText key : keys) {
            if (key == null) continue;
            sql.append(key).append(", ");
            positions.add(String.valueOf(positions.size() + 1));
        }
        sql.append("COUNT(*) FROM devices");
        SqlText rest = SqlText.of(" WHERE hub = ").param(hub).append(" AND " + QuerySql.sourceFilter(query.source()));
        SqlText where = querySql.where(query);
        if (where != null) rest.append(" AND ").append(where);
        if (!positions.isEmpty()) {
            String list = String.join(", ", positions);
            rest.append(" GROUP BY " + list + " ORDER BY " + list);
        }
        rest.append(" LIMIT ").param(limit).append(" OFFSET ").param(offset);
        return db.query(hub, deadline, wanted, c -> {
            String scan = db.dialect().fullScan();
            if (scan != null && holdsMostRows(c, hub)) sql.append(scan);
            sql.append(rest);
            try (PreparedStatement ps = c.prepareStatement(sql.text())) {
                sql.bind(ps);
                List<GroupRow> out = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) out.add(groupRow(rs, query.groupBy(), keys));
                }
                return out;
            } catch (SQLException e) {
                throw QuerySql.refused(db.dialect(), e, "");
            }
        });
    }

    /** Whether the hub holds at least half of all hubs' devices (by the counters, O(hubs)). */
    private static boolean holdsMostRows(Connection c, String hub) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT COALESCE(SUM(CASE WHEN hub = ? THEN total ELSE 0 END), 0), "
                + "COALESCE(SUM(total), 0) FROM hub_stats")) {
            ps.setString(1, hub);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1) * 2 >= rs.getLong(2);
            }
        }
    }

    private GroupRow groupRow(ResultSet rs, List<Operand> groupBy, List<SqlText> keys) throws SQLException {
        List<JsonNode> values = new ArrayList<>(groupBy.size());
        int column = 1;
        for (int i = 0; i < groupBy.size(); i++) {
            Operand key = groupBy.get(i);
            if (key instanceof Operand.Literal l) values.add(l.value());
            else if (keys.get(i) == null) values.add(null);
            else values.add(keyValue(rs, column++, key));
        }
        return new GroupRow(java.util.Collections.unmodifiableList(values), rs.getLong(column));
    }

    /** A grouping key's value as the twin shows it: JSON text parsed, columns in their wire form. */
    private JsonNode keyValue(ResultSet rs, int column, Operand key) throws SQLException {
        JsonNodeFactory nodes = JsonNodeFactory.instance;
        TwinField field = key instanceof Operand.Field f ? f.field() : null;
        if (field == null) {
            String text = rs.getString(column);
            if (text == null) return null;
            try {
                return json.readTree(text);
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new SQLException("a stored twin is not JSON", e);
            }
        }
        switch (field) {
            case STATUS_UPDATE_TIME:
            case LAST_ACTIVITY_TIME:
                // kept as epoch milliseconds; the twin shows a UTC time
                return nodes.textNode(Instant.ofEpochMilli(rs.getLong(column)).toString());
            case IOT_EDGE:
                return nodes.booleanNode(rs.getInt(column) == 1);
            case STATUS_REASON:
            case DEVICE_SCOPE: {
                String text = rs.getString(column);
                return text == null ? nodes.nullNode() : nodes.textNode(text);
            }
            case ETAG:
                return nodes.textNode(ETags.twin(rs.getLong(column)));
            case MODULE_ID: {
                String id = rs.getString(column);
                return id == null || id.isEmpty() ? null : nodes.textNode(id);
            }
            case VERSION:
                return nodes.numberNode(rs.getLong(column));
            default:
                return nodes.textNode(rs.getString(column));
        }
    }
}

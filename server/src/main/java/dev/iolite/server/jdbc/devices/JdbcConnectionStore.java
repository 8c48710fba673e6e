package dev.iolite.server.jdbc.devices;

import dev.iolite.server.devices.ConnectionStore;
import dev.iolite.server.jdbc.Database;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code connections} and {@code node_leases} tables (V10) on SQLite and PostgreSQL: the same SQL on both
 * (ON CONFLICT ... DO UPDATE ... WHERE is in each). Times are epoch milliseconds; {@code connected} is 0 or 1.
 */
public final class JdbcConnectionStore implements ConnectionStore {
    private static final String KEY = "hub = ? AND device_id = ? AND module_id = ?";

    /**
     * A connect: the row becomes this node's unless the connection that set it began later (V12's
     * {@code connected_ms}), Connected or not: a connect reported late, after a newer connection at another node
     * came and went, is one that the newer connection replaced. The row's times only move forward.
     */
    private static final String CONNECT = "INSERT INTO connections (hub, device_id, module_id, connected, node_id, link_id,"
            + " connected_ms, state_updated_ms, last_activity_ms) VALUES (?, ?, ?, 1, ?, ?, ?, ?, ?)"
            + " ON CONFLICT (hub, device_id, module_id)"
            + " DO UPDATE SET connected = 1, node_id = excluded.node_id, link_id = excluded.link_id,"
            + " connected_ms = excluded.connected_ms,"
            + " state_updated_ms = " + later("connections.state_updated_ms", "excluded.state_updated_ms") + ","
            + " last_activity_ms = " + later("connections.last_activity_ms", "excluded.last_activity_ms")
            + " WHERE connections.connected_ms <= excluded.connected_ms";

    /** A disconnect: only of the connection that set the row. */
    private static final String DISCONNECT = "UPDATE connections SET connected = 0, state_updated_ms = "
            + later("state_updated_ms", "?") + " WHERE " + KEY + " AND node_id = ? AND link_id = ? AND connected = 1";

    private static final String ACTIVE = "UPDATE connections SET last_activity_ms = ? WHERE " + KEY
            + " AND node_id = ? AND last_activity_ms < ?";

    private final Database db;

    public JdbcConnectionStore(Database db) {
        this.db = db;
    }

    private static String later(String a, String b) {
        return "(CASE WHEN " + a + " > " + b + " THEN " + a + " ELSE " + b + " END)";
    }

    @Override
    public void apply(String nodeId, List<Change> changes) {
        if (changes.isEmpty()) return;
        db.inTransaction(c -> {
            try (PreparedStatement connect = c.prepareStatement(CONNECT);
                 PreparedStatement disconnect = c.prepareStatement(DISCONNECT);
                 PreparedStatement active = c.prepareStatement(ACTIVE)) {
                int connects = 0;
                int disconnects = 0;
                int actives = 0;
                for (Change ch : changes) {
                    if (ch.connected() != null) {
                        int i = key(connect, 1, ch);
                        long at = ch.connected().at().toEpochMilli();
                        connect.setString(i++, nodeId);
                        connect.setLong(i++, ch.connected().link());
                        connect.setLong(i++, at);
                        connect.setLong(i++, at);
                        connect.setLong(i, Math.max(at, ch.active() == null ? at : ch.active().toEpochMilli()));
                        connect.addBatch();
                        connects++;
                    }
                    if (ch.disconnected() != null) {
                        long at = ch.disconnected().at().toEpochMilli();
                        disconnect.setLong(1, at);
                        disconnect.setLong(2, at);
                        int i = key(disconnect, 3, ch);
                        disconnect.setString(i++, nodeId);
                        disconnect.setLong(i, ch.disconnected().link());
                        disconnect.addBatch();
                        disconnects++;
                    }
                    if (ch.active() != null) {
                        long at = ch.active().toEpochMilli();
                        active.setLong(1, at);
                        int i = key(active, 2, ch);
                        active.setString(i++, nodeId);
                        active.setLong(i, at);
                        active.addBatch();
                        actives++;
                    }
                }
                // every connect before every disconnect: a change's disconnect applies after its connect, and
                // one of another link never matches the link a connect wrote
                if (connects > 0) connect.executeBatch();
                if (disconnects > 0) disconnect.executeBatch();
                if (actives > 0) active.executeBatch();
            }
            return null;
        });
    }

    private static int key(PreparedStatement ps, int i, Change ch) throws SQLException {
        ps.setString(i++, ch.hub());
        ps.setString(i++, ch.key().deviceId());
        ps.setString(i++, ch.key().moduleId() == null ? "" : ch.key().moduleId());
        return i;
    }

    @Override
    public boolean renewLease(String nodeId, Instant now, Instant expires) {
        return db.inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "UPDATE node_leases SET expires_ms = ? WHERE node_id = ? AND expires_ms >= ?")) {
                ps.setLong(1, expires.toEpochMilli());
                ps.setString(2, nodeId);
                ps.setLong(3, now.toEpochMilli());
                if (ps.executeUpdate() == 1) return true;
            }
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO node_leases (node_id, expires_ms) VALUES (?, ?)"
                    + " ON CONFLICT (node_id) DO UPDATE SET expires_ms = excluded.expires_ms")) {
                ps.setString(1, nodeId);
                ps.setLong(2, expires.toEpochMilli());
                ps.executeUpdate();
            }
            return false;
        });
    }

    @Override
    public int expireOtherNodes(String nodeId, Instant now) {
        long at = now.toEpochMilli();
        return db.inTransaction(c -> {
            List<String> expired = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT node_id FROM node_leases WHERE expires_ms < ? AND node_id <> ?")) {
                ps.setLong(1, at);
                ps.setString(2, nodeId);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) expired.add(rs.getString(1));
                }
            }
            int marked = 0;
            for (String node : expired) {
                marked += disconnect(c, node, at);
                try (PreparedStatement ps = c.prepareStatement("DELETE FROM node_leases WHERE node_id = ? AND expires_ms < ?")) {
                    ps.setString(1, node);
                    ps.setLong(2, at);
                    ps.executeUpdate();
                }
            }
            // connections of a node without a lease: one whose lease an earlier sweep removed, then wrote more
            try (PreparedStatement ps = c.prepareStatement("UPDATE connections SET connected = 0, state_updated_ms = ?"
                    + " WHERE connected = 1 AND node_id <> ? AND node_id NOT IN (SELECT node_id FROM node_leases)")) {
                ps.setLong(1, at);
                ps.setString(2, nodeId);
                marked += ps.executeUpdate();
            }
            return marked;
        });
    }

    @Override
    public int disconnectNode(String nodeId, Instant at, boolean release) {
        return db.inTransaction(c -> {
            int marked = disconnect(c, nodeId, at.toEpochMilli());
            if (release) {
                try (PreparedStatement ps = c.prepareStatement("DELETE FROM node_leases WHERE node_id = ?")) {
                    ps.setString(1, nodeId);
                    ps.executeUpdate();
                }
            }
            return marked;
        });
    }

    private static int disconnect(Connection c, String nodeId, long at) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "UPDATE connections SET connected = 0, state_updated_ms = ? WHERE node_id = ? AND connected = 1")) {
            ps.setLong(1, at);
            ps.setString(2, nodeId);
            return ps.executeUpdate();
        }
    }

    @Override
    public long connectedDevices(String hub) {
        return db.read(c -> {
            // a row outlives its device's deletion only while the device's link closes; the device must exist
            try (PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM connections c WHERE c.hub = ?"
                    + " AND c.module_id = '' AND c.connected = 1 AND EXISTS (SELECT 1 FROM devices d"
                    + " WHERE d.hub = c.hub AND d.device_id = c.device_id AND d.module_id = '')")) {
                ps.setString(1, hub);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getLong(1);
                }
            }
        });
    }
}

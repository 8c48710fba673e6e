package dev.iolite.server.jdbc.configurations;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iolite.server.configurations.Configuration;
import dev.iolite.server.configurations.ConfigurationStore;
import dev.iolite.server.errors.ErrorCode;
import dev.iolite.server.errors.IoliteException;
import dev.iolite.server.jdbc.Database;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** {@link ConfigurationStore} in portable SQL: one row per configuration, its client's fields as JSON text. */
public final class JdbcConfigurationStore implements ConfigurationStore {
    private static final String COLUMNS = "id, doc, priority, created_ms, updated_ms, version, results";

    private final Database db;
    private final ObjectMapper json;

    public JdbcConfigurationStore(Database db, ObjectMapper json) {
        this.db = db;
        this.json = json;
    }

    @Override
    public List<Configuration> list(String hub, int limit) {
        return db.read(c -> select(c, hub, null, limit));
    }

    @Override
    public List<String> hubs() {
        return db.read(c -> {
            List<String> out = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT DISTINCT hub FROM configurations ORDER BY hub");
                 ResultSet rs = ps.executeQuery()) {
                while (rs.next()) out.add(rs.getString(1));
            }
            return out;
        });
    }

    @Override
    public Optional<Configuration> find(String hub, String id) {
        return db.read(c -> select(c, hub, id, 1).stream().findFirst());
    }

    @Override
    public Insert insert(String hub, Configuration cfg, int max) {
        return db.inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT count(*), "
                    + "coalesce(sum(CASE WHEN id = ? THEN 1 ELSE 0 END), 0) FROM configurations WHERE hub = ?")) {
                ps.setString(1, cfg.id());
                ps.setString(2, hub);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    if (rs.getLong(2) > 0) return Insert.EXISTS;
                    if (rs.getLong(1) >= max) return Insert.FULL;
                }
            }
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO configurations (hub, " + COLUMNS + ") "
                    + "SELECT name, ?, ?, ?, ?, ?, ?, NULL FROM hubs WHERE name = ?")) {
                ps.setString(1, cfg.id());
                ps.setString(2, text(cfg.document()));
                ps.setInt(3, cfg.priority());
                ps.setLong(4, cfg.created().toEpochMilli());
                ps.setLong(5, cfg.updated().toEpochMilli());
                ps.setLong(6, cfg.version());
                ps.setString(7, hub);
                if (ps.executeUpdate() == 0) throw new IoliteException(ErrorCode.HUB_NOT_FOUND, "hub '" + hub + "' does not exist");
            } catch (SQLException e) {
                if (!db.dialect().isUniqueViolation(e)) throw e;
                return Insert.EXISTS;  // made meanwhile by another request
            }
            return Insert.DONE;
        });
    }

    @Override
    public boolean replace(String hub, Configuration cfg, long expectedVersion) {
        return db.inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE configurations SET doc = ?, priority = ?, updated_ms = ?, "
                    + "version = ? WHERE hub = ? AND id = ? AND version = ?")) {
                ps.setString(1, text(cfg.document()));
                ps.setInt(2, cfg.priority());
                ps.setLong(3, cfg.updated().toEpochMilli());
                ps.setLong(4, cfg.version());
                ps.setString(5, hub);
                ps.setString(6, cfg.id());
                ps.setLong(7, expectedVersion);
                return ps.executeUpdate() == 1;
            }
        });
    }

    @Override
    public boolean delete(String hub, String id, Long expectedVersion) {
        return db.inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM configurations WHERE hub = ? AND id = ?"
                    + (expectedVersion == null ? "" : " AND version = ?"))) {
                ps.setString(1, hub);
                ps.setString(2, id);
                if (expectedVersion != null) ps.setLong(3, expectedVersion);
                return ps.executeUpdate() == 1;
            }
        });
    }

    @Override
    public void saveResults(String hub, String id, ObjectNode results) {
        db.inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE configurations SET results = ? WHERE hub = ? AND id = ?")) {
                ps.setString(1, text(results));
                ps.setString(2, hub);
                ps.setString(3, id);
                return ps.executeUpdate();
            }
        });
    }

    private List<Configuration> select(Connection c, String hub, String id, int limit) throws SQLException {
        String sql = "SELECT " + COLUMNS + " FROM configurations WHERE hub = ?" + (id == null ? "" : " AND id = ?")
                + " ORDER BY id LIMIT ?";
        List<Configuration> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            int i = 1;
            ps.setString(i++, hub);
            if (id != null) ps.setString(i++, id);
            ps.setInt(i, limit);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String results = rs.getString(7);
                    out.add(new Configuration(rs.getString(1), object(rs.getString(2)), rs.getInt(3),
                            Instant.ofEpochMilli(rs.getLong(4)), Instant.ofEpochMilli(rs.getLong(5)), rs.getLong(6),
                            results == null ? json.createObjectNode() : object(results)));
                }
            }
        }
        return out;
    }

    private ObjectNode object(String text) throws SQLException {
        try {
            return (ObjectNode) json.readTree(text);
        } catch (JsonProcessingException | ClassCastException e) {
            throw new SQLException("a stored configuration is not a JSON object: " + e.getMessage(), e);
        }
    }

    private String text(ObjectNode node) throws SQLException {
        try {
            return json.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new SQLException("a configuration could not be written as JSON: " + e.getMessage(), e);
        }
    }
}

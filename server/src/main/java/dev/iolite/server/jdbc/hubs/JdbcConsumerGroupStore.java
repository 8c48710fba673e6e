package dev.iolite.server.jdbc.hubs;

import dev.iolite.server.errors.ErrorCode;
import dev.iolite.server.errors.IoliteException;
import dev.iolite.server.hubs.ConsumerGroupStore;
import dev.iolite.server.jdbc.Database;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/** {@link ConsumerGroupStore} in portable SQL: one row per group, keyed by the hub and the name in lower case. */
public final class JdbcConsumerGroupStore implements ConsumerGroupStore {
    private final Database db;

    public JdbcConsumerGroupStore(Database db) {
        this.db = db;
    }

    @Override
    public List<ConsumerGroup> list(String hub) {
        return db.read(c -> select(c, hub, null));
    }

    @Override
    public Optional<ConsumerGroup> find(String hub, String name) {
        return db.read(c -> select(c, hub, name).stream().findFirst());
    }

    @Override
    public Optional<ConsumerGroup> create(String hub, String name, Instant created, int max) {
        return db.inTransaction(c -> {
            Optional<ConsumerGroup> existing = select(c, hub, name).stream().findFirst();
            if (existing.isPresent()) return existing;
            try (PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM consumer_groups WHERE lower(hub) = lower(?)")) {
                ps.setString(1, hub);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    if (rs.getLong(1) >= max) return Optional.empty();
                }
            }
            try (PreparedStatement ps = c.prepareStatement(
                    "INSERT INTO consumer_groups (hub, name, name_key, created_ms) SELECT name, ?, ?, ? FROM hubs WHERE lower(name) = lower(?)")) {
                ps.setString(1, name);
                ps.setString(2, name.toLowerCase(Locale.ROOT));
                ps.setLong(3, created.toEpochMilli());
                ps.setString(4, hub);
                if (ps.executeUpdate() == 0) throw new IoliteException(ErrorCode.HUB_NOT_FOUND, "hub '" + hub + "' does not exist");
            } catch (SQLException e) {
                if (!db.dialect().isUniqueViolation(e)) throw e;
                throw new IoliteException(ErrorCode.ARGUMENT_INVALID, "consumer group '" + name + "' is being made by another request; try again");
            }
            return Optional.of(new ConsumerGroup(hub, name, created));
        });
    }

    @Override
    public boolean delete(String hub, String name) {
        return db.inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM consumer_groups WHERE lower(hub) = lower(?) AND name_key = ?")) {
                ps.setString(1, hub);
                ps.setString(2, name.toLowerCase(Locale.ROOT));
                return ps.executeUpdate() > 0;
            }
        });
    }

    private static List<ConsumerGroup> select(Connection c, String hub, String name) throws SQLException {
        String sql = "SELECT hub, name, created_ms FROM consumer_groups WHERE lower(hub) = lower(?)"
                + (name == null ? "" : " AND name_key = ?") + " ORDER BY name_key";
        List<ConsumerGroup> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, hub);
            if (name != null) ps.setString(2, name.toLowerCase(Locale.ROOT));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) out.add(new ConsumerGroup(rs.getString(1), rs.getString(2), Instant.ofEpochMilli(rs.getLong(3))));
            }
        }
        return out;
    }
}

package dev.iolite.server.jdbc.hubs;

import dev.iolite.server.jdbc.Database;
import dev.iolite.server.jdbc.registry.JdbcRegistryStore;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.iolite.server.hubs.Right;
import dev.iolite.server.hubs.SharedAccessPolicy;
import dev.iolite.server.hubs.Hub;
import dev.iolite.server.hubs.HubStore;
import dev.iolite.server.store.StaleWriteException;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** {@link HubStore} in portable SQL. */
public final class JdbcHubStore implements HubStore {
    private static final String COLUMNS =
            "name, subscription_id, resource_group, location, sku_name, sku_capacity, tags, version, created_at_ms";

    private final Database db;
    private final ObjectMapper json;

    public JdbcHubStore(Database db, ObjectMapper json) {
        this.db = db;
        this.json = json;
    }

    @Override
    public Optional<Hub> find(String name) {
        return db.read(c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT " + COLUMNS + " FROM hubs WHERE lower(name) = lower(?)")) {
                ps.setString(1, name);
                List<Hub> hubs = readAll(c, ps);
                return hubs.isEmpty() ? Optional.empty() : Optional.of(hubs.get(0));
            }
        });
    }

    @Override
    public List<Hub> list() {
        return db.read(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS + " FROM hubs ORDER BY lower(name)")) {
                return readAll(c, ps);
            }
        });
    }

    private List<Hub> readAll(Connection c, PreparedStatement ps) throws SQLException {
        List<Hub> out = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                String name = rs.getString("name");
                out.add(new Hub(name, rs.getString("subscription_id"), rs.getString("resource_group"),
                        rs.getString("location"), rs.getString("sku_name"), rs.getLong("sku_capacity"),
                        tags(rs.getString("tags")), List.of(), rs.getLong("version"),
                        Instant.ofEpochMilli(rs.getLong("created_at_ms"))));
            }
        }
        List<Hub> withPolicies = new ArrayList<>(out.size());
        for (Hub h : out) {
            withPolicies.add(new Hub(h.name(), h.subscriptionId(), h.resourceGroup(), h.location(), h.skuName(),
                    h.skuCapacity(), h.tags(), policies(c, h.name()), h.version(), h.createdAt()));
        }
        return withPolicies;
    }

    private static List<SharedAccessPolicy> policies(Connection c, String hub) throws SQLException {
        List<SharedAccessPolicy> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT key_name, primary_key, secondary_key, rights "
                + "FROM hub_policies WHERE hub = ? ORDER BY key_name")) {
            ps.setString(1, hub);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new SharedAccessPolicy(rs.getString(1), rs.getString(2), rs.getString(3),
                            Right.parse(rs.getString(4))));
                }
            }
        }
        return out;
    }

    @Override
    public void insert(Hub hub) {
        db.inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO hubs (" + COLUMNS
                    + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
                int i = bindHub(ps, hub);
                ps.setLong(i++, hub.version());
                ps.setLong(i, hub.createdAt().toEpochMilli());
                ps.executeUpdate();
            } catch (SQLException e) {
                if (db.dialect().isUniqueViolation(e)) throw new StaleWriteException("hub name taken");
                throw e;
            }
            insertPolicies(c, hub);
            return null;
        });
    }

    private static void insertPolicies(Connection c, Hub hub) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO hub_policies "
                + "(hub, key_name, primary_key, secondary_key, rights) VALUES (?, ?, ?, ?, ?)")) {
            for (SharedAccessPolicy p : hub.policies()) {
                ps.setString(1, hub.name());
                ps.setString(2, p.keyName());
                ps.setString(3, p.primaryKey());
                ps.setString(4, p.secondaryKey());
                ps.setString(5, Right.format(p.rights()));
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    @Override
    public void update(Hub hub, long expectedVersion) {
        db.inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE hubs SET name = ?, subscription_id = ?, "
                    + "resource_group = ?, location = ?, sku_name = ?, sku_capacity = ?, tags = ?, version = ? "
                    + "WHERE lower(name) = lower(?) AND version = ?")) {
                int i = bindHub(ps, hub);
                ps.setLong(i++, hub.version());
                ps.setString(i++, hub.name());
                ps.setLong(i, expectedVersion);
                if (ps.executeUpdate() == 0) throw new StaleWriteException("the hub changed meanwhile");
            }
            // the policies and their keys change with the hub, in the same transaction (key rotation)
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM hub_policies WHERE hub = ?")) {
                ps.setString(1, hub.name());
                ps.executeUpdate();
            }
            insertPolicies(c, hub);
            return null;
        });
    }

    private int bindHub(PreparedStatement ps, Hub hub) throws SQLException {
        int i = 1;
        ps.setString(i++, hub.name());
        ps.setString(i++, hub.subscriptionId());
        ps.setString(i++, hub.resourceGroup());
        ps.setString(i++, hub.location());
        ps.setString(i++, hub.skuName());
        ps.setLong(i++, hub.skuCapacity());
        try {
            ps.setString(i++, json.writeValueAsString(hub.tags()));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a map of strings must serialize; this indicates a bug", e);
        }
        return i;
    }

    @Override
    public boolean delete(String name) {
        return db.inTransaction(c -> {
            // One transaction: the hub's identities, counters, policies and jobs go together. Policies,
            // counters and jobs follow the hub row by ON DELETE CASCADE (migration 4); devices, the one
            // table an import writes at 100,000 rows a second, carry no foreign key and are deleted here.
            // The order takes locks as writers take them, so that none waits on another in a circle. Every write
            // of the registry locks device rows, then the hub's counters, then (a job batch) its job's rows:
            // 0. the hub row, as job creates and claims lock it first;
            // 1. the hub's devices, waiting for writes under way to the rows they hold;
            // 2. the counters: a batch under way holds them until it commits (its job row still free), and a
            //    write to come waits here, then finds the hub gone (its counter's foreign key) and rolls back whole;
            // 3. the jobs, whose batches and heartbeats then find their row gone and stop (LeaseLostException);
            // 4. the hub row, locked against the foreign-key checks of writes still to come, then the devices any
            //    write committed between 1 and 2, then the hub itself.
            for (String sql : List.of("UPDATE hubs SET version = version WHERE name = ?", "DELETE FROM devices WHERE hub = ?",
                    "DELETE FROM hub_stats WHERE hub = ?", "DELETE FROM jobs WHERE hub = ?")) {
                try (PreparedStatement ps = c.prepareStatement(sql)) {
                    ps.setString(1, name);
                    ps.executeUpdate();
                }
            }
            try (PreparedStatement ps = c.prepareStatement("SELECT name FROM hubs WHERE name = ?" + db.dialect().rowLock())) {
                ps.setString(1, name);
                ps.executeQuery().close();
            }
            JdbcRegistryStore.deleteHubData(c, name);
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM hubs WHERE lower(name) = lower(?)")) {
                ps.setString(1, name);
                return ps.executeUpdate() > 0;
            }
        });
    }

    private Map<String, String> tags(String text) throws SQLException {
        try {
            return json.readValue(text, new TypeReference<Map<String, String>>() {});
        } catch (JsonProcessingException e) {
            throw new SQLException("stored hub tags are not a JSON object of strings", e);
        }
    }

    @Override
    public byte[] sharedSecret(String name) {
        byte[] fresh = new byte[32];
        new java.security.SecureRandom().nextBytes(fresh);
        String encoded = db.inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "INSERT INTO secrets (name, value) VALUES (?, ?) ON CONFLICT (name) DO NOTHING")) {
                ps.setString(1, name);
                ps.setString(2, java.util.Base64.getEncoder().encodeToString(fresh));
                ps.executeUpdate();
            }
            try (PreparedStatement ps = c.prepareStatement("SELECT value FROM secrets WHERE name = ?")) {
                ps.setString(1, name);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getString(1);
                }
            }
        });
        return java.util.Base64.getDecoder().decode(encoded);
    }
}

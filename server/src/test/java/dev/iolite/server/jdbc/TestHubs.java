package dev.iolite.server.jdbc;

import dev.iolite.server.jdbc.Database;

/**
 * Hub rows for tests that drive a store directly: devices, counters and jobs belong to a hub (foreign
 * keys since schema 4), and these tests have no hub service to create one.
 */
public final class TestHubs {
    /** The statement of one hub row, named by its one parameter. */
    public static final String INSERT = "INSERT INTO hubs (name, subscription_id, resource_group, location, sku_name, "
            + "sku_capacity, tags, version, created_at_ms) VALUES (?, 's', 'g', 'l', 'S1', 1, '{}', 1, 0)";

    private TestHubs() {}

    /** Inserts a row for each named hub, in one transaction. */
    public static void insert(Database db, String... hubs) {
        db.inTransaction(c -> {
            try (var ps = c.prepareStatement(INSERT)) {
                for (String hub : hubs) {
                    ps.setString(1, hub);
                    ps.executeUpdate();
                }
            }
            return null;
        });
    }
}

package dev.iolite.server.devices;

import dev.iolite.server.jdbc.Database;
import dev.iolite.server.jdbc.devices.JdbcConnectionStore;
import dev.iolite.server.testkit.LinkStub;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The tracker on a real SQLite store: how many transactions its writes take, and what it coalesces. */
class ConnectionTrackerTest {
    @TempDir
    Path dir;
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private Database db;
    private ConnectionTracker tracker;

    @BeforeEach
    void open() {
        db = Database.openSqlite(dir.resolve("iolite.db"), meters);
        tracker = new ConnectionTracker(new JdbcConnectionStore(db), "node-1", Clock.systemUTC(), meters);
        tracker.start();
    }

    @AfterEach
    void close() {
        tracker.close();
        db.close();
    }

    private long commits() {
        return meters.get("iolite.store.transactions").tag("outcome", "commit").timer().count();
    }

    private long count(String sql) {
        return db.read(c -> {
            try (PreparedStatement ps = c.prepareStatement(sql); ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        });
    }

    private void awaitCount(String sql, long expected) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (count(sql) != expected) {
            if (System.nanoTime() > deadline) throw new AssertionError(sql + " never gave " + expected + "; last " + count(sql));
            Thread.sleep(20);
        }
    }

    @Test
    void tenThousandConnectionsAtOnceTakeAFewTransactionsNotTenThousand() throws Exception {
        long before = commits();
        Instant at = Instant.now();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            int first = t;
            Thread thread = new Thread(() -> {
                for (int i = first; i < 10_000; i += 4) tracker.connected(LinkStub.of("hub", "d-" + i), at);
            });
            thread.start();
            threads.add(thread);
        }
        for (Thread t : threads) t.join();
        awaitCount("SELECT count(*) FROM connections WHERE connected = 1", 10_000);
        // a batch per thousand identities, and a heartbeat or two
        assertThat(commits() - before).isBetween(1L, 40L);
        assertThat(meters.get("iolite.devices.connected").tag("hub", "hub").gauge().value()).isEqualTo(10_000);
    }

    @Test
    void activityIsWrittenAtMostOncePerIntervalPerIdentity() throws Exception {
        Instant at = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        LinkStub link = LinkStub.of("hub", "busy");
        tracker.connected(link, at);
        awaitCount("SELECT count(*) FROM connections WHERE connected = 1", 1);
        long before = commits();
        for (int i = 1; i <= 1_000; i++) tracker.active(link, at.plusMillis(i));  // within the interval: none written
        Thread.sleep(3 * ConnectionTracker.FLUSH_INTERVAL.toMillis());
        assertThat(count("SELECT last_activity_ms FROM connections")).isEqualTo(at.toEpochMilli());
        assertThat(commits() - before).isLessThanOrEqualTo(1);  // at most a heartbeat

        Instant later = at.plus(ConnectionTracker.ACTIVITY_INTERVAL).plusSeconds(1);
        tracker.active(link, later);
        awaitCount("SELECT last_activity_ms FROM connections", later.toEpochMilli());
    }

    @Test
    void aStopMarksTheNodesConnectionsDisconnectedAndGivesTheLeaseUp() throws Exception {
        tracker.connected(LinkStub.of("hub", "a"), Instant.now());
        tracker.connected(LinkStub.of("hub", "b", "m"), Instant.now());
        tracker.close();
        assertThat(count("SELECT count(*) FROM connections WHERE connected = 1")).isZero();
        assertThat(count("SELECT count(*) FROM connections")).isEqualTo(2);
        assertThat(count("SELECT count(*) FROM node_leases")).isZero();
    }
}

package dev.iolite.server.it;

import com.fasterxml.jackson.databind.JsonNode;
import dev.iolite.server.Iolite;
import dev.iolite.server.ServerConfig;
import dev.iolite.server.devices.ConnectionStore;
import dev.iolite.server.devices.ConnectionTracker;
import dev.iolite.server.jdbc.Database;
import dev.iolite.server.jdbc.devices.JdbcConnectionStore;
import dev.iolite.server.registry.DeviceKey;
import dev.iolite.server.store.StoreUrl;
import dev.iolite.server.testkit.JobPolling;
import dev.iolite.server.testkit.LinkStub;
import dev.iolite.server.testkit.Postgres;
import dev.iolite.server.testkit.PostgresqlOnly;
import dev.iolite.server.testkit.ServerExtension;
import dev.iolite.server.testkit.TestTls;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Several nodes on one PostgreSQL database: a node whose lease expired has its devices shown Disconnected by the
 * others; a node that starts marks what its previous run left Disconnected, and one that stops marks its own;
 * the newest connection of an identity wins whichever node had it. Time moves on a clock the nodes share.
 */
@PostgresqlOnly("several nodes share one database")
class NodeLeaseIT {
    private static final AtomicReference<String> SHARED = new AtomicReference<>();
    private static final ShiftedClock CLOCK = new ShiftedClock();
    private static final String API = "?api-version=2021-04-12";

    private static StoreUrl shared() {
        return StoreUrl.parse(SHARED.updateAndGet(u -> u != null ? u : Postgres.get().newDatabase()));
    }

    @RegisterExtension
    static final ServerExtension a = new ServerExtension(c -> c.withStore(shared()).withClock(CLOCK));
    @RegisterExtension
    static final ServerExtension b = new ServerExtension(c -> c.withStore(shared()).withClock(CLOCK));

    private static Database db;

    private static synchronized ConnectionStore store() {
        if (db == null) db = Database.openPostgres(shared());
        return new JdbcConnectionStore(db);
    }

    @AfterAll
    static void closeStore() {
        if (db != null) db.close();
    }

    /** The system's clock moved forward by a shift the test sets. */
    static final class ShiftedClock extends Clock {
        private final AtomicReference<Duration> shift = new AtomicReference<>(Duration.ZERO);

        void forward(Duration d) { shift.updateAndGet(s -> s.plus(d)); }

        @Override public ZoneId getZone() { return ZoneOffset.UTC; }

        @Override public Clock withZone(ZoneId zone) { return this; }

        @Override public Instant instant() { return Instant.now().plus(shift.get()); }
    }

    private static JsonNode device(ServerExtension server, String id) throws Exception {
        HttpResponse<String> r = server.send("GET", "/devices/" + id + API, server.ownerSas(), null);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return ServerExtension.JSON.readTree(r.body());
    }

    private static JsonNode await(ServerExtension server, String id, Predicate<JsonNode> done) throws Exception {
        return JobPolling.until(id + " as expected", Duration.ofSeconds(10), Duration.ofMillis(50), () -> device(server, id), done);
    }

    private static Predicate<JsonNode> state(String s) {
        return n -> n.get("connectionState").asText().equals(s);
    }

    private static void create(String id) throws Exception {
        HttpResponse<String> r = a.send("PUT", "/devices/" + id + API, a.ownerSas(), "{}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    }

    @Test
    void aNodeThatStopsRenewingItsLeaseHasItsDevicesShownDisconnected() throws Exception {
        // GIVEN what a node killed while its device was connected leaves behind: its lease and the device's row
        create("lease-1");
        ConnectionStore store = store();
        Instant at = CLOCK.instant().truncatedTo(ChronoUnit.MILLIS);
        store.renewLease("node-killed", at, at.plus(ConnectionTracker.LEASE));
        store.apply("node-killed", List.of(new ConnectionStore.Change(a.ready().get("hub").asText(),
                DeviceKey.device("lease-1"), new ConnectionStore.Event(1, at), null, null)));
        assertThat(device(b, "lease-1").get("connectionState").asText()).isEqualTo("Connected");

        // WHEN its lease and a heartbeat go by, with no renewal
        CLOCK.forward(ConnectionTracker.LEASE.plus(ConnectionTracker.HEARTBEAT));

        // THEN the live nodes show the device Disconnected since they noticed
        JsonNode d = await(b, "lease-1", state("Disconnected"));
        assertThat(Instant.parse(d.get("connectionStateUpdatedTime").asText())).isAfter(at.plus(ConnectionTracker.LEASE));
        assertThat(device(a, "lease-1").get("connectionState").asText()).isEqualTo("Disconnected");
    }

    @Test
    void theNewestConnectionWinsWhicheverNodeHasIt() throws Exception {
        create("lease-2");
        String hub = a.ready().get("hub").asText();
        Instant at = CLOCK.instant().truncatedTo(ChronoUnit.MILLIS);
        LinkStub atA = LinkStub.of(hub, "lease-2");
        LinkStub atB = LinkStub.of(hub, "lease-2");
        // the device connects to a, then again to b; a's connection ends after b's began
        a.iolite().connectionEvents().connected(atA, at);
        await(b, "lease-2", state("Connected"));
        b.iolite().connectionEvents().connected(atB, at.plusMillis(500));
        await(a, "lease-2", n -> n.get("connectionStateUpdatedTime").asText().equals(at.plusMillis(500).toString()));
        a.iolite().connectionEvents().disconnected(atA, at.plusSeconds(1));
        Thread.sleep(600);  // a's batch is written; it must not end b's connection
        assertThat(device(a, "lease-2").get("connectionState").asText()).isEqualTo("Connected");
        // a connection a reports late, older than b's, does not take the row back: neither while b's lasts
        a.iolite().connectionEvents().connected(LinkStub.of(hub, "lease-2"), at.plusMillis(100));
        Thread.sleep(600);
        assertThat(device(a, "lease-2").get("connectionStateUpdatedTime").asText()).isEqualTo(at.plusMillis(500).toString());
        b.iolite().connectionEvents().disconnected(atB, at.plusSeconds(2));
        await(a, "lease-2", state("Disconnected"));
        // nor once it ended (a node's batch may reach the store after another node's)
        a.iolite().connectionEvents().connected(LinkStub.of(hub, "lease-2"), at.plusMillis(200));
        Thread.sleep(600);
        JsonNode after = device(a, "lease-2");
        assertThat(after.get("connectionState").asText()).isEqualTo("Disconnected");
        assertThat(after.get("connectionStateUpdatedTime").asText()).isEqualTo(at.plusSeconds(2).toString());
        // while a connection that began later than b's takes it, on either node
        a.iolite().connectionEvents().connected(LinkStub.of(hub, "lease-2"), at.plusSeconds(3));
        await(b, "lease-2", state("Connected"));
    }

    @Test
    void aNodeMarksItsOwnConnectionsDisconnectedWhenItStartsAndWhenItStops() throws Exception {
        // GIVEN a data dir whose node left a connected device behind (a crash), its lease still running
        create("lease-3");
        create("lease-4");
        Path dir = Files.createTempDirectory("iolite-node");
        Files.writeString(dir.resolve("server.json"), "{\"nodeId\":\"node-restarted\"}");
        ConnectionStore store = store();
        Instant at = CLOCK.instant().truncatedTo(ChronoUnit.MILLIS);
        store.renewLease("node-restarted", at, at.plus(ConnectionTracker.LEASE));
        store.apply("node-restarted", List.of(new ConnectionStore.Change(a.ready().get("hub").asText(),
                DeviceKey.device("lease-3"), new ConnectionStore.Event(7, at), null, null)));
        assertThat(device(a, "lease-3").get("connectionState").asText()).isEqualTo("Connected");

        // WHEN that node starts again, THEN its leftover is Disconnected at once
        ServerConfig c = ServerConfig.of(dir, 0).withStore(shared()).withClock(CLOCK);
        try (Iolite node = Iolite.start(c.withHttp(c.http().withTls(TestTls.CERT, TestTls.KEY)))) {
            assertThat(device(a, "lease-3").get("connectionState").asText()).isEqualTo("Disconnected");
            // and a device connected to it when it stops is Disconnected once it stopped
            node.connectionEvents().connected(LinkStub.of(a.ready().get("hub").asText(), "lease-4"), CLOCK.instant());
            await(a, "lease-4", state("Connected"));
        }
        assertThat(device(a, "lease-4").get("connectionState").asText()).isEqualTo("Disconnected");
    }
}

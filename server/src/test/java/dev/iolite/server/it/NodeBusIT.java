package dev.iolite.server.it;

import dev.iolite.server.devices.NodeBus;
import dev.iolite.server.jdbc.Database;
import dev.iolite.server.jdbc.cluster.PgNodeBus;
import dev.iolite.server.store.StoreUrl;
import dev.iolite.server.testkit.Postgres;
import dev.iolite.server.testkit.PostgresqlOnly;
import org.junit.jupiter.api.Test;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two buses of one PostgreSQL database, without servers around them: messages small and large cross, a node never
 * hears itself, and a bus whose store went away and came back listens again. The database is a PostgreSQL server of
 * the test's own, which it stops and starts.
 */
@PostgresqlOnly("the node bus is PostgreSQL's LISTEN/NOTIFY")
class NodeBusIT {

    @Test
    void messagesCrossBothWaysSmallOrLargeAndAgainAfterTheStoreCameBack() throws Exception {
        Postgres own = Postgres.startNew();
        try {
            StoreUrl url = StoreUrl.parse(own.newDatabase());
            try (Database db = Database.openPostgres(url);
                 PgNodeBus a = PgNodeBus.start(db, url, "node-a");
                 PgNodeBus b = PgNodeBus.start(db, url, "node-b")) {
                BlockingQueue<NodeBus.Envelope> atA = new ArrayBlockingQueue<>(10);
                BlockingQueue<NodeBus.Envelope> atB = new ArrayBlockingQueue<>(10);
                a.subscribe("t", atA::add);
                b.subscribe("t", atB::add);

                a.publish("t", "{\"n\":1}");
                NodeBus.Envelope e = atB.poll(10, TimeUnit.SECONDS);
                assertThat(e).as("A's message at B within 10 s").isNotNull();
                assertThat(e.from()).isEqualTo("node-a");
                assertThat(e.body()).isEqualTo("{\"n\":1}");
                // GIVEN a body past NOTIFY's 8000 bytes
                String large = "{\"big\":\"" + "é".repeat(6000) + "\"}";
                b.publish("t", large);
                assertThat(atA.poll(10, TimeUnit.SECONDS)).as("B's large message at A").isNotNull()
                        .extracting(NodeBus.Envelope::body).isEqualTo(large);
                assertThat(atA.poll(1, TimeUnit.SECONDS)).as("A does not hear itself").isNull();

                // WHEN the store goes away and comes back
                own.stop();
                Thread.sleep(1000);
                own.start();
                // THEN the buses listen again within their backoff, and messages cross as before
                long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                NodeBus.Envelope again = null;
                while (again == null && System.nanoTime() < end) {
                    a.publish("t", "{\"n\":2}");
                    again = atB.poll(1, TimeUnit.SECONDS);
                }
                assertThat(again).as("a message after the store came back, within 30 s").isNotNull();
                assertThat(again.body()).isEqualTo("{\"n\":2}");
            }
        } finally {
            own.destroy();
        }
    }
}

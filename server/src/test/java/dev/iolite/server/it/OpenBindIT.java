package dev.iolite.server.it;

import dev.iolite.server.testkit.ServerExtension;
import dev.iolite.server.testkit.SqliteOnly;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.ServerSocket;
import java.net.http.HttpResponse;

import static org.assertj.core.api.Assertions.assertThat;

/** A server reachable from the network may not be pointed at its own machine's loopback services. */
@SqliteOnly("the listener's address does not depend on the store")
class OpenBindIT {
    @RegisterExtension
    static final ServerExtension server = new ServerExtension(c -> c.withHttp(c.http().withBind("0.0.0.0")));

    @Test
    void loopbackAndPrivateHostsAreRefusedUnlessListed() throws Exception {
        try (ServerSocket local = new ServerSocket(0)) {
            for (String host : new String[]{"127.0.0.1", "localhost", "[::1]", "10.0.0.7", "169.254.169.254"}) {
                HttpResponse<String> r = server.send("POST", "/jobs/create?api-version=2021-04-12", server.ownerSas(),
                        "{\"type\":\"export\",\"outputBlobContainerUri\":\"http://" + host + ":" + local.getLocalPort()
                                + "/devstoreaccount1/c?sig=x\"}");
                assertThat(r.statusCode()).as(host).isEqualTo(400);
                assertThat(ServerExtension.hubError(r).get("message").asText()).as(host).contains("may not contact");
            }
        }
    }
}

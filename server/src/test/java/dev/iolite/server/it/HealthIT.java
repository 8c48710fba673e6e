package dev.iolite.server.it;

import dev.iolite.server.testkit.ServerExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.http.HttpResponse;

import static org.assertj.core.api.Assertions.assertThat;

/** The probes answer without credentials, on the store the run is for. */
class HealthIT {
    @RegisterExtension
    static final ServerExtension server = new ServerExtension();

    @Test
    void liveAndReadyAnswerWithoutCredentials() throws Exception {
        HttpResponse<String> live = server.send("GET", "/health/live", null, null);
        assertThat(live.statusCode()).isEqualTo(200);
        assertThat(live.body()).isEqualTo("{\"status\":\"live\"}");
        HttpResponse<String> ready = server.send("GET", "/health/ready", null, null);
        assertThat(ready.statusCode()).as(ready.body()).isEqualTo(200);
        assertThat(ready.body()).isEqualTo("{\"status\":\"ready\"}");
        // everything else still needs a token
        assertThat(server.send("GET", "/statistics/devices?api-version=2021-04-12", null, null).statusCode()).isEqualTo(401);
    }
}

package dev.iolite.server.it;

import dev.iolite.server.testkit.ServerExtension;
import com.azure.core.credential.AzureSasCredential;
import com.microsoft.azure.sdk.iot.service.exceptions.IotHubTooManyRequestsException;
import com.microsoft.azure.sdk.iot.service.query.QueryClient;
import dev.iolite.server.throttle.Sku;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.http.HttpResponse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * With {@code --throttle S1}, IoT Hub's per-hub rates apply: 20 queries a minute, 100 registry operations a
 * minute (each device of a bulk call counting). The call over the rate gets 429 ThrottlingException with a
 * Retry-After saying when it would pass, the official service SDK surfaces it as its too-many-requests
 * exception, and other hubs keep their own allowance. Each test uses hubs of its own, so buckets start full.
 */
class ThrottleIT {
    @RegisterExtension
    static final ServerExtension server = new ServerExtension(c -> c.withThrottle(Sku.parse("S1")));

    private static final String API = "?api-version=2021-04-12";
    private static final String QUERY = "{\"query\":\"SELECT * FROM devices\"}";

    private static HttpResponse<String> query(String sas) throws Exception {
        return server.send("POST", "/devices/query" + API, sas, QUERY);
    }

    private static void assertThrottled(HttpResponse<String> r, long maxRetryAfterSeconds) throws Exception {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(429);
        assertThat(r.headers().firstValue("iothub-errorcode")).contains("ThrottlingException");
        assertThat(ServerExtension.hubError(r).get("errorCode").asInt()).isEqualTo(429001);
        long retryAfter = Long.parseLong(r.headers().firstValue("Retry-After").orElseThrow());
        assertThat(retryAfter).isBetween(1L, maxRetryAfterSeconds);
    }

    @Test
    void theTwentyFirstQueryOfAMinuteIsThrottledAndAnotherHubIsNot() throws Exception {
        String a = server.createHub("throttled-a");
        String b = server.createHub("throttled-b");
        // GIVEN an S1 hub's 20 queries a minute, spent as fast as the client can
        long started = System.nanoTime();
        int passed = 0;
        HttpResponse<String> r;
        while ((r = query(a)).statusCode() == 200) passed++;
        double seconds = (System.nanoTime() - started) / 1e9;
        // THEN the first 20 passed, and the next was refused (one more passes for every 3 s the loop took)
        assertThat(passed).isBetween(20, 20 + (int) (seconds / 3) + 1);
        assertThrottled(r, 3);
        // AND another hub's queries, and this hub's other operation classes, still pass
        for (int i = 0; i < 5; i++) assertThat(query(b).statusCode()).isEqualTo(200);
        assertThat(server.send("GET", "/devices" + API, a, null).statusCode()).isEqualTo(200);
        // AND statistics are not throttled
        assertThat(server.send("GET", "/statistics/devices" + API, a, null).statusCode()).isEqualTo(200);
    }

    @Test
    void theOfficialSdkSurfacesTheThrottleAsItsTooManyRequestsException() throws Exception {
        String sas = server.createHub("throttled-sdk");
        QueryClient sdk = new QueryClient(server.hostPort(), new AzureSasCredential(sas));
        for (int i = 0; i < 20; i++) sdk.queryTwins("SELECT * FROM devices");
        // a few more tries, for the tokens that came back while the twenty ran
        assertThatThrownBy(() -> {
            for (int i = 0; i < 10; i++) sdk.queryTwins("SELECT * FROM devices");
        }).isInstanceOfSatisfying(IotHubTooManyRequestsException.class,
                e -> assertThat(e.getErrorCode()).isEqualTo(429001));
    }

    @Test
    void eachDeviceOfABulkCallCountsAndAThrottledCallWritesNothing() throws Exception {
        String sas = server.createHub("throttled-bulk");
        // GIVEN two 50-device calls: S1's 100 registry operations a minute
        for (int call = 0; call < 2; call++) {
            HttpResponse<String> ok = server.send("POST", "/devices" + API, sas, bulk("bulk-" + call + "-", 50));
            assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
        }
        // WHEN a third one comes THEN it is refused until 50 operations are back (30 s at most), and wrote nothing
        assertThrottled(server.send("POST", "/devices" + API, sas, bulk("bulk-2-", 50)), 30);
        assertThat(ServerExtension.JSON.readTree(server.send("GET", "/statistics/devices" + API, sas, null).body())
                .get("totalDeviceCount").asLong()).isEqualTo(100);
        // AND its twins, queries and jobs have their own allowance
        assertThat(server.send("GET", "/twins/bulk-0-0" + API, sas, null).statusCode()).isEqualTo(200);
        assertThat(server.send("GET", "/jobs" + API, sas, null).statusCode()).isEqualTo(200);
    }

    @Test
    void jobsOperationsOfBothSurfacesShareTheHubsJobsAllowance() throws Exception {
        String sas = server.createHub("throttled-jobs");
        // GIVEN the hub API's job list called until the hub's 100 jobs operations a minute are spent
        int passed = 0;
        HttpResponse<String> r;
        while ((r = server.send("GET", "/jobs" + API, sas, null)).statusCode() == 200) passed++;
        assertThat(passed).isGreaterThanOrEqualTo(100);
        assertThrottled(r, 1);
        // THEN ARM's job list of the same hub is refused too, once the operation or two that came back since
        // are spent, in ARM's error format, with Retry-After
        String bearer = "Bearer " + server.armToken();
        int armPassed = 0;
        HttpResponse<String> arm;
        while ((arm = server.send("GET", server.armHub("throttled-jobs") + "/jobs?api-version=2021-07-01", bearer, null))
                .statusCode() == 200 && armPassed < 20) armPassed++;
        assertThat(arm.statusCode()).as(arm.body()).isEqualTo(429);
        assertThat(armPassed).isLessThan(20);
        assertThat(arm.headers().firstValue("Retry-After")).isPresent();
        assertThat(arm.body()).contains("ThrottlingException");
    }

    private static String bulk(String prefix, int n) {
        StringBuilder b = new StringBuilder("[");
        for (int i = 0; i < n; i++) {
            if (i > 0) b.append(',');
            b.append("{\"id\":\"").append(prefix).append(i).append("\",\"importMode\":\"create\"}");
        }
        return b.append(']').toString();
    }
}

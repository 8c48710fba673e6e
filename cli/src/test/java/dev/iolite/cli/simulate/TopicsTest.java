package dev.iolite.cli.simulate;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class TopicsTest {
    @Test
    void methodRequestsGiveTheirNameAndRequestId() {
        assertThat(Topics.parse("$iothub/methods/POST/reboot/?$rid=7f"))
                .isEqualTo(new Topics.MethodCall("reboot", "7f"));
    }

    @Test
    void twinResponsesGiveStatusRequestIdAndVersion() {
        assertThat(Topics.parse("$iothub/twin/res/200/?$rid=1")).isEqualTo(new Topics.TwinResponse(200, "1", -1));
        assertThat(Topics.parse("$iothub/twin/res/204/?$rid=2&$version=5")).isEqualTo(new Topics.TwinResponse(204, "2", 5));
        // the hub may percent-encode the dollar signs of the property bag
        assertThat(Topics.parse("$iothub/twin/res/204/?%24rid=3&%24version=6")).isEqualTo(new Topics.TwinResponse(204, "3", 6));
    }

    @Test
    void desiredPatchesGiveTheirVersion() {
        assertThat(Topics.parse("$iothub/twin/PATCH/properties/desired/?$version=12")).isEqualTo(new Topics.DesiredPatch(12));
    }

    @Test
    void anythingElseIsOther() {
        assertThat(Topics.parse("devices/d1/messages/devicebound/%24.mid=1")).isInstanceOf(Topics.Other.class);
        assertThat(Topics.parse("$iothub/twin/res/abc/?$rid=1")).isInstanceOf(Topics.Other.class);
    }

    @Test
    void devicesPublishOnIotHubsTopics() {
        assertThat(Topics.telemetry("d1")).isEqualTo("devices/d1/messages/events/%24.ct=application%2Fjson&%24.ce=utf-8");
        assertThat(Topics.twinGet("4")).isEqualTo("$iothub/twin/GET/?$rid=4");
        assertThat(Topics.reportedPatch("5")).isEqualTo("$iothub/twin/PATCH/properties/reported/?$rid=5");
        assertThat(Topics.methodResponse(200, "6")).isEqualTo("$iothub/methods/res/200/?$rid=6");
    }
}

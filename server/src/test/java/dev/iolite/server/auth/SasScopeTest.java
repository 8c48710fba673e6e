package dev.iolite.server.auth;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;

/** A SAS token reaches the request path only at or under its {@code sr} path, segment by segment after decoding. */
class SasScopeTest {
    @ParameterizedTest(name = "sr {0} covers {1}: {2}")
    @CsvSource({
            // a bare host covers the whole hub (the SDKs' service tokens)
            "hub.azure-devices.net,                      /devices/one,                 true",
            "hub.azure-devices.net/,                     /jobs/create,                 true",
            "https://hub.azure-devices.net,              /statistics/devices,          true",
            // a device path covers that device and what is under it, nothing beside it
            "hub.azure-devices.net/devices/one,          /devices/one,                 true",
            "hub.azure-devices.net/devices/one,          /devices/one/modules/m1,      true",
            "hub.azure-devices.net/devices/one,          /devices/one-more,            false",
            "hub.azure-devices.net/devices/one,          /devices,                     false",
            "hub.azure-devices.net/devices/one,          /twins/one,                   false",
            "hub.azure-devices.net/devices/one,          /statistics/devices,          false",
            // compared after decoding, each segment on its own
            "hub.azure-devices.net/devices/a%2Fb,        /devices/a%2Fb,               true",
            "hub.azure-devices.net/devices/a,            /devices/a%2Fb,               false",
            "hub.azure-devices.net/devices/dev%20one,    /devices/dev one,             true",
            "hub.azure-devices.net/devices/one,          /devices/%6Fne,               true",
            // dot segments never widen or escape a scope
            "hub.azure-devices.net/devices/one,          /devices/one/../two,          false",
            "hub.azure-devices.net/devices/one/..,       /devices/two,                 false",
            "hub.azure-devices.net/devices/one,          /devices/one/%2E%2E/two,      false",
            // case matters: device ids are case-sensitive
            "hub.azure-devices.net/devices/One,          /devices/one,                 false",
    })
    void aTokenCoversOnlyItsResourcePath(String resource, String path, boolean covered) {
        assertThat(SasScope.covers(resource.trim(), path.trim())).isEqualTo(covered);
    }
}

package dev.iolite.server.amqp;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

class ClaimsTest {
    @Test
    void addressesAndResourcesBecomeSegmentsWithoutSchemeOrHost() {
        assertThat(Claims.segments("amqp://127.0.0.1:5671/hub1/ConsumerGroups/$Default/Partitions/0"))
                .containsExactly("hub1", "ConsumerGroups", "$Default", "Partitions", "0");
        assertThat(Claims.segments("127.0.0.1:5671/hub1")).containsExactly("hub1");
        assertThat(Claims.segments("hub1.azure-devices.net")).isEmpty();
        assertThat(Claims.segments("hub1/ConsumerGroups/cg/Partitions/3")).containsExactly("hub1", "ConsumerGroups", "cg", "Partitions", "3");
        assertThat(Claims.segments("$cbs")).containsExactly("$cbs");
        assertThat(Claims.segments("/messages/devicebound")).containsExactly("messages", "devicebound");
        assertThat(Claims.segments("sb://h/hub1%2FConsumerGroups")).containsExactly("hub1/ConsumerGroups");
        assertThat(Claims.segments("sb://h/hub1/../other")).containsExactly("..");
    }

    @Test
    void aGrantCoversWhatLiesUnderItsScopeOnly() {
        Claims.Grant g = new Claims.Grant("hub1", List.of("hub1"), Set.of(), Long.MAX_VALUE, "service");
        assertThat(g.covers(List.of("hub1", "ConsumerGroups", "$Default", "Partitions", "0"))).isTrue();
        assertThat(g.covers(List.of("HUB1", "ConsumerGroups"))).isTrue();
        assertThat(g.covers(List.of("hub2", "ConsumerGroups"))).isFalse();
        Claims.Grant one = new Claims.Grant("hub1", List.of("hub1", "ConsumerGroups", "a", "Partitions", "0"), Set.of(), 0, "service");
        assertThat(one.covers(List.of("hub1", "ConsumerGroups", "a", "Partitions", "1"))).isFalse();
        assertThat(Claims.address("/messages/devicebound", "hub1")).containsExactly("hub1", "messages", "devicebound");
    }
}

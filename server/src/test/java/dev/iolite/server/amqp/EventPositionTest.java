package dev.iolite.server.amqp;

import org.junit.jupiter.api.Test;

import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class EventPositionTest {
    @Test
    void theClientsFiltersNameEachKindOfStart() {
        assertThat(EventPosition.parse(null)).isEqualTo(new EventPosition.Earliest());
        assertThat(EventPosition.parse("amqp.annotation.x-opt-offset > '-1'")).isEqualTo(new EventPosition.Earliest());
        assertThat(EventPosition.parse("amqp.annotation.x-opt-offset > '@latest'")).isEqualTo(new EventPosition.Latest());
        assertThat(EventPosition.parse("amqp.annotation.x-opt-offset >= '120'")).isEqualTo(new EventPosition.Offset(120, true));
        assertThat(EventPosition.parse("amqp.annotation.x-opt-offset > '120'")).isEqualTo(new EventPosition.Offset(120, false));
        assertThat(EventPosition.parse("amqp.annotation.x-opt-sequence-number > '7'")).isEqualTo(new EventPosition.Sequence(7, false));
        assertThat(EventPosition.parse("amqp.annotation.x-opt-sequence-number >= '7'")).isEqualTo(new EventPosition.Sequence(7, true));
        assertThat(EventPosition.parse("amqp.annotation.x-opt-enqueued-time > '1700000000000'"))
                .isEqualTo(new EventPosition.Enqueued(Instant.ofEpochMilli(1_700_000_000_000L), false));
    }

    @Test
    void anythingElseIsRefusedWithASentence() {
        assertThatThrownBy(() -> EventPosition.parse("1 = 1")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("selector filter");
        assertThatThrownBy(() -> EventPosition.parse("amqp.annotation.x-opt-offset > 'abc'"))
                .hasMessageContaining("not a whole number");
        assertThatThrownBy(() -> EventPosition.parse("amqp.annotation.x-opt-offset > '-5'"))
                .hasMessageContaining("-1");
        assertThatThrownBy(() -> EventPosition.parse("amqp.annotation.x-opt-sequence-number > '" + "9".repeat(41) + "'"))
                .isInstanceOf(IllegalArgumentException.class);
    }
}

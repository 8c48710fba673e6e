package dev.iolite.server.messages;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class CloudMessageTest {
    @Test
    void acksAreIotHubsWordsOrTheJavaServiceSdksEnumNames() {
        assertThat(CloudMessage.Ack.parse(null)).isEqualTo(CloudMessage.Ack.NONE);
        assertThat(CloudMessage.Ack.parse("Full")).isEqualTo(CloudMessage.Ack.FULL);
        assertThat(CloudMessage.Ack.parse("positiveonly")).isEqualTo(CloudMessage.Ack.POSITIVE);
        assertThat(CloudMessage.Ack.parse("negativeonly")).isEqualTo(CloudMessage.Ack.NEGATIVE);
        assertThat(CloudMessage.Ack.parse("sometimes")).isNull();
    }

    @Test
    void eachAckAsksForTheOutcomesItNames() {
        assertThat(CloudMessage.Ack.POSITIVE.wants(FeedbackRecord.Status.SUCCESS)).isTrue();
        assertThat(CloudMessage.Ack.POSITIVE.wants(FeedbackRecord.Status.EXPIRED)).isFalse();
        assertThat(CloudMessage.Ack.NEGATIVE.wants(FeedbackRecord.Status.SUCCESS)).isFalse();
        assertThat(CloudMessage.Ack.NEGATIVE.wants(FeedbackRecord.Status.PURGED)).isTrue();
        assertThat(CloudMessage.Ack.FULL.wants(FeedbackRecord.Status.DELIVERY_COUNT_EXCEEDED)).isTrue();
        assertThat(CloudMessage.Ack.NONE.wants(FeedbackRecord.Status.SUCCESS)).isFalse();
    }
}

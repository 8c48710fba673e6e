package dev.iolite.server.messages;

import dev.iolite.server.errors.IoliteException;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class MessageCursorTest {

    @Test
    void aCursorReadsBackAsWrittenAndRefusesWhatIsNotOne() {
        MessageCursor c = MessageCursor.parse("12,0,7,3", 4, "cursor");
        assertThat(c.at(0)).isEqualTo(12);
        assertThat(c.with(1, 5).text()).isEqualTo("12,5,7,3");
        assertThat(c.text()).isEqualTo("12,0,7,3");
        for (String bad : new String[] {"1,2,3", "1,2,3,4,5", "a,0,0,0", "-1,0,0,0", "1,,2,3", "9999999999999999999,0,0,0"}) {
            assertThatThrownBy(() -> MessageCursor.parse(bad, 4, "cursor")).as(bad).isInstanceOf(IoliteException.class)
                    .hasMessageStartingWith("cursor");
        }
    }
}

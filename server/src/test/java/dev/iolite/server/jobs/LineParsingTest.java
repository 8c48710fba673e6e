package dev.iolite.server.jobs;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The import's byte-level line handling: offsets for checkpoints, over-long lines, UTF-8, duplicates. */
class LineParsingTest {
    private static List<LineReader.Line> lines(String text, int max) throws IOException {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        LineReader r = new LineReader(new ByteArrayInputStream(bytes), 0, 0, max);
        List<LineReader.Line> out = new ArrayList<>();
        for (LineReader.Line l = r.next(); l != null; l = r.next()) {
            out.add(new LineReader.Line(l.number(), l.endOffset(),
                    l.bytes() == null ? null : java.util.Arrays.copyOf(l.bytes(), l.length()), l.length()));
        }
        return out;
    }

    @Test
    void offsetsPointJustAfterEachLineSoAResumeStartsAtTheNextOne() throws IOException {
        List<LineReader.Line> l = lines("ab\r\ncde\n\nlast", 100);
        assertThat(l).hasSize(4);
        assertThat(new String(l.get(0).bytes(), StandardCharsets.UTF_8)).isEqualTo("ab");
        assertThat(l.get(0).endOffset()).isEqualTo(4);
        assertThat(l.get(1).endOffset()).isEqualTo(8);
        assertThat(l.get(2).length()).isZero();
        assertThat(l.get(3).endOffset()).isEqualTo(13);
        assertThat(l.get(3).number()).isEqualTo(4);
    }

    @Test
    void aLineOverTheLimitIsReportedAndSkippedWhole() throws IOException {
        List<LineReader.Line> l = lines("short\n" + "x".repeat(50) + "\nafter\n", 10);
        assertThat(l).hasSize(3);
        assertThat(l.get(1).tooLong()).isTrue();
        assertThat(new String(l.get(2).bytes(), StandardCharsets.UTF_8)).isEqualTo("after");
        assertThat(l.get(2).number()).isEqualTo(3);
    }

    @Test
    void resumingFromAnOffsetNumbersLinesOnFromTheCheckpoint() throws IOException {
        byte[] rest = "{\"id\":\"c\"}\n".getBytes(StandardCharsets.UTF_8);
        LineReader r = new LineReader(new ByteArrayInputStream(rest), 1000, 41, 100);
        LineReader.Line l = r.next();
        assertThat(l.number()).isEqualTo(42);
        assertThat(l.endOffset()).isEqualTo(1000 + rest.length);
    }

    @Test
    void utf8IsValidatedStrictly() {
        assertThat(Utf8.isValid("plain {\"é\":\"€😀\"}".getBytes(StandardCharsets.UTF_8), 20)).isTrue();
        byte[] good = "é€😀".getBytes(StandardCharsets.UTF_8);
        assertThat(Utf8.isValid(good, good.length)).isTrue();
        assertThat(Utf8.isValid(new byte[] {(byte) 0xFF}, 1)).isFalse();
        assertThat(Utf8.isValid(new byte[] {(byte) 0xC3}, 1)).as("truncated").isFalse();
        assertThat(Utf8.isValid(new byte[] {(byte) 0xC0, (byte) 0x80}, 2)).as("overlong").isFalse();
        assertThat(Utf8.isValid(new byte[] {(byte) 0xED, (byte) 0xA0, (byte) 0x80}, 3)).as("surrogate").isFalse();
        assertThat(Utf8.isValid(new byte[] {'a', (byte) 0x80}, 2)).as("stray continuation").isFalse();
    }
}

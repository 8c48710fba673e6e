package dev.iolite.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.LoggingEvent;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The text log escapes control characters in every field, whichever caller logged them and however. */
class LogEncoderTest {
    private static final String CONTROLS = "a\u001b[31mb\u0000c\rd\ne\tf\u0085g\u2028h\u007f";
    private static final String ESCAPED = "a\\u001b[31mb\\u0000c\\rd\\ne\\tf\\u0085g\\u2028h\\u007f";

    private static String text(LoggingEvent event, boolean stackTraces) {
        LogEncoder encoder = new LogEncoder(Logging.Format.TEXT, stackTraces);
        return new String(encoder.encode(event), StandardCharsets.UTF_8);
    }

    private static LoggingEvent event(String logger, String message, Throwable error, Object... args) {
        LoggerContext ctx = new LoggerContext();
        LoggingEvent e = new LoggingEvent(LogEncoderTest.class.getName(), ctx.getLogger(logger), Level.WARN, message, error, args);
        e.setMDCPropertyMap(Map.of("hub", "h" + CONTROLS, "requestId", "r" + CONTROLS));
        return e;
    }

    @Test
    void controlCharactersInTheMessageTheContextTheLoggerAndTheErrorAreEscaped() {
        String line = text(event("dev.iolite.Weird" + CONTROLS, "query {} failed", new IllegalStateException("x" + CONTROLS),
                "[[" + CONTROLS + "]]"), false);

        assertThat(line).endsWith("\n");
        String body = line.substring(0, line.length() - 1);
        assertThat(body.chars().filter(c -> c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0) || c == 0x2028)).isEmpty();
        assertThat(body).contains("Weird" + ESCAPED + ": query [[" + ESCAPED + "]] failed")
                .contains(" hub=h" + ESCAPED).contains(" requestId=r" + ESCAPED)
                .contains(" error=java.lang.IllegalStateException: x" + ESCAPED);
    }

    @Test
    void aStackTraceKeepsItsFramesOnLinesButEscapesItsMessages() {
        String text = text(event("dev.iolite.Plain", "failed", new IllegalStateException("x\nforged line")), true);

        assertThat(text.lines()).anySatisfy(l -> assertThat(l).startsWith("\tat "));
        assertThat(text.lines()).noneSatisfy(l -> assertThat(l).startsWith("forged line"));
        assertThat(text).contains("java.lang.IllegalStateException: x\\nforged line\n");
    }
}

package dev.iolite.cli;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.StackTraceElementProxy;
import ch.qos.logback.core.encoder.EncoderBase;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;

/**
 * The server's log lines, one event per line: text for people, or one JSON object per line with
 * {@code time}, {@code level}, {@code logger}, {@code message}, then {@code hub}, {@code jobId} and
 * {@code requestId} where the event has them, and {@code error}. Stack traces only with {@code --verbose};
 * otherwise an error is its chain of classes and messages on the same line.
 */
final class LogEncoder extends EncoderBase<ILoggingEvent> {
    /** The diagnostic keys the server sets (see the server's {@code LogKeys}), in the order they are written. */
    private static final String[] KEYS = {"hub", "jobId", "requestId"};
    private static final JsonFactory JSON = new JsonFactory();

    private final Logging.Format format;
    private final boolean stackTraces;

    LogEncoder(Logging.Format format, boolean stackTraces) {
        this.format = format;
        this.stackTraces = stackTraces;
    }

    @Override
    public byte[] headerBytes() { return null; }

    @Override
    public byte[] footerBytes() { return null; }

    @Override
    public byte[] encode(ILoggingEvent event) {
        return format == Logging.Format.JSON ? json(event) : text(event);
    }

    private byte[] text(ILoggingEvent event) {
        StringBuilder b = new StringBuilder(160);
        b.append(Instant.ofEpochMilli(event.getTimeStamp())).append(' ').append(event.getLevel()).append(' ')
                .append(escape(shortName(event.getLoggerName()))).append(": ").append(escape(event.getFormattedMessage()));
        Map<String, String> mdc = event.getMDCPropertyMap();
        for (String key : KEYS) {
            String v = mdc.get(key);
            if (v != null) b.append(' ').append(key).append('=').append(escape(v));
        }
        IThrowableProxy error = event.getThrowableProxy();
        if (error != null) {
            b.append(" error=").append(escape(chain(error)));
            if (stackTraces) b.append('\n').append(stack(error, true));
        }
        return b.append('\n').toString().getBytes(StandardCharsets.UTF_8);
    }

    private byte[] json(ILoggingEvent event) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("time", Instant.ofEpochMilli(event.getTimeStamp()).toString());
            g.writeStringField("level", event.getLevel().toString());
            g.writeStringField("logger", event.getLoggerName());
            g.writeStringField("message", event.getFormattedMessage());
            Map<String, String> mdc = event.getMDCPropertyMap();
            for (String key : KEYS) {
                String v = mdc.get(key);
                if (v != null) g.writeStringField(key, v);
            }
            IThrowableProxy error = event.getThrowableProxy();
            if (error != null) {
                g.writeStringField("error", chain(error));
                if (stackTraces) g.writeStringField("stack", stack(error, false));
            }
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        out.write('\n');
        return out.toByteArray();
    }

    private static String shortName(String logger) {
        int dot = logger.lastIndexOf('.');
        return dot < 0 ? logger : logger.substring(dot + 1);
    }

    /**
     * Text made safe for a terminal and a line-based reader, whoever logged it: line breaks (which would forge
     * a second line), NUL, escape sequences (which drive a terminal) and every other control character become
     * visible escapes (a line feed as backslash-n, ESC as backslash-u001b). These are the characters of the
     * server's {@code LogText}, escaped here in every field of every line, so that no caller has to remember it.
     */
    static String escape(String s) {
        if (s == null) return "";
        StringBuilder out = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean control = c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0) || c == '\u2028' || c == '\u2029';
            if (control && out == null) out = new StringBuilder(s.length() + 16).append(s, 0, i);
            if (out == null) continue;
            if (!control) out.append(c);
            else if (c == '\n') out.append("\\n");
            else if (c == '\r') out.append("\\r");
            else if (c == '\t') out.append("\\t");
            else out.append(String.format("\\u%04x", (int) c));
        }
        return out == null ? s : out.toString();
    }

    private static String chain(IThrowableProxy error) {
        StringBuilder b = new StringBuilder();
        int depth = 0;
        for (IThrowableProxy t = error; t != null && depth < 8; t = t.getCause(), depth++) {
            if (depth > 0) b.append(" <- ");
            b.append(t.getClassName());
            if (t.getMessage() != null) b.append(": ").append(t.getMessage());
        }
        return b.toString();
    }

    /** The stack, one frame per line; in text, each message is escaped (the frames are the JVM's own text). */
    private static String stack(IThrowableProxy error, boolean text) {
        StringBuilder b = new StringBuilder();
        for (IThrowableProxy t = error; t != null; t = t.getCause()) {
            b.append(t == error ? "" : "Caused by: ").append(t.getClassName());
            if (t.getMessage() != null) b.append(": ").append(text ? escape(t.getMessage()) : t.getMessage());
            b.append('\n');
            for (StackTraceElementProxy frame : t.getStackTraceElementProxyArray()) {
                b.append("\tat ").append(frame.getStackTraceElement()).append('\n');
            }
        }
        return b.toString().stripTrailing();
    }
}

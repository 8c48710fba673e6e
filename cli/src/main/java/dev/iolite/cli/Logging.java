package dev.iolite.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Locale;

/** The process's logging: where lines go (standard error), their format and level. Set once per command. */
final class Logging {
    enum Format { TEXT, JSON }

    /** Libraries whose own messages repeat what the server reports in its words; warnings only. */
    private static final List<String> LIBRARIES = List.of("org.eclipse.jetty", "io.javalin", "com.zaxxer.hikari",
            "org.flywaydb", "com.azure", "reactor", "io.netty");

    private Logging() {}

    /**
     * Sends {@code level} and above to standard error in {@code format}; with {@code stackTraces}, errors carry
     * their stack. {@code level} null turns logging off (client commands print their own one-line errors).
     */
    static void configure(Format format, Level level, boolean stackTraces) {
        LoggerContext ctx = (LoggerContext) LoggerFactory.getILoggerFactory();
        ctx.reset();
        Logger root = ctx.getLogger(Logger.ROOT_LOGGER_NAME);
        if (level == null) {
            root.setLevel(Level.OFF);
            return;
        }
        LogEncoder encoder = new LogEncoder(format, stackTraces);
        encoder.setContext(ctx);
        encoder.start();
        ConsoleAppender<ILoggingEvent> console = new ConsoleAppender<>();
        console.setContext(ctx);
        console.setName("stderr");
        console.setTarget("System.err");
        console.setEncoder(encoder);
        console.start();
        root.addAppender(console);
        root.setLevel(level);
        quietLibraries(false);
    }

    /**
     * While the server starts, a failure is reported once, by the command, as one line: the libraries' own
     * error lines (with their stacks) stay out. Afterwards they log warnings again.
     */
    static void quietLibraries(boolean quiet) {
        LoggerContext ctx = (LoggerContext) LoggerFactory.getILoggerFactory();
        Level root = ctx.getLogger(Logger.ROOT_LOGGER_NAME).getLevel();
        for (String name : LIBRARIES) {
            ctx.getLogger(name).setLevel(quiet ? Level.OFF : (root.isGreaterOrEqual(Level.WARN) ? root : Level.WARN));
        }
    }

    static Format format(String name) {
        try {
            return Format.valueOf(name.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--log-format must be text or json, not '" + name + "'");
        }
    }

    static Level level(String name) {
        Level l = Level.toLevel(name, null);
        if (l == null || l == Level.ALL || l == Level.TRACE) {
            throw new IllegalArgumentException("--log-level must be error, warn, info or debug, not '" + name + "'");
        }
        return l;
    }
}

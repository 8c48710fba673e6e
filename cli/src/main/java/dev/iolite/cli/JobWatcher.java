package dev.iolite.cli;

import dev.iolite.client.IotHubResources;
import dev.iolite.client.models.JobResponse;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Waits for a job and shows it: a live progress bar on a terminal, plain lines every few seconds
 * otherwise. Ctrl-C while waiting leaves the job running and says how to watch or cancel it.
 */
final class JobWatcher {
    private static final Duration POLL = Duration.ofMillis(250);
    private static final long PLAIN_EVERY_MS = 2_000;

    private final PrintWriter out;
    private final java.util.function.Supplier<ProgressLine> terminal;
    private ProgressLine progress;
    private long lastPlain;
    private String lastPlainText;
    private java.util.function.UnaryOperator<String> suggest = command -> "iolite " + command;

    /** Plain lines on {@code out}, or, when {@code terminal} is true, a progress line on the process's terminal. */
    JobWatcher(PrintWriter out, boolean terminal) {
        this(out, terminal ? ProgressLine::onSystemTerminal : null);
    }

    /** A progress line made by {@code terminal} (null: plain lines on {@code out}). */
    JobWatcher(PrintWriter out, java.util.function.Supplier<ProgressLine> terminal) {
        this.out = out;
        this.terminal = terminal;
    }

    /** Hints name commands as {@code suggest} writes them, such as with the options that reach the same server. */
    JobWatcher suggesting(java.util.function.UnaryOperator<String> suggest) {
        this.suggest = suggest;
        return this;
    }

    /** True when standard output is a terminal (a progress bar can be redrawn in place). */
    static boolean stdoutIsTerminal() {
        return System.console() != null && System.getenv("TERM") != null && !"dumb".equals(System.getenv("TERM"));
    }

    JobResponse watch(IotHubResources hubs, String resourceGroup, String hub, String jobId) {
        AtomicBoolean done = new AtomicBoolean();
        Thread hint = new Thread(() -> {
            if (done.get()) return;
            out.println();
            out.println("Stopped watching; job " + jobId + " goes on. Watch it with '" + suggest.apply("jobs watch " + jobId)
                    + "' or cancel it with '" + suggest.apply("jobs cancel " + jobId) + "'.");
            out.flush();
        }, "iolite-watch-hint");
        Runtime.getRuntime().addShutdownHook(hint);
        out.flush();
        if (terminal != null) progress = terminal.get();
        try {
            JobResponse last = hubs.waitForCompletion(resourceGroup, hub, jobId, POLL, this::show);
            done.set(true);
            if (progress != null) progress.finish();
            out.flush();
            return last;
        } finally {
            done.set(true);
            if (progress != null) progress.close();
            try {
                Runtime.getRuntime().removeShutdownHook(hint);
            } catch (IllegalStateException e) {
                // the JVM is already stopping (Ctrl-C): the hook runs and prints the hint
            }
        }
    }

    private void show(JobResponse j) {
        if (progress != null) {
            progress.show(j);
            return;
        }
        String text = line(j);
        long now = System.currentTimeMillis();
        boolean terminalState = j.getStatus() != null && j.getStatus().isTerminal();
        if (terminalState || now - lastPlain >= PLAIN_EVERY_MS) {
            if (!text.equals(lastPlainText)) out.println(text);
            out.flush();
            lastPlain = now;
            lastPlainText = text;
        }
    }

    /** One status line: percent, counts, rate and ETA. */
    static String line(JobResponse j) {
        StringBuilder b = new StringBuilder();
        b.append(j.getType()).append(' ').append(j.getStatus()).append(' ');
        b.append(j.getProgress() == null ? "?" : j.getProgress()).append('%');
        if (j.getDevicesProcessed() != null) {
            b.append(String.format("  processed %,d  succeeded %,d  failed %,d", j.getDevicesProcessed(),
                    nz(j.getDevicesSucceeded()), nz(j.getDevicesFailed())));
        }
        if (j.getDevicesPerSecond() != null && j.getDevicesPerSecond() > 0) {
            b.append(String.format("  %,.0f devices/s", j.getDevicesPerSecond()));
        }
        if (j.getEtaSeconds() != null) b.append("  ETA ").append(eta(j.getEtaSeconds()));
        return b.toString();
    }

    private static long nz(Long v) { return v == null ? 0 : v; }

    static String eta(long seconds) {
        return seconds >= 3600 ? String.format("%dh%02dm", seconds / 3600, seconds % 3600 / 60)
                : seconds >= 60 ? String.format("%dm%02ds", seconds / 60, seconds % 60) : seconds + "s";
    }
}

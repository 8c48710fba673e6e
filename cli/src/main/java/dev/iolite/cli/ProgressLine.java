package dev.iolite.cli;

import dev.iolite.client.models.JobResponse;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;
import org.jline.utils.InfoCmp.Capability;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * A job's progress as one line of a terminal, redrawn in place through JLine (carriage return and clear to
 * end of line from the terminal's own capabilities) and never wider than the terminal: read at each redraw,
 * 80 when the terminal does not say. On a narrow terminal the line gives up, in turn, the ETA, the rate, the
 * counts and the bar; the status and percentage stay.
 */
final class ProgressLine implements AutoCloseable {
    static final int DEFAULT_WIDTH = 80;
    private static final int MIN_BAR = 12;
    private static final int MAX_BAR = 32;

    private final Terminal terminal;
    private final boolean owned;
    private boolean drawn;

    /** On {@code terminal}, which the caller keeps (tests give one of a known size). */
    ProgressLine(Terminal terminal) {
        this(terminal, false);
    }

    private ProgressLine(Terminal terminal, boolean owned) {
        this.terminal = terminal;
        this.owned = owned;
    }

    /** On the process's own terminal. */
    static ProgressLine onSystemTerminal() {
        try {
            return new ProgressLine(TerminalBuilder.builder().system(true).dumb(true).build(), true);
        } catch (IOException e) {
            throw new UncheckedIOException("the terminal cannot be opened: " + e.getMessage(), e);
        }
    }

    /** Redraws the line for {@code job}. */
    void show(JobResponse job) {
        show(fit(job, width()));
    }

    /** Redraws the line as {@code text}, which the caller fits to {@link #width()}. */
    void show(String text) {
        terminal.puts(Capability.carriage_return);
        terminal.writer().print(text);
        terminal.puts(Capability.clr_eol);
        terminal.flush();
        drawn = true;
    }

    /** Ends the line, so that what follows starts on the next one. */
    void finish() {
        if (drawn) {
            terminal.writer().println();
            terminal.flush();
            drawn = false;
        }
    }

    int width() {
        int w = terminal.getWidth();
        return w > 0 ? w : DEFAULT_WIDTH;
    }

    @Override
    public void close() {
        finish();
        if (owned) {
            try {
                terminal.close();
            } catch (IOException e) {
                // the terminal goes with the process
            }
        }
    }

    /**
     * The line for {@code job} in at most {@code width - 1} columns (a character in the last column would make
     * some terminals wrap): a bar a quarter of the width, then status and percent and what fits of counts, rate and ETA.
     */
    static String fit(JobResponse job, int width) {
        int room = Math.max(1, width - 1);
        int pct = job.getProgress() == null ? 0 : Math.max(0, Math.min(100, job.getProgress()));
        String head = job.getType() + " " + job.getStatus() + " " + (job.getProgress() == null ? "?" : pct) + "%";
        List<String> extras = new ArrayList<>();
        if (job.getDevicesProcessed() != null) {
            extras.add(String.format("%,d done, %,d failed", job.getDevicesProcessed(),
                    job.getDevicesFailed() == null ? 0 : job.getDevicesFailed()));
        }
        if (job.getDevicesPerSecond() != null && job.getDevicesPerSecond() > 0) {
            extras.add(String.format("%,.0f/s", job.getDevicesPerSecond()));
        }
        if (job.getEtaSeconds() != null) extras.add("ETA " + JobWatcher.eta(job.getEtaSeconds()));
        // The bar's width depends on the terminal's alone, so that it stands still while the numbers change;
        // the text drops from its end (the ETA, then the rate, then the counts) until it fits beside the bar,
        // and the bar goes when not even the status fits beside it.
        int barWidth = Math.max(MIN_BAR, Math.min(MAX_BAR, room / 4));
        if (barWidth + 1 + head.length() > room) barWidth = 0;
        int textRoom = barWidth == 0 ? room : room - barWidth - 1;
        String text = join(head, extras);
        while (!extras.isEmpty() && text.length() > textRoom) {
            extras.remove(extras.size() - 1);
            text = join(head, extras);
        }
        if (barWidth > 0) {
            int inside = barWidth - 2;
            int filled = pct * inside / 100;
            text = "[" + "#".repeat(filled) + "-".repeat(inside - filled) + "] " + text;
        }
        return text.length() > room ? text.substring(0, room) : text;
    }

    private static String join(String head, List<String> extras) {
        StringBuilder b = new StringBuilder(head);
        for (String e : extras) b.append("  ").append(e);
        return b.toString();
    }
}

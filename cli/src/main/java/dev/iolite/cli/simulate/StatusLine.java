package dev.iolite.cli.simulate;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The simulator's live line and its summary. The line puts first what matters most (devices connected,
 * acknowledged messages per second, PUBACK latency of the last window) and drops items from its end until it
 * fits the terminal's width less one column (a character in the last column makes some terminals wrap).
 */
public final class StatusLine {
    private StatusLine() {}

    /** The live line for {@code width} columns: {@code perSecond} acknowledged over the window whose latencies are {@code window}. */
    public static String line(FleetStats s, int devices, double perSecond, Latencies window, int width) {
        List<String> items = new ArrayList<>();
        items.add(String.format(Locale.ROOT, "%,d/%,d connected", s.connected(), devices));
        items.add(String.format(Locale.ROOT, "%,.0f msg/s", perSecond));
        items.add("p50 " + ms(window.quantileMillis(0.5)));
        items.add("p99 " + ms(window.quantileMillis(0.99)));
        items.add(String.format(Locale.ROOT, "methods %,d", s.methods()));
        if (s.disconnects() + s.refused() + s.failedConnects() > 0) {
            items.add(String.format(Locale.ROOT, "lost %,d", s.disconnects() + s.refused() + s.failedConnects()));
        }
        if (s.behind() > 0) items.add(String.format(Locale.ROOT, "behind %,d", s.behind()));
        int room = Math.max(1, width - 1);
        String text = String.join("  ", items);
        while (items.size() > 1 && text.length() > room) {
            items.remove(items.size() - 1);
            text = String.join("  ", items);
        }
        return text.length() > room ? text.substring(0, room) : text;
    }

    /** The summary after a run of {@code seconds}, one figure group per line. */
    public static List<String> summary(FleetStats s, int devices, double seconds) {
        Latencies puback = s.pubackLatency();
        List<String> lines = new ArrayList<>();
        lines.add(String.format(Locale.ROOT, "Simulated %,d devices for %.1f s:", devices, seconds));
        lines.add(String.format(Locale.ROOT, "  connections  %,d accepted, %,d lost, %,d refused, %,d failed", s.connects(),
                s.disconnects(), s.refused(), s.failedConnects()));
        lines.add(String.format(Locale.ROOT, "  telemetry    %,d sent, %,d acknowledged (%,.0f/s), PUBACK p50 %s, p99 %s%s", s.sent(),
                s.acknowledged(), seconds > 0 ? s.acknowledged() / seconds : 0, ms(puback.quantileMillis(0.5)),
                ms(puback.quantileMillis(0.99)), s.behind() > 0 ? String.format(Locale.ROOT, ", %,d behind", s.behind()) : ""));
        lines.add(String.format(Locale.ROOT, "  twins        %,d read (p50 %s), %,d reported, %,d desired, %,d errors",
                s.twinReads(), ms(s.twinReadLatency().quantileMillis(0.5)), s.reportedPatches(), s.desiredPatches(), s.twinErrors()));
        lines.add(String.format(Locale.ROOT, "  methods      %,d answered", s.methods()));
        return lines;
    }

    static String ms(double millis) {
        if (Double.isNaN(millis)) return "-";
        return String.format(Locale.ROOT, millis < 10 ? "%.1f ms" : "%.0f ms", millis);
    }
}

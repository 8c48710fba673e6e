package dev.iolite.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.iolite.client.models.DeviceJobStatistics;
import dev.iolite.client.models.JobResponse;
import dev.iolite.client.models.ScheduledJob;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Prints results in the format of --output: an aligned table, JSON, or tab-separated values.
 * <ul>
 * <li>table: one header line, then one line per record; a cell's tab, newline and carriage return are
 * written as {@code \t}, {@code \n} and {@code \r}, so that a record is one line. Streamed rows
 * ({@link #rows}) take their column widths from the header and the first {@value #MEASURED_ROWS} rows
 * and keep them to the end; a later value wider than its column is printed whole (never cut) and pushes
 * the rest of its line right until a column start has room again, and {@link #rows} says on stderr how
 * many lines did so.</li>
 * <li>tsv: the table's columns in the table's order, no header (as {@code az --output tsv}), one line
 * per record, fields separated by one tab; backslash, tab, newline and carriage return in a value are
 * written {@code \\}, {@code \t}, {@code \n} and {@code \r}. A single record (name: value lines in a
 * table) is one line of its values.</li>
 * <li>json: the result as the API returned it, indented; streamed rows as one array.</li>
 * </ul>
 */
final class Printer {
    /** How many streamed rows set the column widths of a table. */
    static final int MEASURED_ROWS = 1000;

    private static final ObjectMapper JSON = new ObjectMapper().registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS).enable(SerializationFeature.INDENT_OUTPUT);

    private final PrintWriter out;
    private final Connection.Output format;

    /** While {@link #rows} streams: the widths the first table fixed (null before it), and lines that overflowed. */
    private boolean streaming;
    private int[] fixedWidths;
    private long overflowed;

    Printer(PrintWriter out, Connection.Output format) {
        this.out = out;
        this.format = format == null ? Connection.Output.table : format;
    }

    /** One value as single-line JSON. */
    static String compact(Object value) {
        try {
            return JSON.writer().without(SerializationFeature.INDENT_OUTPUT).writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a result could not be written as JSON; this indicates a bug", e);
        }
    }

    boolean json() { return format == Connection.Output.json; }

    boolean tsv() { return format == Connection.Output.tsv; }

    /** True for the table format, the one for people: hints and prose go with it, not with json or tsv. */
    boolean human() { return format == Connection.Output.table; }

    void json(Object value) {
        try {
            out.println(JSON.writeValueAsString(value));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a result could not be written as JSON; this indicates a bug", e);
        }
        out.flush();
    }

    /**
     * Streams rows: as one JSON array (never held whole in memory), or through {@code table}, called with
     * chunks of at most {@value #MEASURED_ROWS} rows, whose {@link #table} calls make one table: the first
     * prints the header and fixes the widths, the later ones print rows only. Returns how many rows there
     * were.
     */
    static <T> long rows(PrintWriter out, Printer p, Iterable<T> rows, java.util.function.BiConsumer<Printer, List<T>> table) {
        return rows(out, null, p, rows, table);
    }

    /** As {@link #rows(PrintWriter, Printer, Iterable, java.util.function.BiConsumer)}, noting overflowed lines on {@code err}. */
    static <T> long rows(PrintWriter out, PrintWriter err, Printer p, Iterable<T> rows,
                         java.util.function.BiConsumer<Printer, List<T>> table) {
        long n = 0;
        if (p.json()) {
            out.print("[");
            for (T row : rows) {
                out.print(n == 0 ? "\n" : ",\n");
                out.print(compact(row));
                n++;
            }
            out.println(n == 0 ? "]" : "\n]");
            out.flush();
            return n;
        }
        p.streaming = true;
        p.fixedWidths = null;
        p.overflowed = 0;
        try {
            List<T> chunk = new ArrayList<>();
            for (T row : rows) {
                chunk.add(row);
                n++;
                if (chunk.size() == MEASURED_ROWS) {
                    table.accept(p, chunk);
                    chunk.clear();
                }
            }
            if (!chunk.isEmpty() || n == 0) table.accept(p, chunk);
            out.flush();
            if (p.overflowed > 0 && err != null) {
                err.printf("iolite: %,d %s a value wider than its column (widths are set by the first %,d rows), "
                        + "shifted right there; -o tsv or -o json print the fields unpadded%n", p.overflowed,
                        p.overflowed == 1 ? "line holds" : "lines hold", MEASURED_ROWS);
                err.flush();
            }
            return n;
        } finally {
            p.streaming = false;
            p.fixedWidths = null;
        }
    }

    /** How many lines of the last streamed table held a value wider than its column. */
    long overflowed() { return overflowed; }

    /**
     * A table with a header row, columns padded to their widest cell; in tsv, the rows alone. Within
     * {@link #rows}, the calls after the first continue its table: same widths, no header.
     */
    void table(List<String> header, List<List<String>> rows) {
        if (tsv()) {
            for (List<String> r : rows) out.println(tsvLine(r));
            out.flush();
            return;
        }
        if (streaming && fixedWidths != null) {
            for (List<String> r : rows) printRow(r, fixedWidths);
            out.flush();
            return;
        }
        int[] width = new int[header.size()];
        measure(width, header);
        for (List<String> r : rows) measure(width, r);
        printRow(header, width);
        for (List<String> r : rows) printRow(r, width);
        if (streaming) fixedWidths = width;
        out.flush();
    }

    private static void measure(int[] width, List<String> row) {
        for (int i = 0; i < row.size() && i < width.length; i++) width[i] = Math.max(width[i], length(tableCell(row.get(i))));
    }

    /**
     * One line: each cell starts at its column (the widths before it plus two spaces each), or two spaces
     * after the cell before when that one is wider than its column.
     */
    private void printRow(List<String> row, int[] width) {
        StringBuilder line = new StringBuilder();
        int used = 0;
        int column = 0;
        boolean over = false;
        for (int i = 0; i < row.size(); i++) {
            String c = tableCell(row.get(i));
            if (i > 0) {
                int gap = Math.max(2, column - used);
                line.append(" ".repeat(gap));
                used += gap;
            }
            line.append(c);
            int w = length(c);
            used += w;
            if (i < width.length) {
                if (i < row.size() - 1 && w > width[i]) over = true;
                column += width[i] + 2;
            }
        }
        if (over) overflowed++;
        out.println(line.toString().stripTrailing());
    }

    /** Name: value lines; in tsv, one line of the values. */
    void fields(List<String> names, List<String> values) {
        if (tsv()) {
            out.println(tsvLine(values));
            out.flush();
            return;
        }
        int w = names.stream().mapToInt(String::length).max().orElse(0);
        for (int i = 0; i < names.size(); i++) {
            out.println(names.get(i) + ":" + " ".repeat(w - names.get(i).length() + 1) + tableCell(values.get(i)));
        }
        out.flush();
    }

    /**
     * One record in every format: {@code record} as JSON, its values as a tsv line, or {@code text} for
     * a person. For results such as {@code deleted device X}.
     */
    void record(String text, Map<String, ?> record) {
        if (json()) {
            json(record);
        } else if (tsv()) {
            out.println(tsvLine(record.values().stream().map(Printer::str).toList()));
            out.flush();
        } else {
            line(text);
        }
    }

    /** Names and values, alternating, as a map that keeps their order (for {@link #record} and {@link #json(Object)}). */
    static Map<String, Object> ordered(Object... namesAndValues) {
        Map<String, Object> m = new java.util.LinkedHashMap<>();
        for (int i = 0; i + 1 < namesAndValues.length; i += 2) m.put((String) namesAndValues[i], namesAndValues[i + 1]);
        return m;
    }

    void line(String text) {
        out.println(text);
        out.flush();
    }

    void job(JobResponse j) {
        if (json()) {
            json(j);
            return;
        }
        fields(List.of("job", "type", "status", "progress", "processed", "succeeded", "failed", "rate",
                        "started", "ended", "input", "output", "failure"),
                List.of(j.getJobId(), str(j.getType()), str(j.getStatus()), str(j.getProgress()) + "%",
                        str(j.getDevicesProcessed()), str(j.getDevicesSucceeded()), str(j.getDevicesFailed()),
                        j.getDevicesPerSecond() == null ? "" : String.format("%,.0f devices/s", j.getDevicesPerSecond()),
                        str(j.getStartTimeUtc()), str(j.getEndTimeUtc()), str(j.getInputBlobUri()),
                        str(j.getOutputBlobUri()), str(j.getFailureReason())));
    }

    /**
     * A scheduled job (jobs v2): what it does, to which devices, when, and its device counts; {@code errors} sums up
     * the failed devices' error codes (empty when none failed or they were not read).
     */
    void scheduledJob(ScheduledJob j, String errors) {
        if (json()) {
            json(j);
            return;
        }
        DeviceJobStatistics s = j.getDeviceJobStatistics();
        fields(List.of("job", "type", "status", "condition", "action", "start", "ended", "devices", "succeeded", "failed",
                        "pending", "errors", "failure"),
                List.of(j.getJobId(), str(j.getType()), str(j.getStatus()), str(j.getQueryCondition()), action(j),
                        str(j.getStartTime()), str(j.getEndTime()), s == null ? "" : str(s.getDeviceCount()),
                        s == null ? "" : str(s.getSucceededCount()), s == null ? "" : str(s.getFailedCount()),
                        s == null ? "" : str(s.getPendingCount()), errors, str(j.getFailureReason())));
    }

    /** A method job's call ({@code reboot {"delay":5}}), or a twin job's patch without its etag. */
    private static String action(ScheduledJob j) {
        com.fasterxml.jackson.databind.JsonNode m = j.getCloudToDeviceMethod();
        if (m != null) return m.path("methodName").asText() + " " + compact(m.path("payload"));
        if (j.getUpdateTwin() instanceof com.fasterxml.jackson.databind.node.ObjectNode t) {
            com.fasterxml.jackson.databind.node.ObjectNode patch = t.deepCopy();
            patch.remove("etag");
            return compact(patch);
        }
        return "";
    }

    static String str(Object o) { return o == null ? "" : o.toString(); }

    /** Fields joined by tabs, each escaped so that the line splits back into them. */
    static String tsvLine(List<String> fields) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < fields.size(); i++) {
            if (i > 0) b.append('\t');
            String s = fields.get(i);
            if (s == null) continue;
            for (int k = 0; k < s.length(); k++) {
                char ch = s.charAt(k);
                switch (ch) {
                    case '\\' -> b.append("\\\\");
                    case '\t' -> b.append("\\t");
                    case '\n' -> b.append("\\n");
                    case '\r' -> b.append("\\r");
                    default -> b.append(ch);
                }
            }
        }
        return b.toString();
    }

    /** A cell as a table shows it: on one line. */
    static String tableCell(String s) {
        if (s == null) return "";
        if (s.indexOf('\t') < 0 && s.indexOf('\n') < 0 && s.indexOf('\r') < 0) return s;
        return s.replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r");
    }

    private static int length(String s) { return s.codePointCount(0, s.length()); }
}

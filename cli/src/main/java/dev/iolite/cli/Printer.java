package dev.iolite.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.iolite.client.models.JobResponse;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

/** Prints results as an aligned table or as JSON (--output). */
final class Printer {
    private static final ObjectMapper JSON = new ObjectMapper().registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS).enable(SerializationFeature.INDENT_OUTPUT);

    private final PrintWriter out;
    private final Connection.Output format;

    Printer(PrintWriter out, Connection.Output format) {
        this.out = out;
        this.format = format;
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

    void json(Object value) {
        try {
            out.println(JSON.writeValueAsString(value));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a result could not be written as JSON; this indicates a bug", e);
        }
        out.flush();
    }

    /**
     * Streams rows: as one JSON array (never held whole in memory), or as tables of at most a thousand
     * rows each, drawn by {@code table}. Returns how many rows there were.
     */
    static <T> long rows(PrintWriter out, Printer p, Iterable<T> rows, java.util.function.BiConsumer<Printer, List<T>> table) {
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
        List<T> chunk = new ArrayList<>();
        for (T row : rows) {
            chunk.add(row);
            n++;
            if (chunk.size() == 1000) {
                table.accept(p, chunk);
                chunk.clear();
            }
        }
        if (!chunk.isEmpty() || n == 0) table.accept(p, chunk);
        out.flush();
        return n;
    }

    /** A table with a header row; columns are padded to their widest cell. */
    void table(List<String> header, List<List<String>> rows) {
        List<List<String>> all = new ArrayList<>();
        all.add(header);
        all.addAll(rows);
        int[] width = new int[header.size()];
        for (List<String> r : all) {
            for (int i = 0; i < r.size(); i++) width[i] = Math.max(width[i], cell(r.get(i)).length());
        }
        for (List<String> r : all) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < r.size(); i++) {
                String c = cell(r.get(i));
                line.append(c);
                if (i < r.size() - 1) line.append(" ".repeat(width[i] - c.length() + 2));
            }
            out.println(line.toString().stripTrailing());
        }
        out.flush();
    }

    /** Name: value lines. */
    void fields(List<String> names, List<String> values) {
        int w = names.stream().mapToInt(String::length).max().orElse(0);
        for (int i = 0; i < names.size(); i++) {
            out.println(names.get(i) + ":" + " ".repeat(w - names.get(i).length() + 1) + cell(values.get(i)));
        }
        out.flush();
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

    static String str(Object o) { return o == null ? "" : o.toString(); }

    private static String cell(String s) { return s == null ? "" : s; }
}

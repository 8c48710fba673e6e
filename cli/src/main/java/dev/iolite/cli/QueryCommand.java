package dev.iolite.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.iolite.server.query.QueryCompiler;
import dev.iolite.server.query.Selection;
import dev.iolite.server.query.TwinQuery;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;

/** {@code iolite query}: IoT Hub's query language over a hub's device and module twins. */
@Command(name = "query", mixinStandardHelpOptions = true,
        description = {"Run a query of IoT Hub's query language over the hub's twins, page by page.",
                "Examples:",
                "  iolite query \"SELECT * FROM devices WHERE tags.site = 'north'\"",
                "  iolite query \"SELECT tags.site, COUNT() AS n FROM devices GROUP BY tags.site\"",
                "  iolite query \"SELECT deviceId, moduleId FROM devices.modules\" -o json"})
final class QueryCommand implements Callable<Integer> {
    @Mixin
    Connection conn;

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "QUERY", description = "The query, in quotes.")
    String query;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Iterable<JsonNode> rows = DeviceCommand.registry(conn).query(query);
        Columns columns = Columns.of(query);
        long n = Printer.rows(out, err, new Printer(out, conn.output), rows, columns::table);
        err.printf("%,d rows%n", n);
        return 0;
    }

    /**
     * The columns of a query's table (and tsv), fixed for the whole output: the SELECT list in its order,
     * read from the query itself because a row leaves out the values it does not have; whole twins
     * ({@code SELECT *}) by their id, status, version and tags. A query this build cannot read (the
     * server's may be newer) takes its columns from the members of the first rows, in the order they
     * first appear.
     */
    static final class Columns {
        private List<String> names;

        private Columns(List<String> names) { this.names = names; }

        static Columns of(String query) {
            TwinQuery q;
            try {
                q = QueryCompiler.compile(query);
            } catch (RuntimeException e) {
                return new Columns(null);  // the server says what is wrong, or knows more of the language
            }
            if (q.selection() instanceof Selection.Properties p) return new Columns(names(p.columns()));
            if (q.selection() instanceof Selection.Aggregate a) return new Columns(names(a.columns()));
            List<String> twin = new ArrayList<>(List.of("deviceId"));
            if (q.source() == TwinQuery.Source.MODULES) twin.add("moduleId");
            twin.addAll(List.of("status", "version", "tags"));
            return new Columns(twin);
        }

        private static List<String> names(List<Selection.Column> columns) {
            return columns.stream().map(Selection.Column::name).toList();
        }

        /** The chunk's rows in these columns; the first chunk fixes them when the query did not. */
        void table(Printer p, List<JsonNode> chunk) {
            if (names == null) names = firstSeen(chunk);
            List<List<String>> cells = new ArrayList<>();
            for (JsonNode r : chunk) {
                List<String> row = new ArrayList<>();
                for (String name : names) {
                    JsonNode v = r.get(name);
                    row.add(v == null ? "" : v.isValueNode() && !v.isNull() ? v.asText() : v.toString());
                }
                cells.add(row);
            }
            p.table(names.stream().map(QueryCommand::header).toList(), cells);
        }

        private static List<String> firstSeen(List<JsonNode> chunk) {
            boolean twins = !chunk.isEmpty() && chunk.get(0).has("etag") && chunk.get(0).has("properties");
            Set<String> names = new LinkedHashSet<>();
            if (twins) {
                names.add("deviceId");
                for (JsonNode r : chunk) if (r.has("moduleId")) names.add("moduleId");
                names.addAll(List.of("status", "version", "tags"));
            } else {
                for (JsonNode r : chunk) for (Iterator<String> it = r.fieldNames(); it.hasNext(); ) names.add(it.next());
            }
            return List.copyOf(names);
        }
    }

    private static final Map<String, String> HEADERS = Map.of("deviceId", "DEVICE", "moduleId", "MODULE");

    private static String header(String name) {
        return HEADERS.getOrDefault(name, name.toUpperCase(java.util.Locale.ROOT));
    }
}

package dev.iolite.cli;

import com.fasterxml.jackson.databind.JsonNode;
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
        Iterable<JsonNode> rows = DeviceCommand.registry(conn).query(query);
        long n = Printer.rows(out, new Printer(out, conn.output), rows, QueryCommand::table);
        spec.commandLine().getErr().printf("%,d rows%n", n);
        return 0;
    }

    /**
     * A chunk of rows as a table: whole twins by their id, status and tags; anything else by the
     * members the rows have, in the order they first appear.
     */
    static void table(Printer p, List<JsonNode> chunk) {
        boolean twins = !chunk.isEmpty() && chunk.get(0).has("etag") && chunk.get(0).has("properties");
        Set<String> names = new LinkedHashSet<>();
        if (twins) {
            names.add("deviceId");
            for (JsonNode r : chunk) if (r.has("moduleId")) names.add("moduleId");
            names.addAll(List.of("status", "version", "tags"));
        } else {
            for (JsonNode r : chunk) for (Iterator<String> it = r.fieldNames(); it.hasNext(); ) names.add(it.next());
        }
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

    private static final Map<String, String> HEADERS = Map.of("deviceId", "DEVICE", "moduleId", "MODULE");

    private static String header(String name) {
        return HEADERS.getOrDefault(name, name.toUpperCase(java.util.Locale.ROOT));
    }
}

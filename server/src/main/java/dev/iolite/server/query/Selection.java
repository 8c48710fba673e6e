package dev.iolite.server.query;

import java.util.List;

/** What a query returns for each result row. */
public sealed interface Selection {

    /** {@code SELECT *}: whole twins. */
    record All() implements Selection {}

    /** A projection: one object per twin with the named properties (an undefined one is left out). */
    record Properties(List<Column> columns) implements Selection {}

    /** COUNT(), alone or with GROUP BY keys: one object per group. */
    record Aggregate(List<Column> columns) implements Selection {}

    /**
     * One member of a result object.
     *
     * @param name  the member's name: the alias, else the path's last segment, else {@code $1}... for COUNT()
     * @param path  the twin path a projection reads (null for COUNT())
     * @param value what the path means to the store (null for COUNT())
     */
    record Column(String name, List<String> path, Operand value) {
        public boolean isCount() { return value == null; }
    }
}

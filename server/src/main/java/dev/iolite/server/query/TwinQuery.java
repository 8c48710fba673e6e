package dev.iolite.server.query;

import java.util.List;

/**
 * A query of IoT Hub's language, checked and ready to run: where from, what to return, which rows and
 * how to group them. Made by {@link QueryCompiler}; stores translate it to their SQL.
 *
 * @param text      the query as the caller wrote it (what continuation tokens are bound to)
 * @param source    devices or module identities
 * @param selection what each result row holds
 * @param where     which rows match (in negation normal form: no NOT above a comparison); null for all
 * @param groupBy   the grouping keys of an aggregate query, empty otherwise
 * @param top       the most rows the whole result may hold, across pages; null for no limit
 */
public record TwinQuery(String text, Source source, Selection selection, Condition where, List<Operand> groupBy, Long top) {

    /** The collection a query reads. */
    public enum Source {
        /** {@code FROM devices}: device twins, never module twins. */
        DEVICES,
        /** {@code FROM devices.modules}: module twins. */
        MODULES,
        /** {@code FROM devices.jobs}: the rows of scheduled jobs, one per device each job reached ({@code SELECT *} only). */
        JOBS;

        /** The twin collections (every source but the jobs' rows). */
        public static final java.util.List<Source> TWINS = java.util.List.of(DEVICES, MODULES);
    }

    /** The same query counting its rows ({@code SELECT COUNT() AS n}): one group, whatever it selected. */
    public TwinQuery counting() {
        return new TwinQuery(text, source, new Selection.Aggregate(List.of(new Selection.Column("n", null, null))), where,
                List.of(), null);
    }

    /** Whether rows are counted (COUNT, GROUP BY) rather than returned one per twin. */
    public boolean isAggregate() { return selection instanceof Selection.Aggregate; }
}

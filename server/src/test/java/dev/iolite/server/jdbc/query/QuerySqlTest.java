package dev.iolite.server.jdbc.query;

import dev.iolite.server.jdbc.dialect.JsonSql;
import dev.iolite.server.jdbc.dialect.SqlDialect;
import dev.iolite.server.jdbc.dialect.SqlText;

import dev.iolite.server.errors.IoliteException;
import dev.iolite.server.query.QueryCompiler;
import dev.iolite.server.query.QueryLimits;
import dev.iolite.server.query.TwinQuery;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.function.IntFunction;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The SQL a query compiles to grows at most linearly with its text, on both dialects: nested functions,
 * arithmetic, NOT, long AND/OR chains and IN lists never copy an argument's SQL. Each family of queries is
 * compiled at growing sizes, up to the limits, and its SQL and parameters are held to a constant times the
 * query's length.
 */
class QuerySqlTest {
    /** SQL characters per query character: generous, but a doubling per level passes it within a few levels. */
    private static final int SQL_PER_CHAR = 200;
    private static final int PARAMS_PER_CHAR = 2;

    private static final List<IntFunction<String>> FAMILIES = List.of(
            n -> "SQUARE(".repeat(n) + "tags.n" + ")".repeat(n) + " > 1",
            n -> "ROUND(".repeat(n) + "tags.n" + ")".repeat(n) + " > 1",
            n -> "(".repeat(n) + "tags.n" + " % 3)".repeat(n) + " > 1",
            n -> "(".repeat(n) + "tags.n" + " * tags.m)".repeat(n) + " > 1",
            n -> "ABS(".repeat(n) + "tags.n - properties.desired.x" + ")".repeat(n) + " = properties.reported.y",
            n -> "LENGTH(" + "CONCAT(".repeat(n) + "tags.s" + ", tags.t)".repeat(n) + ") > 3",
            n -> "NOT (".repeat(n) + "tags.a = tags.b" + " OR tags.c < 1)".repeat(n),
            n -> "IS_PRIMITIVE(" + "SQUARE(".repeat(n) + "tags.n" + ")".repeat(n) + ")",
            n -> "SQUARE(".repeat(n) + "tags.n" + ")".repeat(n) + " IN [1, 2, 'a', true, null, 3.5]",
            n -> "NOT (" + "SQUARE(".repeat(n) + "tags.n" + ")".repeat(n) + " NIN [1, 2, 4, 8])",
            n -> "tags.v IN [" + "1, 'x', ".repeat(n * 20) + "null]",
            n -> "tags.a = 1" + " OR tags.a = 'x' AND tags.b != tags.c".repeat(n * 5));

    @Test
    void sqlAndParametersGrowLinearlyWithTheQueryOnBothDialects() {
        for (JsonSql json : List.of(SqlDialect.sqlite().json(), SqlDialect.postgresql().json())) {
            QuerySql sql = new QuerySql(json);
            for (IntFunction<String> family : FAMILIES) {
                for (int n = 1; n < QueryLimits.MAX_DEPTH - 2; n++) {
                    String text = "SELECT * FROM devices WHERE " + family.apply(n);
                    TwinQuery q = QueryCompiler.compile(text);
                    SqlText where = sql.where(q);
                    assertThat(where.text().length()).as("%s: %s", json.getClass().getSimpleName(), text)
                            .isLessThanOrEqualTo(SQL_PER_CHAR * text.length());
                    assertThat(where.parameterCount()).as("%s: %s", json.getClass().getSimpleName(), text)
                            .isLessThanOrEqualTo(PARAMS_PER_CHAR * text.length());
                }
            }
        }
    }

    @Test
    void nestingPastTheLimitIsRefusedNamingIt() {
        String deep = "SELECT * FROM devices WHERE " + "SQUARE(".repeat(QueryLimits.MAX_DEPTH) + "tags.n"
                + ")".repeat(QueryLimits.MAX_DEPTH) + " > 1";
        assertThatThrownBy(() -> QueryCompiler.compile(deep)).isInstanceOf(IoliteException.class)
                .hasMessageContaining("the limit is " + QueryLimits.MAX_DEPTH);
    }
}

package dev.iolite.server.query;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.iolite.server.errors.IoliteException;
import dev.iolite.server.query.Condition.Comparison;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The compiler from text to a checked query: precedence, NOT folding, literals, property paths and names. */
class QueryCompilerTest {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private static Condition where(String condition) {
        return QueryCompiler.compile("SELECT * FROM devices WHERE " + condition).where();
    }

    private static Operand.Json tag(String... path) {
        return new Operand.Json(Operand.Document.TAGS, List.of(path));
    }

    private static Condition.Compare cmp(Comparison op, Operand left, Object right) {
        return new Condition.Compare(op, left, new Operand.Literal(right instanceof String s ? NODES.textNode(s)
                : right instanceof Boolean b ? NODES.booleanNode(b) : NODES.numberNode(((Number) right).longValue())));
    }

    @Test
    void andBindsTighterThanOrAndParenthesesRegroup() {
        assertThat(where("tags.a = 1 OR tags.b = 2 AND tags.c = 3")).isEqualTo(new Condition.Or(List.of(
                cmp(Comparison.EQ, tag("a"), 1),
                new Condition.And(List.of(cmp(Comparison.EQ, tag("b"), 2), cmp(Comparison.EQ, tag("c"), 3))))));
        assertThat(where("(tags.a = 1 OR tags.b = 2) AND tags.c = 3")).isEqualTo(new Condition.And(List.of(
                new Condition.Or(List.of(cmp(Comparison.EQ, tag("a"), 1), cmp(Comparison.EQ, tag("b"), 2))),
                cmp(Comparison.EQ, tag("c"), 3))));
        // arithmetic binds tighter than comparison, * tighter than +
        assertThat(where("tags.a + 2 * 3 > 7")).isEqualTo(new Condition.Compare(Comparison.GT,
                new Operand.Arithmetic('+', tag("a"), new Operand.Arithmetic('*',
                        new Operand.Literal(NODES.numberNode(2L)), new Operand.Literal(NODES.numberNode(3L)))),
                new Operand.Literal(NODES.numberNode(7L))));
    }

    @Test
    void notIsFoldedIntoTheComparisonsAndListsBelowIt() {
        assertThat(where("NOT (tags.a = 1 AND tags.b IN [1, 'x'])")).isEqualTo(new Condition.Or(List.of(
                cmp(Comparison.NE, tag("a"), 1),
                new Condition.In(tag("b"), List.of(NODES.numberNode(1L), NODES.textNode("x")), true))));
        assertThat(where("NOT tags.a < 1")).isEqualTo(cmp(Comparison.GE, tag("a"), 1));
        assertThat(where("NOT NOT tags.a <> 1")).isEqualTo(cmp(Comparison.NE, tag("a"), 1));
        assertThat(where("NOT tags.a NIN [2]")).isEqualTo(new Condition.In(tag("a"), List.of(NODES.numberNode(2L)), false));
        assertThat(where("NOT IS_DEFINED(tags.a)")).isEqualTo(new Condition.Test(Function.IS_DEFINED, List.of(tag("a")), true));
        assertThat(where("NOT tags.flag")).isEqualTo(cmp(Comparison.NE, tag("flag"), true));
    }

    @Test
    void stringsUnescapeInEitherQuotesAndNumbersKeepTheirKind() {
        for (String literal : List.of("'it''s'", "'it\\'s'", "\"it's\"", "'\\u0069t\\u0027s'")) {
            assertThat(where("tags.a = " + literal)).as(literal).isEqualTo(cmp(Comparison.EQ, tag("a"), "it's"));
        }
        assertThat(where("tags.a = \"say \\\"hi\\\" \\\\ bye\"")).isEqualTo(cmp(Comparison.EQ, tag("a"), "say \"hi\" \\ bye"));
        Condition.Compare c = (Condition.Compare) where("tags.a = -1.5e2");
        assertThat(((Operand.Literal) c.right()).value().doubleValue()).isEqualTo(-150.0);
        assertThat(((Operand.Literal) ((Condition.Compare) where("tags.a = 12")).right()).value().isIntegralNumber()).isTrue();
        assertThat(((Operand.Literal) ((Condition.Compare) where("tags.a = null")).right()).value().isNull()).isTrue();
    }

    @Test
    void pathsResolveToColumnsDocumentsConstantsOrNothing() {
        assertThat(((Condition.Compare) where("deviceId = 'd'")).left()).isEqualTo(new Operand.Field(TwinField.DEVICE_ID));
        assertThat(((Condition.Compare) where("capabilities.iotEdge = true")).left()).isEqualTo(new Operand.Field(TwinField.IOT_EDGE));
        assertThat(((Condition.Compare) where("properties.desired.a.b = 1")).left())
                .isEqualTo(new Operand.Json(Operand.Document.DESIRED, List.of("a", "b")));
        assertThat(((Condition.Compare) where("properties.reported.[[group]] = 1")).left())
                .isEqualTo(new Operand.Json(Operand.Document.REPORTED, List.of("group")));
        assertThat(((Condition.Compare) where("properties.desired.$version = 1")).left()).isEqualTo(new Operand.Field(TwinField.VERSION));
        assertThat(((Condition.Compare) where("connectionState = 'x'")).left()).isEqualTo(new Operand.Field(TwinField.CONNECTION_STATE));
        assertThat(((Condition.Compare) where("lastActivityTime > '2026-01-01T00:00:00Z'")).left())
                .isEqualTo(new Operand.Field(TwinField.LAST_ACTIVITY_TIME));
        // undefined: unknown names, paths below a scalar, a module's id in FROM devices
        for (String undefined : List.of("nothing", "deviceId.x", "moduleId", "Tags.a")) {
            assertThat(((Condition.Compare) where(undefined + " = 1")).left()).as(undefined).isEqualTo(new Operand.Undefined());
        }
        TwinQuery modules = QueryCompiler.compile("select * from DEVICES.MODULES where moduleId = 'm'");
        assertThat(modules.source()).isEqualTo(TwinQuery.Source.MODULES);
        assertThat(((Condition.Compare) modules.where()).left()).isEqualTo(new Operand.Field(TwinField.MODULE_ID));
        // the etag and statusUpdateTime become the twin version and epoch milliseconds
        assertThat(where("etag = 'AAAAAAAAAAc='")).isEqualTo(cmp(Comparison.EQ, new Operand.Field(TwinField.VERSION), 7));
        assertThat(where("'AAAAAAAAAAc=' != etag")).isEqualTo(cmp(Comparison.NE, new Operand.Field(TwinField.VERSION), 7));
        assertThat(where("etag = 'not an etag'")).isEqualTo(new Condition.Constant(false));
        assertThat(where("'2026-01-01T00:00:00Z' < statusUpdateTime"))
                .isEqualTo(cmp(Comparison.GT, new Operand.Field(TwinField.STATUS_UPDATE_TIME), 1767225600000L));
    }

    @Test
    void selectedValuesAreNamedByAliasLastSegmentOrPosition() {
        TwinQuery q = QueryCompiler.compile("SELECT TOP 3 deviceId, tags.location.region, tags.a AS b FROM devices");
        assertThat(q.top()).isEqualTo(3L);
        assertThat(((Selection.Properties) q.selection()).columns()).extracting(Selection.Column::name)
                .containsExactly("deviceId", "region", "b");
        TwinQuery g = QueryCompiler.compile("SELECT tags.site, COUNT(), COUNT() AS n FROM devices GROUP BY tags.site");
        assertThat(((Selection.Aggregate) g.selection()).columns()).extracting(Selection.Column::name)
                .containsExactly("site", "$1", "n");
        assertThat(g.groupBy()).containsExactly(tag("site"));
    }

    @Test
    void problemsNameTheirLineAndColumn() {
        assertThatThrownBy(() -> QueryCompiler.compile("SELECT * FROM devices\nWHERE NOPE(1)"))
                .isInstanceOf(IoliteException.class).hasMessageContaining("line 2, column 7").hasMessageContaining("NOPE");
        assertThatThrownBy(() -> QueryCompiler.compile("SELECT * FROM devices WHERE tags.a = 'x\\q'"))
                .hasMessageContaining("line 1, column 38").hasMessageContaining("unknown escape");
        assertThatThrownBy(() -> QueryCompiler.compile("SELECT * FROM devices WHERE IS_DEFINED(tags.a) = true"))
                .hasMessageContaining("is a condition");
        assertThatThrownBy(() -> QueryCompiler.compile("SELECT * FROM devices WHERE statusUpdateTime + 1 > 2"))
                .hasMessageContaining("only be compared with a literal");
    }
}

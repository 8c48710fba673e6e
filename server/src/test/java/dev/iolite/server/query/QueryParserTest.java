package dev.iolite.server.query;

import dev.iolite.server.errors.IoliteException;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class QueryParserTest {
    private static DeviceQueryParser.ExpressionContext where(String condition) {
        return QueryParser.parse("SELECT * FROM devices WHERE " + condition).where;
    }

    @Test
    void andBindsTighterThanOrAndNotLooserThanAComparison() {
        DeviceQueryParser.ExpressionContext e = where("a = 1 OR b = 2 AND c = 3");
        assertThat(e).isInstanceOf(DeviceQueryParser.OrContext.class);
        assertThat(((DeviceQueryParser.OrContext) e).right).isInstanceOf(DeviceQueryParser.AndContext.class);

        DeviceQueryParser.ExpressionContext not = where("NOT status = 'enabled'");
        assertThat(not).isInstanceOf(DeviceQueryParser.NotContext.class);
        assertThat(((DeviceQueryParser.NotContext) not).expression()).isInstanceOf(DeviceQueryParser.ComparisonContext.class);

        DeviceQueryParser.ExpressionContext sum = where("properties.reported.n + 2 * 3 > 7");
        DeviceQueryParser.ComparisonContext c = (DeviceQueryParser.ComparisonContext) sum;
        assertThat(c.left).isInstanceOf(DeviceQueryParser.AdditiveContext.class);
    }

    @Test
    void everyClauseParsesKeywordsInAnyCase() {
        DeviceQueryParser.QueryContext q = QueryParser.parse(
                "select top 10 tags.site AS site, count() as n from devices.modules where moduleId in ['a', 'b'] "
                        + "GROUP BY tags.site");
        assertThat(q.top.getText()).isEqualTo("10");
        assertThat(q.collection().getText()).isEqualTo("devices.modules");
        assertThat(q.groups).extracting(DeviceQueryParser.PathContext::getText).containsExactly("tags.site");
        assertThat(q.where).isInstanceOf(DeviceQueryParser.MembershipContext.class);
        assertThat(((DeviceQueryParser.SelectItemsContext) q.selection()).items).hasSize(2);
    }

    @Test
    void stringsKeepTheirEscapedQuotes() {
        DeviceQueryParser.ComparisonContext c = (DeviceQueryParser.ComparisonContext) where("tags.name = 'O''Brien\\'s'");
        assertThat(c.right.getText()).isEqualTo("'O''Brien\\'s'");
        assertThat(where("IS_DEFINED(tags.site) AND STARTSWITH(deviceId, \"dev-\")"))
                .isInstanceOf(DeviceQueryParser.AndContext.class);
    }

    @Test
    void aQueryThatDoesNotParseIsA400NamingWhere() {
        assertThatThrownBy(() -> QueryParser.parse("SELECT * FROM devices WHERE status = "))
                .isInstanceOf(IoliteException.class).hasMessageContaining("line 1, column 38");
        assertThatThrownBy(() -> QueryParser.parse("SELECT FROM devices")).isInstanceOf(IoliteException.class)
                .hasMessageContaining("column 8");
        assertThatThrownBy(() -> QueryParser.parse("SELECT * FROM devices WHERE name = 'open"))
                .isInstanceOf(IoliteException.class).hasMessageContaining("does not parse");
        assertThatThrownBy(() -> QueryParser.parse(" ")).hasMessageContaining("empty");
    }
}

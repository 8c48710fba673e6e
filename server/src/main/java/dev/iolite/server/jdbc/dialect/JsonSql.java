package dev.iolite.server.jdbc.dialect;

import dev.iolite.server.query.TwinField.Type;

import java.util.ArrayList;
import java.util.List;

/**
 * How a dialect reads a place in a JSON document column, and the few string functions whose names
 * differ. Every method writes SQL into a {@link SqlText}, binding the path as a parameter, so that no
 * text of a query ever becomes SQL text.
 */
public interface JsonSql {

    /** True when the value at {@code path} in {@code column} exists and has JSON type {@code type}; null counts as false. */
    default void isType(SqlText sql, String column, List<String> path, Type type) {
        sql.append("COALESCE(");
        typeOf(sql, column, path);
        sql.append(" " + typeTest(type) + ", FALSE)");
    }

    /** The dialect's name for the JSON type of the value at {@code path} (null when undefined). */
    void typeOf(SqlText sql, String column, List<String> path);

    /** The test of a {@link #typeOf} result for one type, such as {@code = 'text'}. */
    String typeTest(Type type);

    /** True when the value at {@code path} exists (of any type, null included). */
    void isDefined(SqlText sql, String column, List<String> path);

    /**
     * The value at {@code path} as an SQL value of the type: text, a number, or 1/0 for booleans.
     * Only meaningful where {@link #isType} holds; it may be null or anything elsewhere, but never an error.
     */
    void value(SqlText sql, String column, List<String> path, Type type);

    /**
     * The value at {@code path} as JSON text (null when undefined): what GROUP BY groups by. Equal numbers
     * must group together however they are written.
     */
    void jsonText(SqlText sql, String column, List<String> path);

    /**
     * Whether {@link #value} as STRING is null for every value that is not a JSON string, except objects
     * and arrays (which it gives as their JSON text): then {@code value = 'text'} needs no type test unless
     * the literal could be such text. SQLite's {@code json_extract} gives numbers as numbers, which never
     * equal text; PostgreSQL's {@code #>>} gives every scalar as text.
     */
    default boolean stringValueIsTyped() { return false; }

    /** A text expression compared byte by byte (binary collation). */
    default String binary(String textExpression) { return textExpression; }

    /**
     * The place at {@code path} as an SQL number where it holds a JSON number, null elsewhere (whatever the
     * place holds, never an error).
     */
    void number(SqlText sql, String column, List<String> path);

    /** A number as an IEEE double: the type all arithmetic is done in, on every store. */
    SqlText real(SqlText number);

    /**
     * {@code a op b} on doubles ({@code op} one of {@code + - * /}); a division by 0 is null. A result out of
     * the range of a double, or a product or quotient of non-zero numbers that rounds to 0, is an error that
     * {@link SqlDialect#queryProblem} names (PostgreSQL raises it itself; SQLite is made to, so that both
     * stores give one answer).
     */
    default SqlText arithmetic(char op, SqlText a, SqlText b) {
        return op == '/' ? SqlText.of("(", a, " / NULLIF(", b, ", 0))") : SqlText.of("(", a, " " + op + " ", b, ")");
    }

    /** {@code a % b} on doubles: {@code a - b * trunc(a / b)} (null when b is 0), each operand named once. */
    default SqlText remainder(SqlText a, SqlText b) {
        return named(List.of(a, SqlText.of("NULLIF(", b, ", 0)")), n -> arithmetic('-', n.get(0),
                arithmetic('*', n.get(1), SqlText.of("trunc(", arithmetic('/', n.get(0), n.get(1)), ")"))));
    }

    /** SQUARE: {@code a * a}, with {@code a} written once. */
    default SqlText square(SqlText a) {
        return named(List.of(a), n -> arithmetic('*', n.get(0), n.get(0)));
    }

    /**
     * ROUND to the nearest whole number, halves away from zero, by one formula on every store (PostgreSQL's
     * own round of a double rounds halves to even): numbers from 2^52 up are whole already.
     */
    default SqlText round(SqlText a) {
        return named(List.of(a), n -> SqlText.of("(CASE WHEN abs(", n.get(0), ") >= 4503599627370496.0 THEN ", n.get(0),
                " ELSE sign(", n.get(0), ") * floor(abs(", n.get(0), ") + 0.5) END)"));
    }

    /**
     * {@code body} over {@code values} named once: {@code (SELECT body FROM (SELECT v1 AS q1, ... FENCE) AS n)},
     * where the body refers to each value by its name, as often as it needs. The subquery is fenced
     * ({@code OFFSET 0}) so that the planner does not inline it and copy the value into each reference,
     * which would make nested functions cost exponentially again.
     */
    default SqlText named(List<SqlText> values, java.util.function.Function<List<SqlText>, SqlText> body) {
        List<SqlText> names = new ArrayList<>(values.size());
        SqlText select = SqlText.of("SELECT ");
        for (int i = 0; i < values.size(); i++) {
            String name = "iq" + i;
            if (i > 0) select.append(", ");
            select.append(values.get(i)).append(" AS " + name);
            names.add(SqlText.of("iqn." + name));
        }
        return SqlText.of("(SELECT ", body.apply(names), " FROM (", select, fence() + ") AS iqn)");
    }

    /** What keeps a subquery in FROM from being merged into its query. */
    String fence();

    /** True when text {@code a} starts with {@code b}. */
    SqlText startsWith(SqlText a, SqlText b);

    /** True when text {@code a} ends with {@code b}. */
    SqlText endsWith(SqlText a, SqlText b);

    /** True when text {@code a} holds {@code b}. */
    SqlText contains(SqlText a, SqlText b);

    /**
     * A JSON object put together from columns, as this dialect stores JSON: a member for each of {@code names}, whose
     * value is the text expression at the same place in {@code values} as a JSON string (null where it is null), then
     * the members of {@code more}, an expression holding a JSON object as this dialect stores one. Where the dialect
     * keeps members in order (SQLite's text), they come in this order.
     */
    String object(List<String> names, List<String> values, String more);

    /** A name as an SQL string literal. */
    private static String literal(String s) {
        return "'" + s.replace("'", "''") + "'";
    }

    /** The largest finite double. */
    String MAX_DOUBLE = "1.7976931348623157e308";

    /** SQLite: paths such as {@code $."site"."floor"}, JSON types as json_type names, values from json_extract. */
    final class Sqlite implements JsonSql {
        @Override
        public boolean stringValueIsTyped() { return true; }

        /** JSON text joined in order; {@code more}'s members follow its opening brace, unless it is {@code {}}. */
        @Override
        public String object(List<String> names, List<String> values, String more) {
            StringBuilder b = new StringBuilder("(");
            for (int i = 0; i < names.size(); i++) {
                StringBuilder name = new StringBuilder(i == 0 ? "{\"" : ",\"");
                com.fasterxml.jackson.core.io.JsonStringEncoder.getInstance().quoteAsString(names.get(i), name);
                b.append(JsonSql.literal(name.append("\":").toString())).append(" || json_quote(").append(values.get(i))
                        .append(") || ");
            }
            return b.append("CASE WHEN ").append(more).append(" = '{}' THEN '}' ELSE ',' || substr(").append(more)
                    .append(", 2) END)").toString();
        }

        @Override
        public void typeOf(SqlText sql, String column, List<String> path) {
            sql.append("json_type(").append(column).append(", ").param(path(path)).append(")");
        }

        @Override
        public String typeTest(Type type) {
            return switch (type) {
                case STRING -> "= 'text'";
                case NUMBER -> "IN ('integer', 'real')";
                case BOOL -> "IN ('true', 'false')";
                case NULL -> "= 'null'";
                case OBJECT -> "= 'object'";
                case ARRAY -> "= 'array'";
            };
        }

        @Override
        public void isDefined(SqlText sql, String column, List<String> path) {
            sql.append("(json_type(").append(column).append(", ").param(path(path)).append(") IS NOT NULL)");
        }

        @Override
        public void value(SqlText sql, String column, List<String> path, Type type) {
            sql.append("json_extract(").append(column).append(", ").param(path(path)).append(")");
        }

        /** Numbers as SQL numbers, so that 5 and 5.0 are one group (as in PostgreSQL's jsonb); the rest as JSON text. */
        @Override
        public void jsonText(SqlText sql, String column, List<String> path) {
            sql.append("(CASE WHEN json_type(").append(column).append(", ").param(path(path))
                    .append(") IN ('integer', 'real') THEN json_extract(").append(column).append(", ").param(path(path))
                    .append(") ELSE ").append(column).append(" -> ").param(path(path)).append(" END)");
        }

        @Override
        public void number(SqlText sql, String column, List<String> path) {
            sql.append("(CASE WHEN json_type(").append(column).append(", ").param(path(path))
                    .append(") IN ('integer', 'real') THEN json_extract(").append(column).append(", ").param(path(path))
                    .append(") END)");
        }

        @Override
        public SqlText real(SqlText number) { return SqlText.of("CAST(", number, " AS REAL)"); }

        /**
         * SQLite gives infinity for an overflow and 0 for an underflow where PostgreSQL raises "value out of
         * range": here the same results raise SQLite's "integer overflow" (the absolute value of the least
         * integer), which the dialect names as PostgreSQL's error is named.
         */
        @Override
        public SqlText arithmetic(char op, SqlText a, SqlText b) {
            return named(List.of(a, b), n -> {
                SqlText x = n.get(0);
                SqlText y = n.get(1);
                SqlText r = op == '/' ? SqlText.of("(", x, " / NULLIF(", y, ", 0))") : SqlText.of("(", x, " " + op + " ", y, ")");
                SqlText bad = SqlText.of("abs(", r, ") > " + MAX_DOUBLE);
                if (op == '*') bad = SqlText.of("(", bad, " OR (", r, " = 0 AND ", x, " <> 0 AND ", y, " <> 0))");
                if (op == '/') bad = SqlText.of("(", bad, " OR (", r, " = 0 AND ", x, " <> 0))");
                return SqlText.of("(CASE WHEN ", bad, " THEN abs(-9223372036854775807 - 1) ELSE ", r, " END)");
            });
        }

        @Override
        public String fence() { return " LIMIT -1 OFFSET 0"; }

        @Override
        public SqlText startsWith(SqlText a, SqlText b) { return SqlText.of("(substr(", a, ", 1, length(", b, ")) = ", b, ")"); }

        @Override
        public SqlText endsWith(SqlText a, SqlText b) {
            return SqlText.of("(length(", b, ") = 0 OR substr(", a, ", -length(", b, ")) = ", b, ")");
        }

        @Override
        public SqlText contains(SqlText a, SqlText b) { return SqlText.of("(instr(", a, ", ", b, ") > 0)"); }

        private static String path(List<String> path) {
            StringBuilder b = new StringBuilder("$");
            for (String s : path) b.append(".\"").append(s).append('"');
            return b.toString();
        }
    }

    /** PostgreSQL: jsonb paths as text arrays, jsonb_typeof, numbers cast only where they are numbers. */
    final class Postgres implements JsonSql {
        @Override
        public void typeOf(SqlText sql, String column, List<String> path) {
            sql.append("jsonb_typeof(").append(column).append(" #> CAST(").param(path(path)).append(" AS text[]))");
        }

        @Override
        public String typeTest(Type type) {
            return switch (type) {
                case STRING -> "= 'string'";
                case NUMBER -> "= 'number'";
                case BOOL -> "= 'boolean'";
                case NULL -> "= 'null'";
                case OBJECT -> "= 'object'";
                case ARRAY -> "= 'array'";
            };
        }

        @Override
        public void isDefined(SqlText sql, String column, List<String> path) {
            sql.append("((").append(column).append(" #> CAST(").param(path(path)).append(" AS text[])) IS NOT NULL)");
        }

        @Override
        public void value(SqlText sql, String column, List<String> path, Type type) {
            switch (type) {
                case STRING -> sql.append("((").append(column).append(" #>> CAST(").param(path(path))
                        .append(" AS text[])) COLLATE \"C\")");
                case NUMBER -> {
                    sql.append("(CASE WHEN jsonb_typeof(").append(column).append(" #> CAST(").param(path(path))
                            .append(" AS text[])) = 'number' THEN CAST(").append(column).append(" #>> CAST(")
                            .param(path(path)).append(" AS text[]) AS numeric) END)");
                }
                case BOOL -> sql.append("(CASE ").append(column).append(" #> CAST(").param(path(path))
                        .append(" AS text[]) WHEN 'true'::jsonb THEN 1 WHEN 'false'::jsonb THEN 0 END)");
                default -> throw new IllegalArgumentException("no SQL value of JSON type " + type);
            }
        }

        @Override
        public void jsonText(SqlText sql, String column, List<String> path) {
            sql.append("(").append(column).append(" #> CAST(").param(path(path)).append(" AS text[]))");
        }

        @Override
        public String binary(String textExpression) { return "(" + textExpression + " COLLATE \"C\")"; }

        @Override
        public String object(List<String> names, List<String> values, String more) {
            StringBuilder b = new StringBuilder("(jsonb_build_object(");
            for (int i = 0; i < names.size(); i++) {
                if (i > 0) b.append(", ");
                b.append(JsonSql.literal(names.get(i))).append(", CAST(").append(values.get(i)).append(" AS text)");
            }
            return b.append(") || ").append(more).append(")").toString();
        }

        @Override
        public void number(SqlText sql, String column, List<String> path) { value(sql, column, path, Type.NUMBER); }

        @Override
        public SqlText real(SqlText number) { return SqlText.of("CAST(", number, " AS double precision)"); }

        @Override
        public String fence() { return " OFFSET 0"; }

        @Override
        public SqlText startsWith(SqlText a, SqlText b) { return SqlText.of("starts_with(", a, ", ", b, ")"); }

        @Override
        public SqlText endsWith(SqlText a, SqlText b) { return SqlText.of("(right(", a, ", length(", b, ")) = ", b, ")"); }

        @Override
        public SqlText contains(SqlText a, SqlText b) { return SqlText.of("(strpos(", a, ", ", b, ") > 0)"); }

        /** A text[] literal: every element quoted, backslashes and quotes escaped. */
        private static String path(List<String> path) {
            StringBuilder b = new StringBuilder("{");
            for (int i = 0; i < path.size(); i++) {
                if (i > 0) b.append(',');
                b.append('"').append(path.get(i).replace("\\", "\\\\").replace("\"", "\\\"")).append('"');
            }
            return b.append('}').toString();
        }
    }
}

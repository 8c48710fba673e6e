package dev.iolite.server.jdbc.query;

import dev.iolite.server.jdbc.dialect.JsonSql;
import dev.iolite.server.jdbc.dialect.SqlDialect;
import dev.iolite.server.errors.ErrorCode;
import dev.iolite.server.errors.IoliteException;
import java.sql.SQLException;
import dev.iolite.server.jdbc.dialect.SqlText;
import dev.iolite.server.jdbc.rows.TwinColumn;

import com.fasterxml.jackson.databind.JsonNode;
import dev.iolite.server.query.Condition;
import dev.iolite.server.query.Function;
import dev.iolite.server.query.Operand;
import dev.iolite.server.query.TwinField;
import dev.iolite.server.query.TwinField.Type;
import dev.iolite.server.query.TwinQuery;

import java.util.ArrayList;
import java.util.List;

/**
 * Translates a {@link TwinQuery}'s WHERE clause and grouping keys to one dialect's SQL over the devices
 * table. Type-strict comparisons are written out: a comparison holds only where both sides have the
 * same JSON type, so {@code tags.n = 5} never matches the string "5", and an undefined property matches
 * nothing. Every literal and path is a bound parameter.
 *
 * <p>The SQL grows linearly with the query: no operator or function writes its argument's SQL more than
 * once. Where a function needs its argument twice (SQUARE, ROUND, {@code %}), the argument is named once in
 * a one-row subquery ({@link JsonSql#named}); an IN list is one {@code IN (...)} per type, not a chain of
 * comparisons; AND, OR and CONCAT are written as balanced trees, so their SQL nests only logarithmically.
 * Arithmetic is IEEE double precision on both stores, so that both compute the same numbers and a number
 * out of range is the same 400 on both.
 */
public final class QuerySql {
    private static final Type[] SCALARS = {Type.STRING, Type.NUMBER, Type.BOOL, Type.NULL};

    private final JsonSql json;
    /** The name the statement gives the device row that the conditions are about. */
    private final String row;

    /** Conditions about the rows of {@code devices}, the statement's table of that name. */
    public QuerySql(JsonSql json) {
        this(json, "devices");
    }

    /**
     * Conditions about the device row that the statement names {@code row}: what the connection fields' subqueries
     * (the {@code connections} table of V10) match on.
     */
    public QuerySql(JsonSql json, String row) {
        this.json = json;
        this.row = row;
    }

    /** The conditions every query of that source starts with, after the hub's parameter. */
    public static String sourceFilter(TwinQuery.Source source) {
        return source == TwinQuery.Source.DEVICES ? "module_id = ''" : "module_id <> ''";
    }

    /** The WHERE clause's SQL (a condition), or null when the query has none. */
    public SqlText where(TwinQuery q) {
        return q.where() == null ? null : condition(q.where());
    }

    /**
     * The SQL expression of a grouping key: JSON text for places in the twin column ({@link #isJson}), the
     * column's value for the key columns; null for constants.
     */
    public SqlText groupKey(Operand key) {
        if (key instanceof Operand.Json j) {
            SqlText t = new SqlText();
            json.jsonText(t, column(j), path(j));
            return t;
        }
        if (key instanceof Operand.Field f && isJson(f.field())) {
            return twinField(f.field()).value(f.field().type());
        }
        if (key instanceof Operand.Field f) {
            return SqlText.of(f.field() == TwinField.ETAG ? "twin_version" : column(f.field()));
        }
        return null;
    }

    /** The twin column ({@link TwinColumn}): the properties and the identity fields queries read, by short names. */
    private static final String TWIN = "twin";

    /** The column a document place is in: the tags have their own. */
    private static String column(Operand.Json j) {
        return switch (j.document()) {
            case TAGS -> "tags";
            case JOB -> "doc";  // device_jobs' row
            default -> TWIN;
        };
    }

    /** Whether a field lives in the twin column (at its wire path) rather than in a column of its own. */
    public static boolean isJson(TwinField f) {
        return switch (f) {
            case STATUS_REASON, AUTHENTICATION_TYPE, IOT_EDGE, DEVICE_SCOPE -> true;
            default -> false;
        };
    }

    /** Where the twin column keeps a field ({@link TwinColumn}'s short names). */
    private static List<String> storedPath(TwinField f) {
        return List.of(switch (f) {
            case STATUS_REASON -> TwinColumn.REASON_KEY;
            case AUTHENTICATION_TYPE -> TwinColumn.AUTH_KEY;
            case IOT_EDGE -> TwinColumn.EDGE_KEY;
            case DEVICE_SCOPE -> TwinColumn.SCOPE_KEY;
            default -> throw new IllegalStateException(f + " is a column of its own");
        });
    }

    /** A document place's path in its column. */
    private static List<String> path(Operand.Json j) {
        List<String> out = new ArrayList<>(j.path().size() + 2);
        switch (j.document()) {
            case TAGS -> { }
            case DESIRED -> out.add(TwinColumn.DESIRED_KEY);
            case REPORTED -> out.add(TwinColumn.REPORTED_KEY);
            case CONFIGURATIONS -> out.add(TwinColumn.CONFIGURATIONS_KEY);
            case JOB -> { }
        }
        out.addAll(j.path());
        return out;
    }

    // ---- conditions

    private SqlText condition(Condition c) {
        if (c instanceof Condition.And a) return junction(a.parts(), " AND ");
        if (c instanceof Condition.Or o) return junction(o.parts(), " OR ");
        if (c instanceof Condition.Constant k) return SqlText.of(k.value() ? "(1 = 1)" : "(1 = 0)");
        if (c instanceof Condition.Compare cmp) return compare(cmp);
        if (c instanceof Condition.In in) return in(in);
        return test((Condition.Test) c);
    }

    private SqlText junction(List<Condition> parts, String op) {
        List<SqlText> terms = new ArrayList<>(parts.size());
        for (Condition p : parts) terms.add(condition(p));
        return balanced(terms, op);
    }

    /**
     * {@code (a op b op c ...)} as a balanced tree of parentheses: a chain of n terms nests log2(n) deep
     * rather than n, which keeps long AND/OR chains under SQLite's expression depth limit.
     */
    private static SqlText balanced(List<SqlText> terms, String op) {
        if (terms.size() == 1) return terms.get(0);
        int half = terms.size() / 2;
        return SqlText.of("(", balanced(terms.subList(0, half), op), op, balanced(terms.subList(half, terms.size()), op), ")");
    }

    /**
     * IN: one term per JSON type among the values, {@code value IN (...)} with that type's values (null as a
     * type test). NIN: only a value of the one type that all the values share can differ from every one of them.
     */
    private SqlText in(Condition.In c) {
        Value v = value(c.value());
        java.util.Map<Type, List<JsonNode>> byType = new java.util.EnumMap<>(Type.class);
        for (JsonNode n : c.values()) byType.computeIfAbsent(literalType(n), t -> new ArrayList<>()).add(n);
        if (c.negated()) {
            if (byType.size() != 1 || byType.containsKey(Type.NULL)) return SqlText.of("(1 = 0)");
            Type t = byType.keySet().iterator().next();
            if (!v.can(t)) return SqlText.of("(1 = 0)");
            List<SqlText> parts = new ArrayList<>();
            if (!computed(c.value())) addIfPresent(parts, v.guard(t));
            parts.add(SqlText.of("(", v.value(t), " NOT IN ", list(byType.get(t), computed(c.value())), ")"));
            return all(parts);
        }
        SqlText direct = directStringIn(c, v, byType);
        if (direct != null) return direct;
        List<SqlText> terms = new ArrayList<>();
        for (java.util.Map.Entry<Type, List<JsonNode>> e : byType.entrySet()) {
            Type t = e.getKey();
            if (!v.can(t)) continue;
            List<SqlText> parts = new ArrayList<>();
            if (!computed(c.value())) addIfPresent(parts, v.guard(t));
            if (t != Type.NULL) parts.add(SqlText.of("(", v.value(t), " IN ", list(e.getValue(), computed(c.value())), ")"));
            terms.add(all(parts));
        }
        return any(terms);
    }

    /** {@code place IN ('a', 'b')} without the type test, where {@link #directStringEquality} would drop it. */
    private SqlText directStringIn(Condition.In c, Value v, java.util.Map<Type, List<JsonNode>> byType) {
        if (!json.stringValueIsTyped() || byType.size() != 1 || !byType.containsKey(Type.STRING)) return null;
        Operand place = c.value();
        boolean isPlace = place instanceof Operand.Json j && !j.path().isEmpty()
                || place instanceof Operand.Field f && isJson(f.field());
        if (!isPlace) return null;
        for (JsonNode n : c.values()) {
            if (n.textValue().startsWith("{") || n.textValue().startsWith("[")) return null;
        }
        return SqlText.of("(", v.value(Type.STRING), " IN ", list(c.values(), false), ")");
    }

    /** {@code (?, ?, ...)}: literals of one type as parameters; numbers as doubles when {@code doubles}. */
    private static SqlText list(List<JsonNode> values, boolean doubles) {
        SqlText out = SqlText.of("(");
        for (int i = 0; i < values.size(); i++) {
            if (i > 0) out.append(", ");
            JsonNode v = values.get(i);
            if (doubles && v.isNumber()) out.param(v.doubleValue());
            else out.append(literal(v).value(literalType(v)));
        }
        return out.append(")");
    }

    private static Type literalType(JsonNode v) {
        return v.isTextual() ? Type.STRING : v.isNumber() ? Type.NUMBER : v.isBoolean() ? Type.BOOL : Type.NULL;
    }

    /** Epoch milliseconds of {@code 0001-01-01T00:00:00Z}, the time the wire shows for one that was never set. */
    private static final long NEVER_MS = java.time.Instant.parse("0001-01-01T00:00:00Z").toEpochMilli();

    /** The connections row of the identity the statement's {@link #row} holds. */
    private String sameIdentity() {
        return "conn.hub = " + row + ".hub AND conn.device_id = " + row + ".device_id AND conn.module_id = " + row
                + ".module_id";
    }

    /** Whether the identity is connected now: its connections row says so. */
    private String connected() {
        return "EXISTS (SELECT 1 FROM connections conn WHERE " + sameIdentity() + " AND conn.connected = 1)";
    }

    /**
     * {@code connectionState = 'Connected'} (or {@code !=}, or {@code 'Disconnected'}) as EXISTS or NOT EXISTS,
     * which the stores run as a semi-join rather than a subquery per row; null for any other comparison.
     */
    private SqlText connectionState(Condition.Compare c) {
        if (c.op() != Condition.Comparison.EQ && c.op() != Condition.Comparison.NE) return null;
        Operand field = c.left() instanceof Operand.Literal ? c.right() : c.left();
        Operand other = field == c.left() ? c.right() : c.left();
        if (!(field instanceof Operand.Field f && f.field() == TwinField.CONNECTION_STATE)) return null;
        if (!(other instanceof Operand.Literal l) || !l.value().isTextual()) return null;
        String state = l.value().textValue();
        boolean eq = c.op() == Condition.Comparison.EQ;
        if (!state.equals("Connected") && !state.equals("Disconnected")) return SqlText.of(eq ? "(1 = 0)" : "(1 = 1)");
        boolean connected = state.equals("Connected") == eq;
        return SqlText.of("(" + (connected ? "" : "NOT ") + connected() + ")");
    }

    /** One term per JSON type both sides may have; none means the comparison never holds. */
    private SqlText compare(Condition.Compare c) {
        SqlText state = connectionState(c);
        if (state != null) return state;
        Value left = value(c.left());
        Value right = value(c.right());
        SqlText direct = directStringEquality(c, left, right);
        if (direct != null) return direct;
        List<SqlText> terms = new ArrayList<>();
        for (Type t : SCALARS) {
            if (!left.can(t) || !right.can(t)) continue;
            if (c.op().isOrdering() && (t == Type.BOOL || t == Type.NULL)) continue;
            if (t == Type.NULL && c.op() != Condition.Comparison.EQ) continue; // null differs from nothing
            List<SqlText> parts = new ArrayList<>();
            // a computed number is null where it is undefined, and a comparison with null never holds
            if (!computed(c.left())) addIfPresent(parts, left.guard(t));
            if (!computed(c.right())) addIfPresent(parts, right.guard(t));
            if (t != Type.NULL) {
                SqlText l = left.value(t);
                SqlText r = right.value(t);
                if (t == Type.NUMBER && (computed(c.left()) || computed(c.right()))) {
                    l = json.real(l);
                    r = json.real(r);
                }
                parts.add(SqlText.of("(", l, " " + c.op().sql() + " ", r, ")"));
            }
            terms.add(all(parts));
        }
        return any(terms);
    }

    /**
     * Whether the operand is a number that arithmetic computed (a double): what it is compared with is
     * compared as a double too, on every store (SQLite would compare a double with an integer exactly,
     * PostgreSQL as doubles).
     */
    private static boolean computed(Operand o) {
        return o instanceof Operand.Arithmetic || o instanceof Operand.Call c && c.function().isNumeric();
    }

    /**
     * {@code place = 'text'} without the type test, where the dialect's string value is typed and the text
     * cannot be an object's or array's JSON: one read of the document per row instead of two, which is
     * what most queries ask ({@code tags.site = 'north'}).
     */
    private SqlText directStringEquality(Condition.Compare c, Value left, Value right) {
        if (c.op() != Condition.Comparison.EQ || !json.stringValueIsTyped()) return null;
        Operand place = c.left() instanceof Operand.Literal ? c.right() : c.left();
        Operand other = place == c.left() ? c.right() : c.left();
        boolean isPlace = place instanceof Operand.Json j && !j.path().isEmpty()
                || place instanceof Operand.Field f && isJson(f.field());
        if (!isPlace || !(other instanceof Operand.Literal l) || !l.value().isTextual()) return null;
        String text = l.value().textValue();
        if (text.startsWith("{") || text.startsWith("[")) return null;
        Value p = place == c.left() ? left : right;
        Value lit = place == c.left() ? right : left;
        return SqlText.of("(", p.value(Type.STRING), " = ", lit.value(Type.STRING), ")");
    }

    private SqlText test(Condition.Test t) {
        Function f = t.function();
        List<Operand> args = t.args();
        SqlText positive = switch (f) {
            case IS_DEFINED -> defined(args.get(0));
            case IS_NULL -> type(args.get(0), Type.NULL);
            case IS_BOOL -> type(args.get(0), Type.BOOL);
            case IS_NUMBER -> type(args.get(0), Type.NUMBER);
            case IS_STRING -> type(args.get(0), Type.STRING);
            case IS_OBJECT -> type(args.get(0), Type.OBJECT);
            case IS_ARRAY -> type(args.get(0), Type.ARRAY);
            case IS_PRIMITIVE -> any(List.of(type(args.get(0), Type.STRING), type(args.get(0), Type.NUMBER),
                    type(args.get(0), Type.BOOL), type(args.get(0), Type.NULL)));
            case STARTSWITH, ENDSWITH, CONTAINS -> null;
            default -> throw new IllegalStateException(f + " is not a test");
        };
        if (positive != null) return t.negated() ? SqlText.of("(NOT ", positive, ")") : positive;
        // string tests hold, or fail, only for two strings; anything else is neither
        Value a = value(args.get(0));
        Value b = value(args.get(1));
        if (!a.can(Type.STRING) || !b.can(Type.STRING)) return SqlText.of("(1 = 0)");
        SqlText av = a.value(Type.STRING);
        SqlText bv = b.value(Type.STRING);
        SqlText test = switch (f) {
            case STARTSWITH -> json.startsWith(av, bv);
            case ENDSWITH -> json.endsWith(av, bv);
            default -> json.contains(av, bv);
        };
        List<SqlText> parts = new ArrayList<>();
        addIfPresent(parts, a.guard(Type.STRING));
        addIfPresent(parts, b.guard(Type.STRING));
        parts.add(t.negated() ? SqlText.of("(NOT ", test, ")") : test);
        return all(parts);
    }

    /** True where the operand has that type: never null, so that NOT of it is sound. */
    private SqlText type(Operand o, Type t) {
        if (o instanceof Operand.Json j) {
            SqlText out = new SqlText();
            json.isType(out, column(j), path(j), t);
            return out;
        }
        Value v = value(o);
        if (!v.can(t)) return SqlText.of("(1 = 0)");
        SqlText guard = v.guard(t);
        return guard == null ? SqlText.of("(1 = 1)") : SqlText.of("COALESCE(", guard, ", FALSE)");
    }

    private SqlText defined(Operand o) {
        if (o instanceof Operand.Json j) {
            SqlText out = new SqlText();
            json.isDefined(out, column(j), path(j));
            return out;
        }
        if (o instanceof Operand.Undefined) return SqlText.of("(1 = 0)");
        List<SqlText> types = new ArrayList<>();
        for (Type t : SCALARS) types.add(type(o, t));
        return any(types);
    }

    private static void addIfPresent(List<SqlText> parts, SqlText part) {
        if (part != null) parts.add(part);
    }

    private static SqlText all(List<SqlText> parts) {
        if (parts.isEmpty()) return SqlText.of("(1 = 1)");
        return balanced(parts, " AND ");
    }

    private static SqlText any(List<SqlText> terms) {
        if (terms.isEmpty()) return SqlText.of("(1 = 0)");
        return balanced(terms, " OR ");
    }

    // ---- values

    /** A value in SQL: which JSON types it may have, how to test for one, and its SQL value as that type. */
    private interface Value {
        boolean can(Type t);

        /** True where the value has type {@code t}; null when it always has it (given {@link #can}). */
        SqlText guard(Type t);

        /** The SQL value as type {@code t} (text, number, or 1/0 for booleans). */
        SqlText value(Type t);
    }

    private Value value(Operand o) {
        if (o instanceof Operand.Literal l) return literal(l.value());
        if (o instanceof Operand.Field f) return isJson(f.field()) ? twinField(f.field()) : field(f.field());
        if (o instanceof Operand.Json j) return place(column(j), path(j), j.path().isEmpty());
        if (o instanceof Operand.Arithmetic a) return arithmetic(a);
        if (o instanceof Operand.Call c) return call(c);
        return NOTHING;
    }

    private static final Value NOTHING = new Value() {
        @Override public boolean can(Type t) { return false; }
        @Override public SqlText guard(Type t) { return SqlText.of("(1 = 0)"); }
        @Override public SqlText value(Type t) { return SqlText.of("NULL"); }
    };

    private static Value literal(JsonNode v) {
        Type type = literalType(v);
        return new Value() {
            @Override public boolean can(Type t) { return t == type; }
            @Override public SqlText guard(Type t) { return null; }
            @Override public SqlText value(Type t) {
                return switch (type) {
                    case STRING -> new SqlText().param(v.textValue());
                    case NUMBER -> new SqlText().param(v.isIntegralNumber() ? (Object) v.longValue() : (Object) v.doubleValue());
                    case BOOL -> new SqlText().param(v.booleanValue() ? 1 : 0);
                    default -> SqlText.of("NULL");
                };
            }
        };
    }

    private Value field(TwinField f) {
        String column = column(f);
        String sqlValue = f.type() == Type.STRING ? json.binary(column) : column;
        return new Value() {
            @Override public boolean can(Type t) { return t == f.type() || (f.nullable() && t == Type.NULL); }
            @Override public SqlText guard(Type t) {
                if (!f.nullable()) return null;
                return SqlText.of("(" + column + (t == Type.NULL ? " IS NULL)" : " IS NOT NULL)"));
            }
            @Override public SqlText value(Type t) { return SqlText.of(sqlValue); }
        };
    }

    /**
     * A field kept in the twin column, where a row leaves it out when it has its usual value
     * ({@link TwinColumn}): read with that default, so it has the one type (or null) the field has.
     */
    private Value twinField(TwinField f) {
        SqlText read = new SqlText();
        json.value(read, TWIN, storedPath(f), f.type());
        SqlText value = switch (f) {
            case AUTHENTICATION_TYPE -> SqlText.of("COALESCE(", read, ", '" + TwinColumn.DEFAULT_AUTH + "')");
            case IOT_EDGE -> SqlText.of("COALESCE(", read, ", 0)");
            default -> read;
        };
        return new Value() {
            @Override public boolean can(Type t) { return t == f.type() || (f.nullable() && t == Type.NULL); }
            @Override public SqlText guard(Type t) {
                if (!f.nullable()) return null;
                return SqlText.of("(", value, t == Type.NULL ? " IS NULL)" : " IS NOT NULL)");
            }
            @Override public SqlText value(Type t) { return value; }
        };
    }

    /** A place in the twin column; {@code wholeDocument} when it is one of the documents itself (always an object). */
    private Value place(String column, List<String> path, boolean wholeDocument) {
        return new Value() {
            @Override public boolean can(Type t) { return !wholeDocument || t == Type.OBJECT; }
            @Override public SqlText guard(Type t) {
                SqlText out = new SqlText();
                json.isType(out, column, path, t);
                return out;
            }
            @Override public SqlText value(Type t) {
                SqlText out = new SqlText();
                json.value(out, column, path, t);
                return out;
            }
        };
    }

    private Value arithmetic(Operand.Arithmetic a) {
        Value left = value(a.left());
        Value right = value(a.right());
        return new Value() {
            @Override public boolean can(Type t) { return t == Type.NUMBER && left.can(t) && right.can(t); }
            /** Null exactly where undefined: an operand that is no number, a division by 0. */
            @Override public SqlText guard(Type t) { return SqlText.of("(", value(t), " IS NOT NULL)"); }
            @Override public SqlText value(Type t) {
                SqlText l = numberInput(a.left(), left);
                SqlText r = numberInput(a.right(), right);
                return a.op() == '%' ? json.remainder(l, r) : json.arithmetic(a.op(), l, r);
            }
        };
    }

    private Value call(Operand.Call c) {
        Function f = c.function();
        Type in = f.isNumeric() ? Type.NUMBER : Type.STRING;
        Type out = f.isNumeric() || f == Function.LENGTH ? Type.NUMBER : Type.STRING;
        List<Value> args = new ArrayList<>();
        for (Operand o : c.args()) args.add(value(o));
        return new Value() {
            @Override public boolean can(Type t) {
                if (t != out) return false;
                for (Value v : args) if (!v.can(in)) return false;
                return true;
            }
            @Override public SqlText guard(Type t) {
                // numeric functions are null exactly where undefined, as arithmetic is
                return f.isNumeric() ? SqlText.of("(", value(t), " IS NOT NULL)") : guards(args, in);
            }
            @Override public SqlText value(Type t) {
                if (f == Function.CONCAT) {
                    List<SqlText> parts = new ArrayList<>();
                    for (Value v : args) parts.add(v.value(in));
                    return balanced(parts, " || ");
                }
                SqlText a = in == Type.NUMBER ? numberInput(c.args().get(0), args.get(0)) : args.get(0).value(in);
                return switch (f) {
                    case SQUARE -> json.square(a);
                    case ROUND -> json.round(a);
                    case CEILING -> SqlText.of("ceil(", a, ")");
                    default -> SqlText.of(f.name().toLowerCase(java.util.Locale.ROOT) + "(", a, ")");
                };
            }
        };
    }

    /**
     * A number that arithmetic takes, as a double, null where it is undefined: a place in a document reads as
     * null unless it holds a number (SQLite would read the string "1e400" as a number).
     */
    private SqlText numberInput(Operand o, Value v) {
        if (o instanceof Operand.Json j) {
            SqlText out = new SqlText();
            json.number(out, column(j), path(j));
            return json.real(out);
        }
        SqlText guard = computed(o) ? null : v.guard(Type.NUMBER);
        if (guard == null) return json.real(v.value(Type.NUMBER));
        // LENGTH of something that is no string: SQLite would still count its characters
        return SqlText.of("(CASE WHEN ", guard, " THEN ", json.real(v.value(Type.NUMBER)), " END)");
    }

    private static SqlText guards(List<Value> values, Type t) {
        List<SqlText> parts = new ArrayList<>();
        for (Value v : values) addIfPresent(parts, v.guard(t));
        return parts.isEmpty() ? null : all(parts);
    }

    // ---- columns

    private String column(TwinField f) {
        return switch (f) {
            case CONNECTION_STATE -> "(CASE WHEN " + connected() + " THEN 'Connected' ELSE 'Disconnected' END)";
            // an identity that never connected has IoT Hub's time that was never set, 0001-01-01T00:00:00Z
            case LAST_ACTIVITY_TIME -> "COALESCE((SELECT conn.last_activity_ms FROM connections conn WHERE " + sameIdentity()
                    + "), " + NEVER_MS + ")";
            case DEVICE_ID -> "device_id";
            case MODULE_ID -> "module_id";
            case STATUS -> "(CASE WHEN enabled = 1 THEN 'enabled' ELSE 'disabled' END)";
            case VERSION -> "twin_version";
            case STATUS_UPDATE_TIME -> "status_updated_ms";
            case STATUS_REASON, AUTHENTICATION_TYPE, IOT_EDGE, DEVICE_SCOPE ->
                    throw new IllegalStateException(f + " is in the twin column");
            case ETAG -> throw new IllegalStateException("an etag is compared through the twin version it encodes");
        };
    }

    /**
     * A statement's failure as the store reports it: one the store refused over the statement or its data (the
     * dialect tells which) is a 400 saying why, after {@code context}. The same again would fail alike, so a job
     * ends with the reason instead of retrying. Any other failure passes through as it was; a statement stopped at
     * its deadline is not reported here ({@code Database.query} knows it stopped it and throws
     * {@link dev.iolite.server.store.StatementTimeoutException}).
     */
    public static SQLException refused(SqlDialect dialect, SQLException e, String context) {
        String problem = dialect.queryProblem(e);
        if (problem != null) throw new IoliteException(ErrorCode.ARGUMENT_INVALID, context + problem);
        return e;
    }
}

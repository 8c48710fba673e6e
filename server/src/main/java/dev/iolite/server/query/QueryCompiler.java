package dev.iolite.server.query;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.iolite.server.errors.ErrorCode;
import dev.iolite.server.errors.IoliteException;
import dev.iolite.server.query.Condition.Comparison;
import dev.iolite.server.query.DeviceQueryParser.ExpressionContext;
import org.antlr.v4.runtime.ParserRuleContext;
import org.antlr.v4.runtime.Token;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Turns a query's text into a {@link TwinQuery}: parses it ({@link QueryParser}), resolves property paths
 * to what the store keeps, folds NOT into the comparisons below it, and checks what the grammar cannot
 * (functions and their arguments, grouping, names). Every problem is a 400 naming its line and column.
 */
public final class QueryCompiler {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    /** What IoT Hub reports for a device that never connected. */
    private static final String NEVER = "0001-01-01T00:00:00Z";
    /** The times a twin can show (IoT Hub's, .NET's): years 1 to 9999. */
    private static final Instant FIRST_TIME = Instant.parse(NEVER);
    private static final Instant LAST_TIME = Instant.parse("9999-12-31T23:59:59.999999999Z");

    private static final String NOT_VALID = "the query is not valid at ";

    private final TwinQuery.Source source;

    private QueryCompiler(TwinQuery.Source source) {
        this.source = source;
    }

    public static TwinQuery compile(String text) {
        try {
            return compileTree(text);
        } catch (StackOverflowError e) {
            throw new IoliteException(ErrorCode.ARGUMENT_INVALID, "the query nests parentheses or operators too deeply");
        }
    }

    private static TwinQuery compileTree(String text) {
        DeviceQueryParser.QueryContext tree = QueryParser.parse(text);
        TwinQuery.Source source = source(tree.collection());
        QueryCompiler c = new QueryCompiler(source);
        Long top = tree.top == null ? null : c.top(tree.top);
        Condition where = tree.where == null ? null : c.condition(tree.where, false);
        List<Operand> groupBy = new ArrayList<>();
        List<List<String>> groupPaths = new ArrayList<>();
        if (tree.groups.size() > QueryLimits.MAX_GROUP_KEYS) {
            throw bad(tree.groups.get(QueryLimits.MAX_GROUP_KEYS), "the query groups by " + tree.groups.size()
                    + " properties; the limit is " + QueryLimits.MAX_GROUP_KEYS);
        }
        for (DeviceQueryParser.PathContext p : tree.groups) {
            groupPaths.add(segments(p));
            groupBy.add(c.groupKey(p));
        }
        Selection selection = c.selection(tree.selection(), groupPaths, groupBy);
        if (source == TwinQuery.Source.JOBS && (!(selection instanceof Selection.All) || !groupBy.isEmpty())) {
            throw bad(tree.collection(), "a query of devices.jobs selects whole rows: SELECT * FROM devices.jobs [WHERE ...]");
        }
        QueryLimits.check(where, "query");
        return new TwinQuery(text, source, selection, where, List.copyOf(groupBy), top);
    }

    /**
     * An export's filter: a condition (what follows WHERE) over device twins, as {@code SELECT * FROM
     * devices WHERE condition}.
     */
    public static TwinQuery compileFilter(String condition) {
        DeviceQueryParser.FilterContext tree = QueryParser.parseFilter(condition);
        Condition where;
        try {
            where = new QueryCompiler(TwinQuery.Source.DEVICES).condition(tree.expression(), false);
        } catch (StackOverflowError e) {
            throw new IoliteException(ErrorCode.ARGUMENT_INVALID, "the filter nests parentheses or operators too deeply");
        } catch (IoliteException e) {
            // the positions are the filter's own (it was parsed alone): say so, so no one counts from a SELECT
            if (!e.getMessage().startsWith(NOT_VALID)) throw e;
            throw new IoliteException(e.errorCode(), "the filter" + e.getMessage().substring("the query".length()));
        }
        QueryLimits.check(where, "filter");
        return new TwinQuery("SELECT * FROM devices WHERE " + condition, TwinQuery.Source.DEVICES, new Selection.All(),
                where, List.of(), null);
    }

    // ---- FROM, TOP and SELECT

    private static TwinQuery.Source source(DeviceQueryParser.CollectionContext ctx) {
        String name = ctx.getText();
        if (name.equalsIgnoreCase("devices")) return TwinQuery.Source.DEVICES;
        if (name.equalsIgnoreCase("devices.modules")) return TwinQuery.Source.MODULES;
        if (name.equalsIgnoreCase("devices.jobs")) return TwinQuery.Source.JOBS;
        throw bad(ctx, "a query reads FROM devices, FROM devices.modules or FROM devices.jobs, not '" + name + "'");
    }

    private Long top(Token t) {
        try {
            long n = new BigDecimal(t.getText()).longValueExact();
            if (n >= 0) return n;
        } catch (ArithmeticException | NumberFormatException e) {
            // reported below
        }
        throw bad(t, "TOP takes a whole number of rows, not " + t.getText());
    }

    private Selection selection(DeviceQueryParser.SelectionContext ctx, List<List<String>> groupPaths, List<Operand> groupBy) {
        if (ctx instanceof DeviceQueryParser.SelectAllContext) {
            if (!groupPaths.isEmpty()) throw bad(ctx, "a query with GROUP BY selects its grouping properties and COUNT(), not *");
            return new Selection.All();
        }
        List<DeviceQueryParser.SelectItemContext> items = ((DeviceQueryParser.SelectItemsContext) ctx).items;
        if (items.size() > QueryLimits.MAX_SELECTED) {
            throw bad(items.get(QueryLimits.MAX_SELECTED), "the query selects " + items.size() + " values; the limit is "
                    + QueryLimits.MAX_SELECTED);
        }
        List<Selection.Column> columns = new ArrayList<>();
        Set<String> names = new HashSet<>();
        boolean counted = false;
        int unnamed = 0;
        for (DeviceQueryParser.SelectItemContext item : items) {
            Selection.Column column;
            if (item instanceof DeviceQueryParser.CountItemContext count) {
                counted = true;
                column = new Selection.Column(count.alias != null ? count.alias.getText() : "$" + (++unnamed), null, null);
            } else {
                DeviceQueryParser.PathItemContext p = (DeviceQueryParser.PathItemContext) item;
                List<String> path = segments(p.path());
                String name = p.alias != null ? p.alias.getText() : path.get(path.size() - 1);
                int group = groupPaths.indexOf(path);
                if (!groupPaths.isEmpty() && group < 0) {
                    throw bad(item, "'" + String.join(".", path) + "' is selected but not in GROUP BY; "
                            + "a grouped query selects its grouping properties and COUNT()");
                }
                column = new Selection.Column(name, path, group >= 0 ? groupBy.get(group) : null);
            }
            if (!names.add(column.name())) {
                throw bad(item, "two selected values are named '" + column.name() + "'; name one with AS");
            }
            columns.add(column);
        }
        if (counted || !groupPaths.isEmpty()) {
            if (counted && groupPaths.isEmpty() && columns.size() > 1) {
                throw bad(ctx, "COUNT() without GROUP BY is selected alone");
            }
            return new Selection.Aggregate(List.copyOf(columns));
        }
        return new Selection.Properties(List.copyOf(columns));
    }

    private Operand groupKey(DeviceQueryParser.PathContext p) {
        Operand key = property(p);
        if (key instanceof Operand.Json json && json.path().isEmpty()) {
            throw bad(p, "GROUP BY takes properties with values, not the whole document '" + p.getText() + "'");
        }
        return key;
    }

    // ---- WHERE: conditions, in negation normal form

    private Condition condition(ExpressionContext e, boolean negated) {
        if (e instanceof DeviceQueryParser.ParenthesizedContext p) return condition(p.expression(), negated);
        if (e instanceof DeviceQueryParser.NotContext n) return condition(n.expression(), !negated);
        if (e instanceof DeviceQueryParser.AndContext a) return junction(a.left, a.right, negated, !negated);
        if (e instanceof DeviceQueryParser.OrContext o) return junction(o.left, o.right, negated, negated);
        if (e instanceof DeviceQueryParser.ComparisonContext c) {
            Comparison op = Comparison.of(c.op.getText());
            return compare(c, negated ? op.negated() : op, c.left, c.right);
        }
        if (e instanceof DeviceQueryParser.MembershipContext m) return membership(m, negated);
        if (e instanceof DeviceQueryParser.CallContext call) {
            Function f = function(call);
            if (!f.isTest()) {
                throw bad(call, f.name() + " returns a value, not a condition; compare it with something");
            }
            return new Condition.Test(f, arguments(call, f), negated);
        }
        if (e instanceof DeviceQueryParser.ConstantContext k) {
            JsonNode v = literal(k.literal());
            if (v.isBoolean()) return new Condition.Constant(v.booleanValue() != negated);
            throw bad(e, "a condition is needed here, not the value " + k.getText());
        }
        if (e instanceof DeviceQueryParser.PropertyContext p) {
            // a bare property is a condition when it is true
            Operand value = plain(p, property(p.path()));
            return new Condition.Compare(negated ? Comparison.NE : Comparison.EQ, value, new Operand.Literal(NODES.booleanNode(true)));
        }
        throw bad(e, "a condition is needed here, not the value " + e.getText());
    }

    /** AND ({@code and} true) or OR of two conditions, flattened. */
    private Condition junction(ExpressionContext left, ExpressionContext right, boolean negated, boolean and) {
        List<Condition> parts = new ArrayList<>();
        for (Condition c : List.of(condition(left, negated), condition(right, negated))) {
            if (and && c instanceof Condition.And a) parts.addAll(a.parts());
            else if (!and && c instanceof Condition.Or o) parts.addAll(o.parts());
            else parts.add(c);
        }
        return and ? new Condition.And(List.copyOf(parts)) : new Condition.Or(List.copyOf(parts));
    }

    private Condition membership(DeviceQueryParser.MembershipContext m, boolean negated) {
        boolean in = m.op.getType() == DeviceQueryParser.IN;
        if (negated) in = !in;
        Operand value = operandOrRestricted(m.expression());
        if (m.literal().size() > QueryLimits.MAX_IN_VALUES) {
            throw bad(m, "the list holds " + m.literal().size() + " values; the limit is " + QueryLimits.MAX_IN_VALUES);
        }
        List<JsonNode> values = new ArrayList<>();
        for (DeviceQueryParser.LiteralContext l : m.literal()) values.add(literal(l));
        if (restricted(value) != null) return restrictedMembership(m, in, value, values);
        if (values.isEmpty()) {
            // nothing is in an empty list; every defined value is outside it
            if (in) return new Condition.Constant(false);
            return new Condition.Test(Function.IS_DEFINED, List.of(value), false);
        }
        return new Condition.In(value, List.copyOf(values), !in);
    }

    /**
     * IN or NIN of the etag, statusUpdateTime or lastActivityTime: each literal becomes what the store compares (a twin version,
     * epoch milliseconds) as in a comparison, and the list is kept as one list of those.
     */
    private Condition restrictedMembership(ParserRuleContext ctx, boolean in, Operand value, List<JsonNode> values) {
        List<JsonNode> numbers = new ArrayList<>();
        Operand field = null;
        for (JsonNode v : values) {
            Condition c = compare(ctx, in ? Comparison.EQ : Comparison.NE, value, new Operand.Literal(v));
            if (c instanceof Condition.Constant k) {
                // an etag no twin has: never equal (dropped from an IN list), always different (dropped from a NIN list)
                if (k.value() != !in) return k;
                continue;
            }
            Condition.Compare cmp = (Condition.Compare) c;
            field = cmp.left();
            numbers.add(((Operand.Literal) cmp.right()).value());
        }
        // nothing left: no value is in an empty list; the field (always defined) is outside it
        if (numbers.isEmpty()) return new Condition.Constant(!in);
        return new Condition.In(field, List.copyOf(numbers), !in);
    }

    /**
     * A configuration's status in a twin is {@code targeted} or {@code applied} (the Java service client reads only
     * these), while IoT Hub's own metric queries compare it with {@code 'Applied'}: a literal compared with a status
     * is compared without case, in lower case.
     */
    private static Operand configurationStatus(Operand literal, Operand other) {
        if (literal instanceof Operand.Literal lit && lit.value().isTextual() && other instanceof Operand.Json j
                && j.document() == Operand.Document.CONFIGURATIONS && j.path().size() == 2 && j.path().get(1).equals("status")) {
            return new Operand.Literal(NODES.textNode(lit.value().asText().toLowerCase(java.util.Locale.ROOT)));
        }
        return literal;
    }

    private Condition compare(ParserRuleContext ctx, Comparison op, ExpressionContext left, ExpressionContext right) {
        return compare(ctx, op, operandOrRestricted(left), operandOrRestricted(right));
    }

    /**
     * A comparison. The etag, statusUpdateTime and lastActivityTime are compared only with literals, which become the twin
     * version and the epoch milliseconds the store compares.
     */
    private Condition compare(ParserRuleContext ctx, Comparison op, Operand left, Operand right) {
        if (restricted(right) != null && !(restricted(left) != null)) return compare(ctx, flip(op), right, left);
        TwinField field = restricted(left);
        if (field == null) return new Condition.Compare(op, configurationStatus(left, right), configurationStatus(right, left));
        if (!(right instanceof Operand.Literal lit) || !lit.value().isTextual()) {
            throw bad(ctx, String.join(".", field.path()) + " is compared only with a literal in quotes, such as "
                    + (field == TwinField.ETAG ? "'AAAAAAAAAAE='" : "'2026-01-01T00:00:00Z'"));
        }
        String text = lit.value().textValue();
        if (field == TwinField.ETAG) {
            if (op.isOrdering()) throw bad(ctx, "etags are compared only with = and !=");
            Long version = twinVersion(text);
            // an etag no twin can have matches nothing, and differs from every twin's
            if (version == null) return new Condition.Constant(op == Comparison.NE);
            return new Condition.Compare(op, new Operand.Field(TwinField.VERSION), new Operand.Literal(NODES.numberNode(version)));
        }
        String name = field.path().get(0);
        try {
            Instant time = Instant.parse(text);
            if (time.isBefore(FIRST_TIME) || time.isAfter(LAST_TIME)) {
                throw bad(ctx, name + " is compared with a UTC time from year 1 to year 9999, not '" + text + "'");
            }
            long millis = time.toEpochMilli();
            return new Condition.Compare(op, new Operand.Field(field), new Operand.Literal(NODES.numberNode(millis)));
        } catch (DateTimeParseException e) {
            throw bad(ctx, name + " is compared with a UTC time such as '2026-01-01T00:00:00Z', not '" + text + "'");
        }
    }

    private static Comparison flip(Comparison op) {
        return switch (op) {
            case LT -> Comparison.GT;
            case GT -> Comparison.LT;
            case LE -> Comparison.GE;
            case GE -> Comparison.LE;
            default -> op;
        };
    }

    private static TwinField restricted(Operand o) {
        if (o instanceof Operand.Field f && (f.field() == TwinField.ETAG || f.field() == TwinField.STATUS_UPDATE_TIME
                || f.field() == TwinField.LAST_ACTIVITY_TIME)) {
            return f.field();
        }
        return null;
    }

    /** The twin version an etag encodes, or null when it is not a twin etag. */
    private static Long twinVersion(String etag) {
        try {
            byte[] bytes = Base64.getDecoder().decode(etag);
            return bytes.length == 8 ? ByteBuffer.wrap(bytes).getLong() : null;
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    // ---- values

    private Operand operandOrRestricted(ExpressionContext e) {
        if (e instanceof DeviceQueryParser.ParenthesizedContext p) return operandOrRestricted(p.expression());
        if (e instanceof DeviceQueryParser.PropertyContext p) return property(p.path());
        return operand(e);
    }

    private Operand operand(ExpressionContext e) {
        if (e instanceof DeviceQueryParser.ParenthesizedContext p) return operand(p.expression());
        if (e instanceof DeviceQueryParser.ConstantContext k) return new Operand.Literal(literal(k.literal()));
        if (e instanceof DeviceQueryParser.PropertyContext p) return plain(p, property(p.path()));
        if (e instanceof DeviceQueryParser.MultiplicativeContext m) {
            return new Operand.Arithmetic(m.op.getText().charAt(0), operand(m.left), operand(m.right));
        }
        if (e instanceof DeviceQueryParser.AdditiveContext a) {
            return new Operand.Arithmetic(a.op.getText().charAt(0), operand(a.left), operand(a.right));
        }
        if (e instanceof DeviceQueryParser.CallContext call) {
            Function f = function(call);
            if (f.isTest()) throw bad(call, f.name() + " is a condition; it cannot be used as a value");
            return new Operand.Call(f, arguments(call, f));
        }
        throw bad(e, "a value is needed here, not the condition " + e.getText());
    }

    /** A property used anywhere but in a comparison with a literal: etag, statusUpdateTime and lastActivityTime are refused there. */
    private static Operand plain(ParserRuleContext ctx, Operand o) {
        TwinField field = restricted(o);
        if (field != null) {
            throw bad(ctx, String.join(".", field.path()) + " can only be compared with a literal in quotes");
        }
        return o;
    }

    private Function function(DeviceQueryParser.CallContext call) {
        Function f = Function.named(call.name.getText());
        if (f == null) {
            String hint = call.name.getText().equalsIgnoreCase("STARTS_WITH") ? " (IoT Hub spells it STARTSWITH)"
                    : call.name.getText().equalsIgnoreCase("ENDS_WITH") ? " (IoT Hub spells it ENDSWITH)" : "";
            throw bad(call, "there is no function " + call.name.getText() + hint);
        }
        if (call.args.size() > QueryLimits.MAX_ARGUMENTS) {
            throw bad(call, f.name() + " is given " + call.args.size() + " arguments; the limit is " + QueryLimits.MAX_ARGUMENTS);
        }
        if (!f.accepts(call.args.size())) {
            throw bad(call, f.name() + " takes " + f.arityText() + " argument(s), not " + call.args.size());
        }
        return f;
    }

    private List<Operand> arguments(DeviceQueryParser.CallContext call, Function f) {
        List<Operand> args = new ArrayList<>();
        for (ExpressionContext a : call.args) args.add(operand(a));
        return List.copyOf(args);
    }

    // ---- properties

    static List<String> segments(DeviceQueryParser.PathContext p) {
        List<String> out = new ArrayList<>();
        for (DeviceQueryParser.SegmentContext s : p.segments) {
            String t = s.getText();
            out.add(s.BRACKETED() != null ? t.substring(2, t.length() - 2) : t);
        }
        return List.copyOf(out);
    }

    /** What a twin path means to the store: a column, a place in a document, a constant, or nothing. */
    private Operand property(DeviceQueryParser.PathContext p) {
        List<String> path = segments(p);
        if (source == TwinQuery.Source.JOBS) {
            // a row's property, named as devices.jobs.status or status
            List<String> inRow = path.size() > 2 && path.get(0).equals("devices") && path.get(1).equals("jobs")
                    ? path.subList(2, path.size()) : path;
            return json(p, Operand.Document.JOB, inRow);
        }
        String first = path.get(0);
        List<String> rest = path.subList(1, path.size());
        switch (first) {
            case "tags":
                return json(p, Operand.Document.TAGS, rest);
            case "properties":
                if (rest.isEmpty() || !(rest.get(0).equals("desired") || rest.get(0).equals("reported"))) {
                    throw bad(p, "name properties.desired or properties.reported, not '" + p.getText() + "'");
                }
                boolean desired = rest.get(0).equals("desired");
                List<String> inside = rest.subList(1, rest.size());
                if (!inside.isEmpty() && inside.get(0).equals("$version")) {
                    if (inside.size() > 1) return new Operand.Undefined();
                    // both documents' versions are the twin's (docs/architecture.md, "Twins from both sides")
                    return new Operand.Field(TwinField.VERSION);
                }
                return json(p, desired ? Operand.Document.DESIRED : Operand.Document.REPORTED, inside);
            case "configurations":
                // {"id":{"status":"targeted"|"applied"}}, written by the configurations' evaluation
                return json(p, Operand.Document.CONFIGURATIONS, rest);
            case "capabilities":
                if (rest.equals(List.of("iotEdge"))) return new Operand.Field(TwinField.IOT_EDGE);
                if (rest.isEmpty()) throw notQueryable(p);
                return new Operand.Undefined();
            case "connectionState":
                return rest.isEmpty() ? new Operand.Field(TwinField.CONNECTION_STATE) : new Operand.Undefined();
            case "lastActivityTime":
                return rest.isEmpty() ? new Operand.Field(TwinField.LAST_ACTIVITY_TIME) : new Operand.Undefined();
            case "cloudToDeviceMessageCount":
                return constant(rest, NODES.numberNode(0));
            case "x509Thumbprint", "parentScopes", "deviceEtag":
                throw notQueryable(p);
            default:
                break;
        }
        for (TwinField f : TwinField.values()) {
            if (f.path().size() == 1 && f.path().get(0).equals(first)) {
                if (!rest.isEmpty()) return new Operand.Undefined();
                if (f == TwinField.MODULE_ID && source == TwinQuery.Source.DEVICES) return new Operand.Undefined();
                if (f == TwinField.DEVICE_SCOPE && source == TwinQuery.Source.MODULES) return new Operand.Undefined();
                return new Operand.Field(f);
            }
        }
        return new Operand.Undefined();
    }

    private static Operand constant(List<String> rest, JsonNode value) {
        return rest.isEmpty() ? new Operand.Literal(value) : new Operand.Undefined();
    }

    private static Operand json(DeviceQueryParser.PathContext p, Operand.Document doc, List<String> path) {
        for (String s : path) {
            if (s.equals("$metadata")) {
                throw bad(p, "'" + p.getText() + "': $metadata cannot be queried in Iolite (it can be selected)");
            }
            if (s.contains("\"")) throw bad(p, "a property name cannot hold a double quote: '" + s + "'");
        }
        return new Operand.Json(doc, List.copyOf(path));
    }

    private static IoliteException notQueryable(DeviceQueryParser.PathContext p) {
        return bad(p, "'" + p.getText() + "' cannot be used in WHERE or GROUP BY in Iolite (it can be selected)");
    }

    // ---- literals

    static JsonNode literal(DeviceQueryParser.LiteralContext l) {
        if (l.STRING() != null) return NODES.textNode(unquote(l.STRING().getSymbol()));
        if (l.TRUE() != null) return NODES.booleanNode(true);
        if (l.FALSE() != null) return NODES.booleanNode(false);
        if (l.NULL() != null) return NODES.nullNode();
        String text = l.getText();
        BigDecimal d = new BigDecimal(text);
        if (d.abs().compareTo(BigDecimal.valueOf(Double.MAX_VALUE)) > 0) {
            throw bad(l, "the number " + text + " is too large");
        }
        if (text.indexOf('.') < 0 && text.indexOf('e') < 0 && text.indexOf('E') < 0) {
            BigInteger i = d.toBigIntegerExact();
            if (i.bitLength() < 64) return NODES.numberNode(i.longValue());
        }
        return NODES.numberNode(d.doubleValue());
    }

    /** A string literal's value: quotes removed, {@code ''} and backslash escapes resolved. */
    private static String unquote(Token t) {
        String s = t.getText();
        char quote = s.charAt(0);
        StringBuilder out = new StringBuilder(s.length());
        for (int i = 1; i < s.length() - 1; i++) {
            char c = s.charAt(i);
            if (c == quote) {
                i++; // a doubled quote
                out.append(c);
            } else if (c == '\\') {
                char n = s.charAt(++i);
                switch (n) {
                    case '\'', '"', '\\', '/' -> out.append(n);
                    case 'b' -> out.append('\b');
                    case 'f' -> out.append('\f');
                    case 'n' -> out.append('\n');
                    case 'r' -> out.append('\r');
                    case 't' -> out.append('\t');
                    case 'u' -> {
                        if (i + 5 > s.length() - 1 || !s.substring(i + 1, i + 5).matches("[0-9A-Fa-f]{4}")) {
                            throw bad(t, "\\u in a string takes four hexadecimal digits");
                        }
                        char u = (char) Integer.parseInt(s.substring(i + 1, i + 5), 16);
                        if (u == 0) throw bad(t, "a string cannot hold \\u0000 (NUL): no property name or value in a query can");
                        out.append(u);
                        i += 4;
                    }
                    default -> throw bad(t, "a string holds the unknown escape \\" + n);
                }
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    // ---- errors

    private static IoliteException bad(ParserRuleContext ctx, String message) {
        return bad(ctx.getStart(), message);
    }

    private static IoliteException bad(Token t, String message) {
        return new IoliteException(ErrorCode.ARGUMENT_INVALID, NOT_VALID + "line " + t.getLine()
                + ", column " + (t.getCharPositionInLine() + 1) + ": " + message);
    }
}

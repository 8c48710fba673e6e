package dev.iolite.server.it;

import dev.iolite.server.testkit.ServerExtension;
import dev.iolite.server.testkit.Postgres;
import dev.iolite.server.testkit.SqliteOnly;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.math.BigDecimal;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * One answer per query, on every store: random queries from the grammar (seeded; {@code -Diolite.test.seed=N}
 * repeats a run) over one data set of devices and modules, each run on a server over SQLite, a server over
 * PostgreSQL, and the small evaluator of the language below, which implements the semantics README's
 * "Queries" section documents (type-strict comparisons, undefined matches nothing, NOT folded into what it
 * negates, arithmetic in doubles). The three must agree on every query, rows or the same 400, with no 5xx
 * and a bounded time per query; a mismatch names the seed and the query.
 */
@SqliteOnly("starts a server on each store itself")
class QueryDifferentialIT {
    @RegisterExtension
    static final ServerExtension sqlite = new ServerExtension();
    @RegisterExtension
    static final ServerExtension postgres = new ServerExtension(
            c -> c.withStore(dev.iolite.server.store.StoreUrl.parse(Postgres.get().newDatabase())));

    private static final String API = "?api-version=2021-04-12";
    private static final int QUERIES = 2000;
    private static final int DEVICES = 150;
    private static final int MODULES = 50;
    private static final long QUERY_SECONDS = 15;
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final Object UNDEFINED = new Object();

    @Test
    void sqlitePostgresAndTheEvaluatorGiveOneAnswerToEveryQuery() throws Exception {
        long seed = Long.getLong("iolite.test.seed", System.nanoTime());
        System.out.println("QueryDifferentialIT seed " + seed);
        Random random = new Random(seed);
        List<ObjectNode> devices = new ArrayList<>();
        List<ObjectNode> modules = new ArrayList<>();
        Data data = new Data(random);
        for (int i = 0; i < DEVICES; i++) devices.add(data.device(i));
        for (int i = 0; i < MODULES; i++) modules.add(data.module(i, random.nextInt(DEVICES)));
        for (ServerExtension s : List.of(sqlite, postgres)) {
            load(s, devices);
            load(s, modules);
        }
        Map<String, List<JsonNode>> twins = new LinkedHashMap<>();
        for (String from : List.of("devices", "devices.modules")) {
            List<JsonNode> a = rows(post(sqlite, "SELECT * FROM " + from), "twins");
            List<JsonNode> b = rows(post(postgres, "SELECT * FROM " + from), "twins");
            assertThat(documents(b)).as("the data set as each store keeps it").isEqualTo(documents(a));
            twins.put(from, a);
        }
        assertThat(twins.get("devices")).hasSize(DEVICES);
        assertThat(twins.get("devices.modules")).hasSize(MODULES);

        Generator generator = new Generator(random);
        for (int i = 0; i < QUERIES; i++) {
            Query q = generator.query();
            String where = "seed " + seed + ", query " + i + ": " + q.text();
            CompletableFuture<HttpResponse<String>> pg = CompletableFuture.supplyAsync(() -> {
                try {
                    return post(postgres, q.text());
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            long started = System.nanoTime();
            HttpResponse<String> onSqlite = post(sqlite, q.text());
            HttpResponse<String> onPostgres = pg.get(QUERY_SECONDS * 2, TimeUnit.SECONDS);
            assertThat(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started)).as(where).isLessThan(QUERY_SECONDS);
            Object expected;
            try {
                expected = q.evaluate(twins.get(q.from()));
            } catch (OutOfRange e) {
                expected = null;
            }
            for (HttpResponse<String> r : List.of(onSqlite, onPostgres)) {
                if (r.statusCode() >= 500) fail(where + "\n" + (r == onSqlite ? "SQLite" : "PostgreSQL") + ": " + r.body());
            }
            if (onSqlite.statusCode() != onPostgres.statusCode()) {
                fail(where + "\nSQLite " + onSqlite.statusCode() + ": " + onSqlite.body() + "\nPostgreSQL "
                        + onPostgres.statusCode() + ": " + onPostgres.body());
            }
            if (onSqlite.statusCode() == 400 || expected == null) {
                assertThat(onSqlite.statusCode()).as(where + "\n" + onSqlite.body()).isEqualTo(expected == null ? 400 : 200);
                assertThat(ServerExtension.hubError(onPostgres).get("message").asText()).as(where)
                        .isEqualTo(ServerExtension.hubError(onSqlite).get("message").asText());
                assertThat(ServerExtension.hubError(onSqlite).get("message").asText()).as(where).contains("out of range");
                continue;
            }
            assertThat(onSqlite.statusCode()).as(where + "\n" + onSqlite.body()).isEqualTo(200);
            Object a = q.canonical(rows(onSqlite, where));
            Object b = q.canonical(rows(onPostgres, where));
            if (!a.equals(expected) || !b.equals(expected)) {
                fail(where + "\nexpected (evaluator): " + expected + "\nSQLite:     " + a + "\nPostgreSQL: " + b);
            }
        }
    }

    // ---- the servers

    private static void load(ServerExtension s, List<ObjectNode> items) throws Exception {
        for (int from = 0; from < items.size(); from += 100) {
            ArrayNode batch = NODES.arrayNode();
            batch.addAll(items.subList(from, Math.min(items.size(), from + 100)));
            HttpResponse<String> r = s.send("POST", "/devices" + API, s.ownerSas(), batch.toString());
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        }
    }

    private static HttpResponse<String> post(ServerExtension s, String query) throws Exception {
        String body = ServerExtension.JSON.createObjectNode().put("query", query).toString();
        return s.send("POST", "/devices/query" + API, s.ownerSas(), body, "x-ms-max-item-count", "10000");
    }

    private static List<JsonNode> rows(HttpResponse<String> r, String where) throws Exception {
        assertThat(r.statusCode()).as(where + ": " + r.body()).isEqualTo(200);
        assertThat(r.headers().firstValue("x-ms-continuation")).as(where).isEmpty();
        List<JsonNode> out = new ArrayList<>();
        for (JsonNode n : ServerExtension.JSON.readTree(r.body())) out.add(n);
        return out;
    }

    /** Tags and desired properties (without metadata) of each twin, by key. */
    private static Map<String, String> documents(List<JsonNode> twins) {
        Map<String, String> out = new TreeMap<>();
        for (JsonNode t : twins) {
            ObjectNode desired = ((ObjectNode) t.path("properties").path("desired")).deepCopy();
            desired.remove("$metadata");
            out.put(key(t), canonical(t.get("tags")) + " " + canonical(desired));
        }
        return out;
    }

    private static String key(JsonNode twin) {
        return twin.get("deviceId").asText() + "/" + twin.path("moduleId").asText("");
    }

    /** JSON text with numbers written one way (5, 5.0 and 5e0 alike) and members in name order. */
    private static String canonical(JsonNode n) {
        if (n == null) return "undefined";
        if (n.isNumber()) return n.decimalValue().stripTrailingZeros().toPlainString();
        if (n.isObject()) {
            TreeMap<String, String> members = new TreeMap<>();
            n.fields().forEachRemaining(e -> members.put(e.getKey(), canonical(e.getValue())));
            return members.toString();
        }
        if (n.isArray()) {
            List<String> items = new ArrayList<>();
            n.forEach(i -> items.add(canonical(i)));
            return items.toString();
        }
        return n.toString();
    }

    // ---- the data set

    /** Devices and modules whose tags and desired properties hold every JSON type, some keys left out. */
    private record Data(Random random) {
        private static final String[] STRINGS = {"north", "North", "south", "", " pad ", "é", "a'b", "10", "true", "x", "no"};
        private static final String[] NUMBERS = {"0", "1", "-1", "2", "3", "5", "7", "10", "20", "-4", "0.5", "2.25", "-3.5",
                "1000", "0.1", "5.0", "1e6", "12"};

        ObjectNode device(int i) {
            ObjectNode d = NODES.objectNode().put("id", String.format("d-%03d", i))
                    .put("status", random.nextInt(4) == 0 ? "disabled" : "enabled");
            d.set("tags", document(List.of("a", "b", "c", "n", "s", "flag")));
            d.putObject("properties").set("desired", document(List.of("a", "b", "n", "s")));
            return d;
        }

        ObjectNode module(int i, int device) {
            ObjectNode m = NODES.objectNode().put("id", String.format("d-%03d", device)).put("moduleId", "m-" + i);
            m.set("tags", document(List.of("a", "n", "s", "kind")));
            return m;
        }

        private ObjectNode document(List<String> keys) {
            ObjectNode o = NODES.objectNode();
            for (String k : keys) {
                if (random.nextInt(5) > 0) o.set(k, scalarOrMore(true));
            }
            if (random.nextInt(3) > 0) {
                ObjectNode nested = o.putObject("nested");
                for (String k : List.of("x", "y", "z")) {
                    if (random.nextInt(4) > 0) nested.set(k, scalarOrMore(false));
                }
            }
            return o;
        }

        /** Any JSON value; objects and arrays hold whole numbers only, written one way on every store. */
        private JsonNode scalarOrMore(boolean containers) {
            int kind = random.nextInt(containers ? 12 : 10);
            return switch (kind) {
                case 0, 1, 2 -> NODES.textNode(STRINGS[random.nextInt(STRINGS.length)]);
                case 3, 4, 5, 6 -> number(NUMBERS[random.nextInt(NUMBERS.length)]);
                case 7, 8 -> NODES.booleanNode(random.nextBoolean());
                case 9 -> NODES.nullNode();
                case 10 -> NODES.objectNode().put("x", random.nextInt(3)).put("y", "s");
                default -> NODES.arrayNode().add(random.nextInt(3)).add("a");
            };
        }
    }

    private static JsonNode number(String text) {
        if (text.indexOf('.') < 0 && text.indexOf('e') < 0) return NODES.numberNode(Long.parseLong(text));
        return NODES.numberNode(Double.parseDouble(text));
    }

    // ---- the queries: generated as trees, written as text, evaluated here

    private sealed interface Cond permits Cmp, TestCall, In, Junction, Not, Const, Bare {}

    private record Cmp(String op, Val left, Val right) implements Cond {}

    private record TestCall(String function, List<Val> args) implements Cond {}

    private record In(Val value, List<Lit> values, boolean nin) implements Cond {}

    private record Junction(boolean and, Cond left, Cond right) implements Cond {}

    private record Not(Cond inner) implements Cond {}

    private record Const(boolean value) implements Cond {}

    private record Bare(Path path) implements Cond {}

    private sealed interface Val permits Path, Lit, Arith, Call {}

    private record Path(String text) implements Val {}

    private record Lit(String text, JsonNode value) implements Val {}

    private record Arith(char op, Val left, Val right) implements Val {}

    private record Call(String function, List<Val> args) implements Val {}

    /** A computed number (a double) or a value of the twin or the query. */
    private record Value(JsonNode json, boolean computed) {}

    private static final class Generator {
        private static final String[] PATHS = {"tags.a", "tags.b", "tags.c", "tags.n", "tags.s", "tags.flag", "tags.kind",
                "tags.missing", "tags.nested.x", "tags.nested.y", "tags.nested.z", "tags.nested", "tags.a.x",
                "properties.desired.a", "properties.desired.b", "properties.desired.n", "properties.desired.s",
                "properties.desired.nested.x", "properties.desired.nested", "properties.desired.zz",
                "properties.reported.a", "properties.desired.$version", "deviceId", "moduleId", "status", "version",
                "capabilities.iotEdge", "authenticationType", "connectionState", "nothing"};
        private static final String[] NUMBER_PATHS = {"tags.a", "tags.n", "tags.nested.x", "properties.desired.n", "version"};
        private static final String[] STRING_PATHS = {"tags.s", "tags.b", "properties.desired.s", "deviceId", "status"};
        private static final String[] STRINGS = {"'north'", "'North'", "'south'", "''", "' pad '", "'é'", "'a''b'", "'10'",
                "'x'", "'no'", "'d-0'", "'enabled'", "'sas'", "\"true\"", "'pad'", "'m-1'"};
        private static final String[] NUMBERS = {"0", "1", "-1", "2", "3", "5", "7", "10", "20", "-4", "0.5", "2.25", "-3.5",
                "1000", "0.1", "5.0", "12", "100"};
        private static final String[] TESTS = {"IS_DEFINED", "IS_NULL", "IS_BOOL", "IS_NUMBER", "IS_STRING", "IS_OBJECT",
                "IS_ARRAY", "IS_PRIMITIVE", "STARTSWITH", "ENDSWITH", "CONTAINS"};
        private static final String[] NUMERIC = {"ABS", "CEILING", "FLOOR", "ROUND", "SQUARE"};
        private static final String[] TEXT = {"LOWER", "UPPER", "LTRIM", "RTRIM", "TRIM"};
        private static final String[] OPS = {"=", "!=", "<>", "<", "<=", ">", ">="};

        private final Random random;

        Generator(Random random) {
            this.random = random;
        }

        Query query() {
            String from = random.nextInt(4) == 0 ? "devices.modules" : "devices";
            Cond where = random.nextInt(12) == 0 ? null : cond(3);
            int shape = random.nextInt(20);
            if (shape < 8) return new Query(Query.Kind.IDS, from, List.of(), where, null);
            if (shape < 9) return new Query(Query.Kind.TWINS, from, List.of(), where, random.nextInt(25));
            if (shape < 14) {
                List<String> paths = new ArrayList<>();
                for (int i = 0, n = 1 + random.nextInt(4); i < n; i++) paths.add(pick(PATHS));
                return new Query(Query.Kind.PROJECTION, from, paths, where, random.nextBoolean() ? null : random.nextInt(30));
            }
            if (shape < 16) return new Query(Query.Kind.COUNT, from, List.of(), where, null);
            List<String> keys = new ArrayList<>();
            for (int i = 0, n = 1 + random.nextInt(2); i < n; i++) {
                String k = pick(PATHS);
                if (!keys.contains(k) && !k.equals("tags.nested") && !k.equals("properties.desired.nested")) keys.add(k);
            }
            if (keys.isEmpty()) keys.add("tags.a");
            return new Query(Query.Kind.GROUPS, from, keys, where, null);
        }

        private Cond cond(int depth) {
            int k = random.nextInt(depth <= 0 ? 5 : 10);
            return switch (k) {
                case 0, 1 -> new Cmp(pick(OPS), val(2), val(2));
                case 2 -> new Cmp(pick(OPS), new Path(pick(PATHS)), literal());
                case 3 -> test();
                case 4 -> {
                    List<Lit> values = new ArrayList<>();
                    for (int i = 0, n = random.nextInt(10) == 0 ? 0 : 1 + random.nextInt(4); i < n; i++) values.add(literal());
                    if (random.nextBoolean()) {
                        // lists of one type, where NIN can hold
                        values.replaceAll(l -> random.nextBoolean() ? numberLiteral() : l);
                    }
                    yield new In(random.nextInt(3) == 0 ? val(1) : new Path(pick(PATHS)), values, random.nextBoolean());
                }
                case 5, 6 -> new Junction(random.nextBoolean(), cond(depth - 1), cond(depth - 1));
                case 7 -> new Not(cond(depth - 1));
                case 8 -> random.nextInt(4) == 0 ? new Const(random.nextBoolean()) : new Bare(new Path(pick(PATHS)));
                default -> new Cmp(pick(OPS), val(2), val(2));
            };
        }

        private Cond test() {
            String f = pick(TESTS);
            if (f.startsWith("IS_")) return new TestCall(f, List.of(val(1)));
            return new TestCall(f, List.of(stringVal(1), random.nextBoolean() ? stringLiteral() : stringVal(1)));
        }

        private Val val(int depth) {
            int k = random.nextInt(depth <= 0 ? 4 : 8);
            return switch (k) {
                case 0, 1 -> new Path(pick(PATHS));
                case 2 -> new Path(pick(NUMBER_PATHS));
                case 3 -> literal();
                case 4, 5 -> new Arith("+-*/%".charAt(random.nextInt(5)), numberVal(depth - 1), numberVal(depth - 1));
                case 6 -> new Call(pick(NUMERIC), List.of(numberVal(depth - 1)));
                default -> stringVal(depth);
            };
        }

        private Val numberVal(int depth) {
            int k = random.nextInt(depth <= 0 ? 3 : 6);
            return switch (k) {
                case 0 -> new Path(pick(NUMBER_PATHS));
                case 1 -> random.nextInt(6) == 0 ? new Path(pick(PATHS)) : numberLiteral();
                case 2 -> random.nextInt(4) == 0 ? new Call("LENGTH", List.of(stringVal(0))) : new Path(pick(NUMBER_PATHS));
                case 3, 4 -> new Arith("+-*/%".charAt(random.nextInt(5)), numberVal(depth - 1), numberVal(depth - 1));
                default -> new Call(pick(NUMERIC), List.of(numberVal(depth - 1)));
            };
        }

        private Val stringVal(int depth) {
            int k = random.nextInt(depth <= 0 ? 3 : 5);
            return switch (k) {
                case 0 -> new Path(pick(STRING_PATHS));
                case 1 -> random.nextInt(5) == 0 ? new Path(pick(PATHS)) : new Path(pick(STRING_PATHS));
                case 2 -> stringLiteral();
                case 3 -> new Call(pick(TEXT), List.of(stringVal(depth - 1)));
                default -> {
                    List<Val> args = new ArrayList<>();
                    for (int i = 0, n = 2 + random.nextInt(2); i < n; i++) args.add(stringVal(depth - 1));
                    yield new Call("CONCAT", args);
                }
            };
        }

        private Lit literal() {
            int k = random.nextInt(8);
            if (k < 3) return stringLiteral();
            if (k < 6) return numberLiteral();
            if (k < 7) {
                boolean b = random.nextBoolean();
                return new Lit(String.valueOf(b), NODES.booleanNode(b));
            }
            return new Lit("null", NODES.nullNode());
        }

        private Lit stringLiteral() {
            String text = pick(STRINGS);
            String inner = text.substring(1, text.length() - 1);
            return new Lit(text, NODES.textNode(text.startsWith("'") ? inner.replace("''", "'") : inner));
        }

        private Lit numberLiteral() {
            String text = pick(NUMBERS);
            return new Lit(text, number(text));
        }

        private String pick(String[] from) {
            return from[random.nextInt(from.length)];
        }
    }

    private record Query(Kind kind, String from, List<String> paths, Cond where, Integer top) {
        enum Kind { IDS, TWINS, PROJECTION, COUNT, GROUPS }

        String text() {
            StringBuilder b = new StringBuilder("SELECT ");
            if (top != null) b.append("TOP ").append(top).append(' ');
            switch (kind) {
                case IDS -> b.append("deviceId, moduleId");
                case TWINS -> b.append('*');
                case PROJECTION -> {
                    for (int i = 0; i < paths.size(); i++) b.append(i > 0 ? ", " : "").append(paths.get(i)).append(" AS p").append(i);
                }
                case COUNT -> b.append("COUNT() AS n");
                case GROUPS -> {
                    for (int i = 0; i < paths.size(); i++) b.append(paths.get(i)).append(" AS g").append(i).append(", ");
                    b.append("COUNT() AS n");
                }
            }
            b.append(" FROM ").append(from);
            if (where != null) b.append(" WHERE ").append(write(where));
            if (kind == Kind.GROUPS) b.append(" GROUP BY ").append(String.join(", ", paths));
            return b.toString();
        }

        /** The rows as this kind of query is compared: in order for twins, as a sorted multiset for groups. */
        Object canonical(List<JsonNode> rows) {
            List<String> out = new ArrayList<>();
            for (JsonNode r : rows) {
                out.add(kind == Kind.TWINS ? key(r) : canonical(r));
            }
            if (kind == Kind.GROUPS) out.sort(Comparator.naturalOrder());
            return out;
        }

        private static String canonical(JsonNode n) {
            return QueryDifferentialIT.canonical(n);
        }

        Object evaluate(List<JsonNode> twins) {
            List<JsonNode> selected = new ArrayList<>();
            List<JsonNode> ordered = new ArrayList<>(twins);
            ordered.sort(Comparator.comparing(QueryDifferentialIT::key));
            for (JsonNode t : ordered) {
                if (where == null || Evaluator.holds(where, t, from, false)) selected.add(t);
            }
            if (top != null && selected.size() > top) selected = selected.subList(0, top);
            List<JsonNode> rows = new ArrayList<>();
            switch (kind) {
                case IDS -> {
                    for (JsonNode t : selected) {
                        ObjectNode o = NODES.objectNode();
                        project(o, "deviceId", t, "deviceId");
                        project(o, "moduleId", t, "moduleId");
                        rows.add(o);
                    }
                }
                case TWINS -> rows.addAll(selected);
                case PROJECTION -> {
                    for (JsonNode t : selected) {
                        ObjectNode o = NODES.objectNode();
                        for (int i = 0; i < paths.size(); i++) project(o, "p" + i, t, paths.get(i));
                        rows.add(o);
                    }
                }
                case COUNT -> rows.add(NODES.objectNode().put("n", selected.size()));
                case GROUPS -> {
                    Map<String, ObjectNode> groups = new LinkedHashMap<>();
                    for (JsonNode t : selected) {
                        ObjectNode o = NODES.objectNode();
                        for (int i = 0; i < paths.size(); i++) project(o, "g" + i, t, paths.get(i));
                        ObjectNode g = groups.computeIfAbsent(QueryDifferentialIT.canonical(o), k -> o.deepCopy().put("n", 0));
                        g.put("n", g.get("n").asInt() + 1);
                    }
                    rows.addAll(groups.values());
                }
            }
            return canonical(rows);
        }

        private void project(ObjectNode o, String name, JsonNode twin, String path) {
            Object v = Evaluator.read(twin, path, from);
            if (v instanceof JsonNode n) o.set(name, n);
        }
    }

    /** Refused: a number out of a double's range. */
    private static final class OutOfRange extends RuntimeException {
        OutOfRange() {
            super("out of range", null, false, false);
        }
    }

    private static String write(Cond c) {
        if (c instanceof Cmp cmp) return write(cmp.left()) + " " + cmp.op() + " " + write(cmp.right());
        if (c instanceof TestCall t) return t.function() + "(" + String.join(", ", t.args().stream().map(QueryDifferentialIT::write).toList()) + ")";
        if (c instanceof In in) {
            return write(in.value()) + (in.nin() ? " NIN [" : " IN [")
                    + String.join(", ", in.values().stream().map(Lit::text).toList()) + "]";
        }
        if (c instanceof Junction j) return "(" + write(j.left()) + (j.and() ? " AND " : " OR ") + write(j.right()) + ")";
        if (c instanceof Not n) return "NOT (" + write(n.inner()) + ")";
        if (c instanceof Const k) return String.valueOf(k.value());
        return ((Bare) c).path().text();
    }

    private static String write(Val v) {
        if (v instanceof Path p) return p.text();
        if (v instanceof Lit l) return l.text();
        if (v instanceof Arith a) return "(" + write(a.left()) + " " + a.op() + " " + write(a.right()) + ")";
        Call call = (Call) v;
        return call.function() + "(" + String.join(", ", call.args().stream().map(QueryDifferentialIT::write).toList()) + ")";
    }

    /** IoT Hub's query language as README's "Queries" section documents it, over a twin as the server returns it. */
    private static final class Evaluator {
        private static final double MAX = Double.MAX_VALUE;

        /** Whether the condition holds (or, {@code negated}, its negation holds) for the twin. */
        static boolean holds(Cond c, JsonNode twin, String from, boolean negated) {
            if (c instanceof Not n) return holds(n.inner(), twin, from, !negated);
            if (c instanceof Junction j) {
                boolean and = j.and() != negated;
                boolean l = holds(j.left(), twin, from, negated);
                boolean r = holds(j.right(), twin, from, negated);
                return and ? l && r : l || r;
            }
            if (c instanceof Const k) return k.value() != negated;
            if (c instanceof Bare b) return compare(negated ? "!=" : "=", eval(b.path(), twin, from), new Value(NODES.booleanNode(true), false));
            if (c instanceof Cmp cmp) {
                String op = negated ? negate(cmp.op()) : cmp.op();
                return compare(op, eval(cmp.left(), twin, from), eval(cmp.right(), twin, from));
            }
            if (c instanceof In in) {
                boolean isIn = in.nin() == negated;
                Value v = eval(in.value(), twin, from);
                if (isIn) {
                    for (Lit l : in.values()) if (compare("=", v, new Value(l.value(), false))) return true;
                    return false;
                }
                if (in.values().isEmpty()) return v != null;
                for (Lit l : in.values()) if (!compare("!=", v, new Value(l.value(), false))) return false;
                return true;
            }
            TestCall t = (TestCall) c;
            Value a = eval(t.args().get(0), twin, from);
            String type = a == null ? null : type(a.json());
            if (t.args().size() == 1) {
                boolean result = switch (t.function()) {
                    case "IS_DEFINED" -> a != null;
                    case "IS_NULL" -> "null".equals(type);
                    case "IS_BOOL" -> "bool".equals(type);
                    case "IS_NUMBER" -> "number".equals(type);
                    case "IS_STRING" -> "string".equals(type);
                    case "IS_OBJECT" -> "object".equals(type);
                    case "IS_ARRAY" -> "array".equals(type);
                    default -> type != null && !type.equals("object") && !type.equals("array");
                };
                return result != negated;
            }
            Value b = eval(t.args().get(1), twin, from);
            if (a == null || b == null || !"string".equals(type) || !"string".equals(type(b.json()))) return false;
            String x = a.json().textValue();
            String y = b.json().textValue();
            boolean result = switch (t.function()) {
                case "STARTSWITH" -> x.startsWith(y);
                case "ENDSWITH" -> x.endsWith(y);
                default -> x.contains(y);
            };
            return result != negated;
        }

        private static String negate(String op) {
            return switch (op) {
                case "=" -> "!=";
                case "!=", "<>" -> "=";
                case "<" -> ">=";
                case ">=" -> "<";
                case ">" -> "<=";
                default -> ">";
            };
        }

        /** Type-strict: both defined, of one type; null equals null only; objects and arrays never compare. */
        private static boolean compare(String op, Value a, Value b) {
            if (a == null || b == null) return false;
            String ta = type(a.json());
            if (!ta.equals(type(b.json()))) return false;
            int order;
            switch (ta) {
                case "null":
                    return op.equals("=");
                case "bool":
                    if (!op.equals("=") && !op.equals("!=") && !op.equals("<>")) return false;
                    order = Boolean.compare(a.json().booleanValue(), b.json().booleanValue());
                    break;
                case "string":
                    order = a.json().textValue().compareTo(b.json().textValue());
                    break;
                case "number":
                    if (!a.computed() && !b.computed() && a.json().isIntegralNumber() && b.json().isIntegralNumber()) {
                        order = Long.compare(a.json().longValue(), b.json().longValue());
                    } else {
                        order = Double.compare(a.json().doubleValue() + 0.0, b.json().doubleValue() + 0.0);
                        if (a.json().doubleValue() == b.json().doubleValue()) order = 0;
                    }
                    break;
                default:
                    return false;
            }
            return switch (op) {
                case "=" -> order == 0;
                case "!=", "<>" -> order != 0;
                case "<" -> order < 0;
                case "<=" -> order <= 0;
                case ">" -> order > 0;
                default -> order >= 0;
            };
        }

        private static String type(JsonNode n) {
            if (n.isTextual()) return "string";
            if (n.isNumber()) return "number";
            if (n.isBoolean()) return "bool";
            if (n.isNull()) return "null";
            return n.isObject() ? "object" : "array";
        }

        /** The value, or null where it is undefined. */
        static Value eval(Val v, JsonNode twin, String from) {
            if (v instanceof Lit l) return new Value(l.value(), false);
            if (v instanceof Path p) {
                Object r = read(twin, p.text(), from);
                return r instanceof JsonNode n ? new Value(n, false) : null;
            }
            if (v instanceof Arith a) {
                Double x = number(eval(a.left(), twin, from));
                Double y = number(eval(a.right(), twin, from));
                if (x == null || y == null) return null;
                Double r = switch (a.op()) {
                    case '+' -> add(x, y);
                    case '-' -> add(x, -y);
                    case '*' -> mul(x, y);
                    case '/' -> div(x, y);
                    default -> y == 0 ? null : add(x, -mul(y, trunc(div(x, y))));
                };
                return r == null ? null : new Value(NODES.numberNode(r), true);
            }
            Call call = (Call) v;
            List<Value> args = new ArrayList<>();
            for (Val a : call.args()) args.add(eval(a, twin, from));
            switch (call.function()) {
                case "ABS", "CEILING", "FLOOR", "ROUND", "SQUARE" -> {
                    Double x = number(args.get(0));
                    if (x == null) return null;
                    double r = switch (call.function()) {
                        case "ABS" -> Math.abs(x);
                        case "CEILING" -> Math.ceil(x);
                        case "FLOOR" -> Math.floor(x);
                        case "ROUND" -> Math.abs(x) >= 4503599627370496.0 ? x : Math.signum(x) * Math.floor(Math.abs(x) + 0.5);
                        default -> mul(x, x);
                    };
                    return new Value(NODES.numberNode(r), true);
                }
                default -> {
                    List<String> texts = new ArrayList<>();
                    for (Value a : args) {
                        if (a == null || !a.json().isTextual()) return null;
                        texts.add(a.json().textValue());
                    }
                    String s = texts.get(0);
                    return switch (call.function()) {
                        case "LENGTH" -> new Value(NODES.numberNode((long) s.codePointCount(0, s.length())), false);
                        case "LOWER" -> text(ascii(s, true));
                        case "UPPER" -> text(ascii(s, false));
                        case "LTRIM" -> text(s.replaceAll("^ +", ""));
                        case "RTRIM" -> text(s.replaceAll(" +$", ""));
                        case "TRIM" -> text(s.replaceAll("^ +", "").replaceAll(" +$", ""));
                        default -> text(String.join("", texts));
                    };
                }
            }
        }

        private static Value text(String s) {
            return new Value(NODES.textNode(s), false);
        }

        /** LOWER and UPPER change ASCII letters only, on both stores. */
        private static String ascii(String s, boolean lower) {
            StringBuilder b = new StringBuilder(s.length());
            for (char c : s.toCharArray()) {
                if (lower && c >= 'A' && c <= 'Z') b.append((char) (c + 32));
                else if (!lower && c >= 'a' && c <= 'z') b.append((char) (c - 32));
                else b.append(c);
            }
            return b.toString();
        }

        private static Double number(Value v) {
            return v != null && v.json().isNumber() ? v.json().doubleValue() : null;
        }

        private static double add(double x, double y) {
            double r = x + y;
            if (Math.abs(r) > MAX) throw new OutOfRange();
            return r;
        }

        private static double mul(double x, double y) {
            double r = x * y;
            if (Math.abs(r) > MAX || (r == 0 && x != 0 && y != 0)) throw new OutOfRange();
            return r;
        }

        private static Double div(double x, double y) {
            if (y == 0) return null;
            double r = x / y;
            if (Math.abs(r) > MAX || (r == 0 && x != 0)) throw new OutOfRange();
            return r;
        }

        private static double trunc(double x) {
            return x < 0 ? Math.ceil(x) : Math.floor(x);
        }

        /** A path's value in the twin as the query sees it, or {@link #UNDEFINED}. */
        static Object read(JsonNode twin, String path, String from) {
            if (path.equals("nothing")) return UNDEFINED;
            if (path.equals("moduleId") && from.equals("devices")) return UNDEFINED;
            JsonNode n = twin;
            for (String segment : path.split("\\.")) {
                if (n == null || !n.isObject()) return UNDEFINED;
                n = n.get(segment);
            }
            return n == null ? UNDEFINED : n;
        }
    }
}

package dev.iolite.server.query;

import dev.iolite.server.errors.ErrorCode;
import dev.iolite.server.errors.IoliteException;

import java.util.List;

/**
 * What one query may ask, so that no query costs more than its text says. Each limit is generous for real
 * IoT Hub queries (which rarely nest more than a few levels or hold more than a few dozen conditions), and
 * each exceeded limit is a 400 naming the limit and its value. Together with SQL that grows linearly with
 * the query's text (see the store's query writer), they bound the work of any query the server accepts.
 */
public final class QueryLimits {
    /** IoT Hub's own cap on a query's text. */
    public static final int MAX_QUERY_CHARS = 8192;
    /**
     * Levels of nesting in WHERE: each AND/OR group, comparison, test, arithmetic operator and function call
     * is one level ({@code tags.a = 1} is one; {@code SQUARE(tags.a + 1) > 2} three). Parentheses and NOT
     * add none.
     */
    public static final int MAX_DEPTH = 24;
    /** Comparisons, tests and IN/NIN lists in WHERE. */
    public static final int MAX_CONDITIONS = 256;
    /** Values in one IN or NIN list. */
    public static final int MAX_IN_VALUES = 1000;
    /** Properties and COUNT() in a SELECT list. */
    public static final int MAX_SELECTED = 100;
    /** Properties in GROUP BY. */
    public static final int MAX_GROUP_KEYS = 16;
    /** Arguments of one function call (CONCAT takes any number). */
    public static final int MAX_ARGUMENTS = 32;

    private QueryLimits() {}

    /** Refuses a condition that nests deeper or holds more conditions than the limits allow. */
    static void check(Condition where, String what) {
        if (where == null) return;
        int[] count = {0};
        int depth = depth(where, count);
        if (depth > MAX_DEPTH) {
            throw exceeded("the " + what + " nests its conditions, operators and function calls " + depth
                    + " levels deep; the limit is " + MAX_DEPTH);
        }
        if (count[0] > MAX_CONDITIONS) {
            throw exceeded("the " + what + " holds " + count[0] + " conditions; the limit is " + MAX_CONDITIONS);
        }
    }

    static IoliteException exceeded(String message) {
        return new IoliteException(ErrorCode.ARGUMENT_INVALID, message);
    }

    private static int depth(Condition c, int[] count) {
        if (c instanceof Condition.And a) return 1 + max(a.parts(), count);
        if (c instanceof Condition.Or o) return 1 + max(o.parts(), count);
        count[0]++;
        if (c instanceof Condition.Compare cmp) return 1 + Math.max(depth(cmp.left()), depth(cmp.right()));
        if (c instanceof Condition.Test t) return 1 + maxOperand(t.args());
        if (c instanceof Condition.In in) return 1 + depth(in.value());
        return 1;
    }

    private static int max(List<Condition> parts, int[] count) {
        int m = 0;
        for (Condition p : parts) m = Math.max(m, depth(p, count));
        return m;
    }

    private static int depth(Operand o) {
        if (o instanceof Operand.Arithmetic a) return 1 + Math.max(depth(a.left()), depth(a.right()));
        if (o instanceof Operand.Call call) return 1 + maxOperand(call.args());
        return 0;
    }

    private static int maxOperand(List<Operand> args) {
        int m = 0;
        for (Operand a : args) m = Math.max(m, depth(a));
        return m;
    }
}

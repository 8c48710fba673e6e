package dev.iolite.server.query;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.List;

/**
 * A WHERE clause in negation normal form: NOT is folded into the comparisons and tests below it, so a
 * condition is true or false for a row, never undefined. A comparison of values of different types, or
 * of an undefined property, is false, and so is its negation (IoT Hub's type-strict rule).
 */
public sealed interface Condition {

    record And(List<Condition> parts) implements Condition {}

    record Or(List<Condition> parts) implements Condition {}

    /** {@code left op right}, true only when both sides are defined and of the same comparable type. */
    record Compare(Comparison op, Operand left, Operand right) implements Condition {}

    /**
     * {@code value IN [values]} ({@code negated}: NIN), written once however long the list: IN holds where the
     * value equals one of the values (type-strict, as {@code =}); NIN where it differs from each of them (as a
     * chain of {@code !=}, so only a defined value of the one type all the values share, null excepted, can
     * differ from them all). {@code values} are literals (JSON scalars), never empty.
     */
    record In(Operand value, List<JsonNode> values, boolean negated) implements Condition {}

    /** A function that tests its arguments (IS_DEFINED, STARTSWITH...); {@code negated} for NOT. */
    record Test(Function function, List<Operand> args, boolean negated) implements Condition {}

    /** Always true or always false. */
    record Constant(boolean value) implements Condition {}

    /** The comparison operators, each with its negation. */
    enum Comparison {
        EQ("="), NE("<>"), LT("<"), LE("<="), GT(">"), GE(">=");

        private final String sql;

        Comparison(String sql) { this.sql = sql; }

        public String sql() { return sql; }

        public boolean isOrdering() { return this != EQ && this != NE; }

        public Comparison negated() {
            return switch (this) {
                case EQ -> NE;
                case NE -> EQ;
                case LT -> GE;
                case GE -> LT;
                case GT -> LE;
                case LE -> GT;
            };
        }

        static Comparison of(String text) {
            return switch (text) {
                case "=" -> EQ;
                case "!=", "<>" -> NE;
                case "<" -> LT;
                case "<=" -> LE;
                case ">" -> GT;
                case ">=" -> GE;
                default -> throw new IllegalArgumentException("not a comparison: " + text);
            };
        }
    }
}

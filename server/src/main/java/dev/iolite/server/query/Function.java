package dev.iolite.server.query;

import java.util.Locale;

/** The functions of IoT Hub's language for twin queries: tests (in WHERE) and value functions. */
public enum Function {
    IS_DEFINED(1, true), IS_NULL(1, true), IS_BOOL(1, true), IS_NUMBER(1, true), IS_STRING(1, true),
    IS_OBJECT(1, true), IS_ARRAY(1, true), IS_PRIMITIVE(1, true),
    STARTSWITH(2, true), ENDSWITH(2, true), CONTAINS(2, true),
    /** Numbers in, a number out. */
    ABS(1, false), CEILING(1, false), FLOOR(1, false), ROUND(1, false), SQUARE(1, false),
    /** Strings in: LENGTH gives a number, the others a string. */
    LENGTH(1, false), LOWER(1, false), UPPER(1, false), LTRIM(1, false), RTRIM(1, false), TRIM(1, false),
    CONCAT(-2, false);

    private final int arity;
    private final boolean test;

    /** {@code arity} is the exact number of arguments, or minus the least number when more may follow. */
    Function(int arity, boolean test) {
        this.arity = arity;
        this.test = test;
    }

    /** True for functions that return true or false (they stand as conditions). */
    public boolean isTest() { return test; }

    /** True when the function takes and returns numbers. */
    public boolean isNumeric() { return this == ABS || this == CEILING || this == FLOOR || this == ROUND || this == SQUARE; }

    boolean accepts(int args) { return arity >= 0 ? args == arity : args >= -arity; }

    String arityText() { return arity >= 0 ? String.valueOf(arity) : "at least " + (-arity); }

    /** The function of that name (case-insensitive), or null. */
    static Function named(String name) {
        try {
            return valueOf(name.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}

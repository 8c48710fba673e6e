package dev.iolite.server.query;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.List;

/** A value in a query: a twin property, a literal, arithmetic or a function of other values. */
public sealed interface Operand {

    /** A twin property the store keeps as a column. */
    record Field(TwinField field) implements Operand {}

    /** A property inside one of the twin's documents; an empty path is the whole document. */
    record Json(Document document, List<String> path) implements Operand {}

    /** A literal: a string, a number, true, false or null. */
    record Literal(JsonNode value) implements Operand {}

    /** A property no twin has: it never equals anything and is never defined. */
    record Undefined() implements Operand {}

    /** {@code left op right} on numbers; op is one of {@code + - * / %}. */
    record Arithmetic(char op, Operand left, Operand right) implements Operand {}

    /** A function that returns a value (a string or a number). */
    record Call(Function function, List<Operand> args) implements Operand {}

    /** The twin's three JSON documents. */
    enum Document {
        TAGS, DESIRED, REPORTED, CONFIGURATIONS,
        /** A row of {@code devices.jobs}, as the query shows it ({@code jobId}, {@code status}, ...). */
        JOB
    }
}

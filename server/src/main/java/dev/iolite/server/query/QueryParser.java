package dev.iolite.server.query;

import dev.iolite.server.errors.ErrorCode;
import dev.iolite.server.errors.IoliteException;
import org.antlr.v4.runtime.BaseErrorListener;
import org.antlr.v4.runtime.CharStreams;
import org.antlr.v4.runtime.CommonTokenStream;
import org.antlr.v4.runtime.RecognitionException;
import org.antlr.v4.runtime.Recognizer;
import org.antlr.v4.runtime.Token;

/**
 * Parses a query of IoT Hub's language into ANTLR's tree ({@code DeviceQuery.g4}). A query that does not
 * parse is an {@link IoliteException} (400) naming the line, the column and the problem; never a 500.
 */
public final class QueryParser {
    /** IoT Hub caps a query's text; a longer one is refused before it is parsed. */
    public static final int MAX_QUERY_CHARS = QueryLimits.MAX_QUERY_CHARS;

    /**
     * IoT Hub's query language sorts nothing: its grammar is SELECT, FROM, WHERE and GROUP BY
     * (learn.microsoft.com/azure/iot-hub/iot-hub-devguide-query-language), so ORDER BY is refused by name
     * rather than with the parser's list of expected tokens.
     */
    static final String NO_ORDER_BY = "IoT Hub's query language has no ORDER BY; rows come in no set order, "
            + "so sort them where they are read";

    private QueryParser() {}

    public static DeviceQueryParser.QueryContext parse(String text) {
        try {
            return parser(text, "query").query();
        } catch (StackOverflowError e) {
            throw tooDeep("query");
        }
    }

    /** A condition alone, as an export's filter holds it. */
    public static DeviceQueryParser.FilterContext parseFilter(String text) {
        try {
            return parser(text, "filter").filter();
        } catch (StackOverflowError e) {
            throw tooDeep("filter");
        }
    }

    /** Parentheses nested thousands deep exhaust the parser's stack: a 400 like any other bad query. */
    private static IoliteException tooDeep(String what) {
        return bad("the " + what + " nests parentheses or operators too deeply to parse");
    }

    private static DeviceQueryParser parser(String text, String what) {
        if (text == null || text.isBlank()) throw bad("the " + what + " is empty");
        if (text.length() > MAX_QUERY_CHARS) {
            throw bad("the " + what + " is " + text.length() + " characters; the limit is " + MAX_QUERY_CHARS);
        }
        if (text.indexOf(0) >= 0) throw bad(nul(what));
        BaseErrorListener fail = new BaseErrorListener() {
            @Override
            public void syntaxError(Recognizer<?, ?> recognizer, Object offendingSymbol, int line, int column,
                                    String msg, RecognitionException e) {
                String at = " at line " + line + ", column " + (column + 1) + ": ";
                if (offendingSymbol instanceof Token t && t.getText() != null && t.getText().equalsIgnoreCase("ORDER")) {
                    throw bad("the " + what + " is not valid" + at + NO_ORDER_BY);
                }
                throw bad("the " + what + " does not parse" + at + msg);
            }
        };
        DeviceQueryLexer lexer = new DeviceQueryLexer(CharStreams.fromString(text));
        lexer.removeErrorListeners();
        lexer.addErrorListener(fail);
        DeviceQueryParser parser = new DeviceQueryParser(new CommonTokenStream(lexer));
        parser.removeErrorListeners();
        parser.addErrorListener(fail);
        return parser;
    }

    /**
     * No property name or string can hold U+0000 in a query: PostgreSQL's text cannot, and a query means the
     * same on every store.
     */
    static String nul(String what) {
        return "the " + what + " holds the character U+0000 (NUL), which no property name or string in a query can hold";
    }

    private static IoliteException bad(String message) {
        return new IoliteException(ErrorCode.ARGUMENT_INVALID, message);
    }
}

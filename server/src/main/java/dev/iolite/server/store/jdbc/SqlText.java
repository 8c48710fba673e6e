package dev.iolite.server.store.jdbc;

import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/** SQL text and its parameters, built together so that each parameter lands at its placeholder. */
final class SqlText {
    private final StringBuilder text = new StringBuilder();
    private final List<Object> params = new ArrayList<>();

    /** Text and pieces in order: each String is SQL text, each SqlText brings its parameters. */
    static SqlText of(Object... parts) {
        SqlText out = new SqlText();
        for (Object part : parts) {
            if (part instanceof SqlText t) out.append(t);
            else out.append((String) part);
        }
        return out;
    }

    SqlText append(String s) {
        text.append(s);
        return this;
    }

    /** A placeholder bound to {@code value} (a String, Long, Double or Integer). */
    SqlText param(Object value) {
        text.append('?');
        params.add(value);
        return this;
    }

    /** Appends another piece, its parameters included. */
    SqlText append(SqlText other) {
        text.append(other.text);
        params.addAll(other.params);
        return this;
    }

    String text() { return text.toString(); }

    /** How many parameters the text binds. */
    int parameterCount() { return params.size(); }

    /** Binds the parameters from index 1; returns the next index. */
    int bind(PreparedStatement ps) throws SQLException {
        int i = 1;
        for (Object p : params) ps.setObject(i++, p);
        return i;
    }

    @Override
    public String toString() { return text + " " + params; }
}

package dev.iolite.server.jdbc.dialect;

import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/** SQL text and its parameters, built together so that each parameter lands at its placeholder. */
public final class SqlText {
    private final StringBuilder text = new StringBuilder();
    private final List<Object> params = new ArrayList<>();

    /** Text and pieces in order: each String is SQL text, each SqlText brings its parameters. */
    public static SqlText of(Object... parts) {
        SqlText out = new SqlText();
        for (Object part : parts) {
            if (part instanceof SqlText t) out.append(t);
            else out.append((String) part);
        }
        return out;
    }

    public SqlText append(String s) {
        text.append(s);
        return this;
    }

    /** A placeholder bound to {@code value} (a String, Long, Double or Integer). */
    public SqlText param(Object value) {
        text.append('?');
        params.add(value);
        return this;
    }

    /** Appends another piece, its parameters included. */
    public SqlText append(SqlText other) {
        text.append(other.text);
        params.addAll(other.params);
        return this;
    }

    public String text() { return text.toString(); }

    /** How many parameters the text binds. */
    public int parameterCount() { return params.size(); }

    /** Binds the parameters from index 1; returns the next index. */
    public int bind(PreparedStatement ps) throws SQLException {
        int i = 1;
        for (Object p : params) ps.setObject(i++, p);
        return i;
    }

    @Override
    public String toString() { return text + " " + params; }
}

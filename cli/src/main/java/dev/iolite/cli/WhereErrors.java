package dev.iolite.cli;

import dev.iolite.client.IotHubException;

import java.util.Iterator;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Makes the server's refusal of a {@code --where} condition point into the user's own text: it names the
 * flag instead of the API field that carried the condition ({@code ioliteFilter} of an export, {@code queryCondition}
 * of a scheduled job), and for a
 * condition sent inside a query ({@code device list}) counts columns from the condition's first character
 * rather than from the {@code SELECT * FROM devices WHERE } the command put before it. The service API's
 * own messages stay as they are; only the command line speaks of flags.
 */
final class WhereErrors {
    private static final String FILTER_FIELD = "'ioliteFilter': ";
    private static final String CONDITION_FIELD = "'queryCondition': ";
    private static final Pattern FIRST_LINE_COLUMN = Pattern.compile("the (query|filter) (does not parse|is not valid) "
            + "at line 1, column (\\d+): ");
    private static final Pattern ANY_PLACE = Pattern.compile("the (query|filter) (does not parse|is not valid) at ");

    /** What {@code DeviceRegistry.list(where)} puts before the condition. */
    static final String LIST_PREFIX = "SELECT * FROM devices WHERE ";

    private WhereErrors() {}

    /** The rows of a condition's query (as {@code DeviceRegistry.list(where)} sends it), its refusal said of --where. */
    static <T> Iterable<T> inQuery(Supplier<Iterable<T>> rows) {
        return () -> {
            Iterator<T> it;
            try {
                it = rows.get().iterator();
            } catch (IotHubException e) {
                throw ofQuery(e, LIST_PREFIX);
            }
            return new Iterator<>() {
                @Override
                public boolean hasNext() {
                    try {
                        return it.hasNext();
                    } catch (IotHubException e) {
                        throw ofQuery(e, LIST_PREFIX);
                    }
                }

                @Override
                public T next() {
                    try {
                        return it.next();
                    } catch (IotHubException e) {
                        throw ofQuery(e, LIST_PREFIX);
                    }
                }
            };
        };
    }

    /** The export's refusal of its filter (positions already the filter's own), said of --where. */
    static RuntimeException ofFilter(IotHubException e) {
        return ofField(e, FILTER_FIELD);
    }

    /** A scheduled job's refusal of its {@code queryCondition} (positions the condition's own), said of --where. */
    static RuntimeException ofCondition(IotHubException e) {
        return ofField(e, CONDITION_FIELD);
    }

    private static RuntimeException ofField(IotHubException e, String field) {
        String m = e.getMessage();
        if (e.getStatusCode() != 400 || m == null || !m.startsWith(field)) return e;
        return failure(e, m.substring(field.length()), 0);
    }

    /** A query's refusal where the query was {@code prefix + condition}: columns moved back into the condition. */
    static RuntimeException ofQuery(IotHubException e, String prefix) {
        String m = e.getMessage();
        if (e.getStatusCode() != 400 || m == null) return e;
        if (!ANY_PLACE.matcher(m).find()) return e;
        Matcher at = FIRST_LINE_COLUMN.matcher(m);
        if (at.find() && Integer.parseInt(at.group(3)) <= prefix.length()) return e;  // not in the condition
        return failure(e, m, prefix.length());
    }

    private static RuntimeException failure(IotHubException e, String message, int shift) {
        Matcher at = FIRST_LINE_COLUMN.matcher(message);
        String text;
        if (at.find()) {
            int column = Integer.parseInt(at.group(3)) - shift;
            text = message.substring(0, at.start()) + "the condition " + at.group(2) + " at column " + column + ": "
                    + message.substring(at.end());
        } else {
            text = ANY_PLACE.matcher(message).replaceFirst("the condition $2 at ");
        }
        return new Connection.Failure("--where: " + text + " (HTTP " + e.getStatusCode() + ", " + e.getErrorCode() + ")");
    }
}

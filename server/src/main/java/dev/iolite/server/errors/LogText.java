package dev.iolite.server.errors;

/**
 * Text from callers made safe to log or return: control characters (a newline that would forge a
 * log line, a NUL, an escape sequence that would drive a terminal) become visible escapes such as
 * {@code \n} or {@code \u0000}, and very long text is cut.
 */
public final class LogText {
    /** Longest text kept; the rest is replaced by an ellipsis so a 7 MiB field cannot flood a log. */
    public static final int MAX_CHARS = 2048;

    private LogText() {}

    public static String escape(String text) {
        if (text == null) return null;
        StringBuilder out = null;
        int n = Math.min(text.length(), MAX_CHARS);
        for (int i = 0; i < n; i++) {
            char c = text.charAt(i);
            boolean control = c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0) || c == '\u2028' || c == '\u2029';
            if (control && out == null) out = new StringBuilder(n + 16).append(text, 0, i);
            if (out != null) {
                if (!control) out.append(c);
                else if (c == '\n') out.append("\\n");
                else if (c == '\r') out.append("\\r");
                else if (c == '\t') out.append("\\t");
                else out.append(String.format("\\u%04x", (int) c));
            }
        }
        String s = out == null ? text.substring(0, n) : out.toString();
        return text.length() > MAX_CHARS ? s + "…" : s;
    }
}

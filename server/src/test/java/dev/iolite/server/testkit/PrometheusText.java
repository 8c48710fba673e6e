package dev.iolite.server.testkit;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A strict reader of Prometheus's text exposition format (version 0.0.4): every line a comment, a
 * {@code # HELP} or {@code # TYPE} line, or a sample {@code name{labels} value [timestamp]} with escaped
 * label values; each family typed once, before its samples; histogram buckets cumulative and ending at
 * {@code +Inf}, equal to {@code _count}. Anything else fails the read, naming the line.
 */
public final class PrometheusText {
    private static final Pattern NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
    private static final Pattern TYPE = Pattern.compile("# TYPE (" + NAME + ") (counter|gauge|histogram|summary|untyped)");
    private static final Pattern HELP = Pattern.compile("# HELP (" + NAME + ") .*");
    private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\\\n]|\\\\[\\\\\"n])*)\"");

    public record Sample(String name, Map<String, String> labels, double value) {}

    public final Map<String, String> types = new HashMap<>();
    public final List<Sample> samples = new ArrayList<>();

    public static PrometheusText parse(String text) {
        PrometheusText t = new PrometheusText();
        int n = 0;
        for (String line : text.split("\n", -1)) {
            n++;
            if (line.isEmpty()) continue;
            if (line.startsWith("#")) {
                Matcher type = TYPE.matcher(line);
                if (type.matches()) {
                    if (t.types.put(type.group(1), type.group(2)) != null) fail(n, "a second TYPE for " + type.group(1), line);
                } else if (line.startsWith("# TYPE") || (line.startsWith("# HELP") && !HELP.matcher(line).matches())) {
                    fail(n, "a malformed TYPE or HELP line", line);
                }
                continue;
            }
            t.samples.add(sample(n, line));
        }
        t.checkHistograms();
        return t;
    }

    private static Sample sample(int n, String line) {
        Matcher name = NAME.matcher(line);
        if (!name.lookingAt()) fail(n, "no metric name", line);
        int i = name.end();
        Map<String, String> labels = new LinkedHashMap<>();
        if (i < line.length() && line.charAt(i) == '{') {
            i++;
            while (line.charAt(i) != '}') {
                Matcher l = LABEL.matcher(line).region(i, line.length());
                if (!l.lookingAt()) fail(n, "a malformed label", line);
                if (labels.put(l.group(1), l.group(2)) != null) fail(n, "a repeated label", line);
                i = l.end();
                if (line.charAt(i) == ',') i++;
                else if (line.charAt(i) != '}') fail(n, "labels not separated by commas", line);
            }
            i++;
        }
        if (i >= line.length() || line.charAt(i) != ' ') fail(n, "no space before the value", line);
        String[] rest = line.substring(i + 1).split(" ");
        if (rest.length > 2) fail(n, "more than a value and a timestamp", line);
        double value;
        try {
            value = switch (rest[0]) {
                case "+Inf" -> Double.POSITIVE_INFINITY;
                case "-Inf" -> Double.NEGATIVE_INFINITY;
                case "NaN" -> Double.NaN;
                default -> Double.parseDouble(rest[0]);
            };
            if (rest.length == 2) Long.parseLong(rest[1]);
        } catch (NumberFormatException e) {
            throw new AssertionError("line " + n + ": a value that is not a number: " + line);
        }
        return new Sample(name.group(), labels, value);
    }

    private void checkHistograms() {
        for (Map.Entry<String, String> e : types.entrySet()) {
            if (!e.getValue().equals("histogram")) continue;
            Map<Map<String, String>, List<Sample>> series = new HashMap<>();
            for (Sample s : samples) {
                if (!s.name.equals(e.getKey() + "_bucket")) continue;
                Map<String, String> key = new HashMap<>(s.labels);
                key.remove("le");
                series.computeIfAbsent(key, k -> new ArrayList<>()).add(s);
            }
            for (Map.Entry<Map<String, String>, List<Sample>> one : series.entrySet()) {
                double last = -1;
                for (Sample b : one.getValue()) {
                    if (b.value < last) throw new AssertionError(e.getKey() + ": buckets are not cumulative: " + one.getKey());
                    last = b.value;
                }
                Sample top = one.getValue().get(one.getValue().size() - 1);
                if (!"+Inf".equals(top.labels.get("le"))) throw new AssertionError(e.getKey() + ": no +Inf bucket last");
                double count = value(e.getKey() + "_count", one.getKey());
                if (count != top.value) throw new AssertionError(e.getKey() + ": +Inf bucket " + top.value + " but count " + count);
            }
        }
    }

    /** The value of the sample of {@code name} whose labels include {@code labels}; 0 when there is none. */
    public double value(String name, Map<String, String> labels) {
        double sum = 0;
        boolean found = false;
        for (Sample s : samples) {
            if (s.name.equals(name) && s.labels.entrySet().containsAll(labels.entrySet())) {
                sum += s.value;
                found = true;
            }
        }
        return found ? sum : 0;
    }

    public boolean has(String name) {
        return samples.stream().anyMatch(s -> s.name.equals(name));
    }

    private static void fail(int n, String what, String line) {
        throw new AssertionError("line " + n + ": " + what + ": " + line);
    }
}

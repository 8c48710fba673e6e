package dev.iolite.cli;

import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

class PrinterTest {
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private Printer printer(Connection.Output format) {
        return new Printer(new PrintWriter(out, true), format);
    }

    private long stream(Connection.Output format, List<List<String>> rows) {
        return Printer.rows(new PrintWriter(out, true), new PrintWriter(err, true), printer(format), rows,
                (p, chunk) -> p.table(List.of("ID", "STATUS", "NOTE"), chunk));
    }

    private static List<List<String>> rows(int n, java.util.function.IntFunction<String> id) {
        return IntStream.range(0, n).mapToObj(i -> List.of(id.apply(i), i % 2 == 0 ? "enabled" : "disabled", "n" + i)).toList();
    }

    @Test
    void streamedRowsMakeOneTableWithOneHeaderAndColumnsThatStartAtTheSamePlaceOnEveryLine() {
        // GIVEN 2,500 rows, the last page's ids no wider than the first page's
        long n = stream(Connection.Output.table, rows(2_500, i -> String.format("dev-%05d", i)));

        List<String> lines = out.toString().lines().toList();
        assertThat(n).isEqualTo(2_500);
        assertThat(lines).hasSize(2_501);
        assertThat(lines.stream().filter(l -> l.startsWith("ID"))).hasSize(1);
        int status = lines.get(0).indexOf("STATUS");
        int note = lines.get(0).indexOf("NOTE");
        assertThat(lines.subList(1, lines.size())).allSatisfy(l -> {
            assertThat(l.charAt(status - 1)).isEqualTo(' ');
            assertThat(l.charAt(status)).isIn('e', 'd');
            assertThat(l.substring(note)).startsWith("n");
        });
        assertThat(err.toString()).isEmpty();
    }

    @Test
    void aLaterValueWiderThanItsColumnIsPrintedWholeAndSaidOnStderr() {
        // GIVEN a row past the measured ones whose id is wider than every id before it
        List<List<String>> rows = new ArrayList<>(rows(Printer.MEASURED_ROWS + 10, i -> "d" + i % 10));
        rows.add(List.of("a-much-longer-device-id", "enabled", "last"));

        stream(Connection.Output.table, rows);

        List<String> lines = out.toString().lines().toList();
        assertThat(lines).hasSize(rows.size() + 1);
        assertThat(lines.get(lines.size() - 1)).isEqualTo("a-much-longer-device-id  enabled  last");
        assertThat(lines.get(1)).isEqualTo("d0  enabled   n0");
        assertThat(err.toString()).contains("1 line holds a value wider than its column").contains("-o tsv");
    }

    @Test
    void columnsAfterAnOverflowReturnToTheirPlaceWhenThereIsRoom() {
        Printer p = printer(Connection.Output.table);
        Printer.rows(new PrintWriter(out, true), p, List.of(List.of("a", "b", "c", "d")), (q, chunk) -> q.table(
                List.of("ONE", "TWO", "THREE", "FOUR"), chunk));
        // one column wider than measured: the next ones start two spaces after the one before until one has room
        // to start at its place again
        out.getBuffer().setLength(0);
        Printer.rows(new PrintWriter(out, true), p, List.of(List.of("a", "b", "c", "d")), (q, chunk) -> {
            q.table(List.of("ONE", "TWO", "THREE", "FOUR"), chunk);
            q.table(null, List.of(List.of("abcdef", "b", "c", "d")));
        });
        List<String> lines = out.toString().lines().toList();
        assertThat(lines).containsExactly("ONE  TWO  THREE  FOUR", "a    b    c      d", "abcdef  b  c     d");
        assertThat(p.overflowed()).isEqualTo(1);
    }

    @Test
    void tsvHasNoHeaderOneLinePerRecordAndEscapesWhatWouldSplitIt() {
        stream(Connection.Output.tsv, List.of(List.of("d1", "enabled", "tab\there"), List.of("d2", "", "line\nbreak\\r")));

        assertThat(out.toString()).isEqualTo("d1\tenabled\ttab\\there\n" + "d2\t\tline\\nbreak\\\\r\n");
        assertThat(out.toString().lines().map(l -> l.split("\t", -1).length)).containsOnly(3);
    }

    @Test
    void tsvOfOneRecordIsOneLineOfItsValuesInOrder() {
        printer(Connection.Output.tsv).fields(List.of("device", "status", "reason"), List.of("d1", "disabled", "stolen\r"));
        printer(Connection.Output.tsv).record("deleted device d1", Printer.ordered("deleted", "d1"));

        assertThat(out.toString()).isEqualTo("d1\tdisabled\tstolen\\r\nd1\n");
    }

    @Test
    void aTableKeepsEachRecordOnOneLine() {
        printer(Connection.Output.table).table(List.of("ID", "NOTE"), List.of(List.of("d1", "two\nlines")));

        assertThat(out.toString().lines().toList()).containsExactly("ID  NOTE", "d1  two\\nlines");
    }

    @Test
    void anEmptyStreamPrintsTheHeaderAloneAsATableAndNothingAsTsv() {
        stream(Connection.Output.table, List.of());
        assertThat(out.toString()).isEqualTo("ID  STATUS  NOTE\n");
        out.getBuffer().setLength(0);
        stream(Connection.Output.tsv, List.of());
        assertThat(out.toString()).isEmpty();
    }

    @Test
    void aSuggestedCommandQuotesWhatAShellWouldSplit() {
        assertThat(Connection.shellWord("iolite-data/x.1")).isEqualTo("iolite-data/x.1");
        assertThat(Connection.shellWord("my data")).isEqualTo("'my data'");
        assertThat(Connection.shellWord("it's")).isEqualTo("'it'\\''s'");
        assertThat(Connection.shellWord("")).isEqualTo("''");
    }
}

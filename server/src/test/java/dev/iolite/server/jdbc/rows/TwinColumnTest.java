package dev.iolite.server.jdbc.rows;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/** The twin column: written once, its properties read back as the exact text written, or parsed when re-rendered. */
class TwinColumnTest {
    private static byte[] utf8(String s) { return s.getBytes(StandardCharsets.UTF_8); }

    @Test
    void propertiesAreCutAtTheirBracesWhateverTheStringsHold() throws Exception {
        String desired = "{\"a\":\"} { \\\" [\",\"b\":[{\"c\":1}],\"d\":{}}";
        String reported = "{\"r\":\"ü\\\\\"}";
        byte[] stored = new TwinColumn.Writer().write(utf8(desired), utf8(reported), null, "why \"so\"", "sas", true, null);
        String column = new String(stored, StandardCharsets.UTF_8);
        // fields at their usual values are left out: no device scope, no authentication type "sas"
        assertThat(column).isEqualTo("{\"d\":" + desired + ",\"r\":" + reported + ",\"sr\":\"why \\\"so\\\"\",\"e\":true}");
        assertThat(TwinColumn.properties(stored)).containsExactly(desired, reported, "{}");
    }

    @Test
    void aColumnRenderedByTheDatabaseIsParsed() throws Exception {
        // PostgreSQL's jsonb text: spaces, and its own order of keys
        String rendered = "{\"d\": {\"x\": [1, 2]}, \"e\": true, \"r\": {}, \"ds\": \"scope\"}";
        assertThat(TwinColumn.properties(utf8(rendered))).containsExactly("{\"x\": [1, 2]}", "{}", "{}");
        String withSection = "{\"c\": {\"cfg\": {\"status\": \"applied\"}}, \"d\": {}, \"r\": {}}";
        assertThat(TwinColumn.properties(utf8(withSection))).containsExactly("{}", "{}", "{\"cfg\": {\"status\": \"applied\"}}");
    }

    @Test
    void theConfigurationsSectionFollowsTheReportedPropertiesAndIsCutToo() throws Exception {
        String section = "{\"a\":{\"status\":\"targeted\"}}";
        byte[] stored = new TwinColumn.Writer().write(utf8("{}"), utf8("{\"x\":1}"), utf8(section), null, "sas", false, "s");
        assertThat(new String(stored, StandardCharsets.UTF_8)).isEqualTo("{\"d\":{},\"r\":{\"x\":1},\"c\":" + section + ",\"ds\":\"s\"}");
        assertThat(TwinColumn.properties(stored)).containsExactly("{}", "{\"x\":1}", section);
    }
}

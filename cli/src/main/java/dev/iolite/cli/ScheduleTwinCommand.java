package dev.iolite.cli;

import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.Iterator;
import java.util.concurrent.Callable;

/**
 * {@code iolite jobs schedule-twin}: a scheduled job (jobs v2, {@code scheduleUpdateTwin}) that merges a patch into
 * the tags and desired properties of the devices a condition selects. The patch is written as a twin is, so that
 * the same JSON works with the service API: an object with {@code tags} and/or {@code properties.desired}. An object
 * with other members is refused rather than taken for desired properties: a desired property named {@code tags}
 * would otherwise change meaning.
 */
@Command(name = "schedule-twin", mixinStandardHelpOptions = true, description = {
        "Schedule a twin update: merge a patch into the tags and desired properties of every device a condition "
                + "selects, as a twin PATCH does (a member set to null is removed).",
        "The patch is a twin's JSON, or the path of a file that holds it: {\"tags\": {...}} and/or "
                + "{\"properties\": {\"desired\": {...}}}.",
        "Example: iolite jobs schedule-twin --where \"tags.site = 'north'\" "
                + "--patch '{\"properties\": {\"desired\": {\"interval\": 30}}}'"})
final class ScheduleTwinCommand implements Callable<Integer> {
    private static final String FORM = "such as '{\"tags\": {\"site\": \"north\"}, \"properties\": {\"desired\": "
            + "{\"interval\": 30}}}'; desired properties alone go in '{\"properties\": {\"desired\": {...}}}'";

    @Mixin
    Connection conn;

    @Mixin
    ScheduleOptions schedule;

    @Option(names = "--patch", required = true, paramLabel = "JSON|FILE",
            description = "The twin patch: tags and/or properties.desired.")
    String patch;

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        JsonNode twin = TwinCommand.object("--patch", patch);
        JsonNode properties = twin.get("properties");
        only(twin, "tags", "properties");
        if (properties != null) {
            if (!properties.isObject()) throw new Connection.Usage("--patch: 'properties' must be an object, " + FORM);
            only(properties, "desired");
        }
        JsonNode tags = twin.get("tags");
        JsonNode desired = properties == null ? null : properties.get("desired");
        if (tags == null && desired == null) throw new Connection.Usage("--patch holds neither tags nor properties.desired, " + FORM);
        String id = schedule.jobId();
        OffsetDateTime start = schedule.start();
        Duration maxTime = schedule.maxTime();
        return schedule.run(spec, conn, jobs -> jobs.scheduleTwinUpdate(id, schedule.where, tags, desired, start, maxTime));
    }

    private static void only(JsonNode n, String... allowed) {
        for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
            String name = it.next();
            if (!java.util.List.of(allowed).contains(name)) {
                throw new Connection.Usage("--patch holds '" + name + "', which a twin job does not write: give tags and/or "
                        + "properties.desired, " + FORM);
            }
        }
    }
}

package dev.iolite.cli;

import dev.iolite.client.IotHubException;
import dev.iolite.client.IotHubResources;
import dev.iolite.client.ScheduledJobs;
import dev.iolite.client.models.JobResponse;
import dev.iolite.client.models.JobStatus;
import dev.iolite.client.models.ScheduledJob;
import picocli.CommandLine;
import picocli.CommandLine.Option;

import java.time.Duration;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeParseException;
import java.util.UUID;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * What {@code jobs schedule-twin} and {@code jobs schedule-method} share: which devices ({@code --where}), when
 * ({@code --at}), the job's id and time limit, and whether to watch it. Watching shows the progress line of
 * imports (through the hub's job list, where Iolite lists scheduled jobs too) and then the job's summary; the exit
 * code is the job's, as for imports: 0 when it completed (devices that failed are counted in the summary), 1 when
 * it failed or was cancelled.
 */
final class ScheduleOptions {
    private static final Pattern JOB_ID = Pattern.compile("[A-Za-z0-9-]{1,64}");

    @Option(names = "--where", required = true, paramLabel = "CONDITION",
            description = "The devices: a condition of the query language, such as \"tags.site = 'north'\".")
    String where;

    @Option(names = "--at", paramLabel = "TIME", description = "When the job starts: an ISO 8601 time such as "
            + "2026-12-07T10:00:00Z (without an offset, in this machine's time zone), or +DURATION from now "
            + "such as +10m or +2h (default: now).")
    String at;

    @Option(names = "--job-id", paramLabel = "ID",
            description = "The job's id: 1 to 64 ASCII letters, digits and '-' (default: a new UUID).")
    String jobId;

    @Option(names = "--max-time", paramLabel = "SECONDS",
            description = "How long the job may run from its start before it fails (default: the service's 3600).")
    Long maxTime;

    @Option(names = "--wait", negatable = true, description = "Show progress until the job ends, then its summary "
            + "(default: wait, unless --at is in the future; --no-wait returns at once).")
    Boolean await;

    /** The job id given, or a new one. */
    String jobId() {
        if (jobId == null) jobId = UUID.randomUUID().toString();
        if (!JOB_ID.matcher(jobId).matches()) {
            throw new Connection.Usage("--job-id is 1 to 64 ASCII letters, digits and '-', not '" + jobId + "'");
        }
        return jobId;
    }

    /** The start time of --at, or null for now. */
    OffsetDateTime start() {
        if (at == null) return null;
        String v = at.trim();
        if (v.startsWith("+")) {
            try {
                return OffsetDateTime.now().plus(new TokenCommand.DurationConverter().convert(v.substring(1)));
            } catch (CommandLine.TypeConversionException e) {
                throw new Connection.Usage("--at " + at + ": " + e.getMessage());
            }
        }
        try {
            return OffsetDateTime.parse(v);
        } catch (DateTimeParseException e) {
            try {
                return LocalDateTime.parse(v).atZone(ZoneId.systemDefault()).toOffsetDateTime();
            } catch (DateTimeParseException e2) {
                throw new Connection.Usage("--at " + at + " is neither a time such as 2026-12-07T10:00:00Z nor +DURATION "
                        + "such as +10m");
            }
        }
    }

    /** --max-time as a duration, or null for the service's default. */
    Duration maxTime() {
        if (maxTime == null) return null;
        if (maxTime <= 0) throw new Connection.Usage("--max-time must be more than 0 seconds, not " + maxTime);
        return Duration.ofSeconds(maxTime);
    }

    /**
     * Schedules the job with {@code schedule}, then prints it, or (waiting) watches it to its end and prints its
     * summary. A condition the server refuses is reported against --where.
     */
    int run(CommandLine.Model.CommandSpec spec, Connection conn, Function<ScheduledJobs, ScheduledJob> schedule) {
        IotHubResources hubs = conn.client().iotHubResource();
        ScheduledJobs jobs = hubs.scheduledJobs(conn.resourceGroup(), conn.hub());
        ScheduledJob job;
        try {
            job = schedule.apply(jobs);
        } catch (IotHubException e) {
            throw WhereErrors.ofCondition(e);
        }
        boolean later = JobStatus.SCHEDULED.equals(job.getStatus());
        String id = job.getJobId();
        if (!(await == null ? !later : await)) {
            Printer p = new Printer(spec.commandLine().getOut(), conn.output);
            p.scheduledJob(job, "");
            if (p.human()) {
                p.line("Watch it with '" + conn.suggest("jobs watch " + id) + "'"
                        + (later ? " or cancel it with '" + conn.suggest("jobs cancel " + id) + "'." : "."));
            }
            return 0;
        }
        spec.commandLine().getErr().println("job " + id + " " + job.getStatus() + (later ? ", starts " + job.getStartTime() : ""));
        spec.commandLine().getErr().flush();
        JobResponse done = JobsCommand.watcher(spec, conn).watch(hubs, conn.resourceGroup(), conn.hub(), id);
        return JobsCommand.finished(spec, conn, done);
    }
}

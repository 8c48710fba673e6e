package dev.iolite.cli;

import dev.iolite.client.IotHubResources;
import dev.iolite.client.ScheduledJobs;
import dev.iolite.client.models.DeviceJob;
import dev.iolite.client.models.JobResponse;
import dev.iolite.client.models.JobStatus;
import dev.iolite.client.models.ScheduledJob;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;

/**
 * {@code iolite jobs list|show|cancel|watch|schedule-twin|schedule-method}: a hub's import and export jobs, and its
 * scheduled jobs (twin updates and method calls), which Iolite lists with them.
 */
@Command(name = "jobs", mixinStandardHelpOptions = true,
        description = "List, show, cancel and watch jobs; schedule twin updates and method calls.",
        subcommands = {JobsCommand.ListJobs.class, JobsCommand.Show.class, JobsCommand.Cancel.class, JobsCommand.Watch.class,
                ScheduleTwinCommand.class, ScheduleMethodCommand.class})
final class JobsCommand implements Runnable {
    @Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "name a jobs command: list, show, cancel, watch, "
                + "schedule-twin or schedule-method");
    }

    /** After a create: print the job, or with --wait watch it; exit 1 when it ends failed or cancelled. */
    static int started(CommandLine.Model.CommandSpec spec, Connection conn, IotHubResources hubs, JobResponse job,
                       boolean await) {
        PrintWriter out = spec.commandLine().getOut();
        if (!await) {
            Printer p = new Printer(out, conn.output);
            p.job(job);
            if (p.human()) p.line("Watch it with '" + conn.suggest("jobs watch " + job.getJobId()) + "'.");
            return 0;
        }
        spec.commandLine().getErr().println("job " + job.getJobId() + " " + job.getStatus());
        spec.commandLine().getErr().flush();
        return finished(spec, conn, watcher(spec, conn).watch(hubs, conn.resourceGroup(), conn.hub(), job.getJobId()));
    }

    /**
     * Progress goes to stdout as a bar or lines; with --output json or tsv it goes to stderr, leaving stdout
     * to the result. The Ctrl-C hint repeats the options that reach this server and hub.
     */
    static JobWatcher watcher(CommandLine.Model.CommandSpec spec, Connection conn) {
        boolean table = new Printer(spec.commandLine().getOut(), conn.output).human();
        return new JobWatcher(table ? spec.commandLine().getOut() : spec.commandLine().getErr(),
                table && JobWatcher.stdoutIsTerminal()).suggesting(conn::suggest);
    }

    static int finished(CommandLine.Model.CommandSpec spec, Connection conn, JobResponse done) {
        show(new Printer(spec.commandLine().getOut(), conn.output), conn, done);
        return JobStatus.COMPLETED.equals(done.getStatus()) ? 0 : 1;
    }

    /** Prints a job: an import or export as the job list has it, a scheduled job as its own API reports it. */
    static void show(Printer p, Connection conn, JobResponse job) {
        if (job.getType() == null || !job.getType().isScheduled()) {
            p.job(job);
            return;
        }
        ScheduledJobs jobs = conn.client().iotHubResource().scheduledJobs(conn.resourceGroup(), conn.hub());
        ScheduledJob j = jobs.getScheduledJob(job.getJobId());
        p.scheduledJob(j, p.json() ? "" : failures(jobs, j));
    }

    /** How many failed devices to read for a summary of their errors. */
    static final int FAILURES_READ = 1000;

    /** The failed devices' error codes with their counts ({@code DeviceNotOnline 2}), from the job's devices.jobs rows. */
    static String failures(ScheduledJobs jobs, ScheduledJob j) {
        if (j.getDeviceJobStatistics() == null || j.getDeviceJobStatistics().getFailedCount() == 0) return "";
        Map<String, Long> byCode = new TreeMap<>();
        long read = 0;
        for (DeviceJob row : jobs.queryDeviceJobs(j.getJobId(), JobStatus.FAILED)) {
            if (read++ == FAILURES_READ) break;
            byCode.merge(row.getErrorCode() == null ? "unknown" : row.getErrorCode(), 1L, Long::sum);
        }
        StringBuilder b = new StringBuilder();
        byCode.forEach((code, n) -> b.append(b.length() == 0 ? "" : ", ").append(code).append(' ').append(n));
        if (read > FAILURES_READ) b.append(String.format(" (of the first %,d failed devices)", FAILURES_READ));
        return b.toString();
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List a hub's jobs, newest first.")
    static final class ListJobs implements Callable<Integer> {
        @Mixin
        Connection conn;

        @Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            List<JobResponse> jobs = new ArrayList<>();
            conn.client().iotHubResource().listJobs(conn.resourceGroup(), conn.hub()).forEach(jobs::add);
            Printer p = new Printer(spec.commandLine().getOut(), conn.output);
            if (p.json()) {
                p.json(jobs);
                return 0;
            }
            List<List<String>> rows = new ArrayList<>();
            for (JobResponse j : jobs) {
                rows.add(List.of(j.getJobId(), Printer.str(j.getType()), Printer.str(j.getStatus()),
                        Printer.str(j.getProgress()) + "%", Printer.str(j.getDevicesProcessed()),
                        Printer.str(j.getDevicesFailed()), Printer.str(j.getStartTimeUtc())));
            }
            p.table(List.of("JOB", "TYPE", "STATUS", "PROGRESS", "PROCESSED", "FAILED", "STARTED"), rows);
            return 0;
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true, description = "Show one job.")
    static final class Show implements Callable<Integer> {
        @Mixin
        Connection conn;

        @Parameters(paramLabel = "JOB_ID")
        String jobId;

        @Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            show(new Printer(spec.commandLine().getOut(), conn.output), conn,
                    conn.client().iotHubResource().getJob(conn.resourceGroup(), conn.hub(), jobId));
            return 0;
        }
    }

    @Command(name = "cancel", mixinStandardHelpOptions = true, description = {"Cancel a job: an enqueued job at once, "
            + "a running one at its next batch boundary (waited for up to a few seconds).",
            "Exits 1 when the job had already ended, so there was nothing to cancel."})
    static final class Cancel implements Callable<Integer> {
        /** How long cancel waits for a running job to reach its batch boundary before it says the request stands. */
        static final Duration SETTLE = Duration.ofSeconds(5);
        private static final Duration POLL = Duration.ofMillis(100);

        @Mixin
        Connection conn;

        @Parameters(paramLabel = "JOB_ID")
        String jobId;

        @Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws InterruptedException {
            IotHubResources hubs = conn.client().iotHubResource();
            Printer p = new Printer(spec.commandLine().getOut(), conn.output);
            JobResponse before = hubs.getJob(conn.resourceGroup(), conn.hub(), jobId);
            if (ended(before)) return nothingToCancel(p, before, "had already ended " + before.getStatus());
            JobResponse job = hubs.cancelJob(conn.resourceGroup(), conn.hub(), jobId);
            long deadline = System.nanoTime() + SETTLE.toNanos();
            while (!ended(job) && System.nanoTime() < deadline) {
                Thread.sleep(POLL.toMillis());
                job = hubs.getJob(conn.resourceGroup(), conn.hub(), jobId);
            }
            if (JobStatus.CANCELLED.equals(job.getStatus())) {
                say(p, job, "cancelled job " + jobId);
                return 0;
            }
            if (ended(job)) return nothingToCancel(p, job, "ended " + job.getStatus() + " before the cancellation took");
            say(p, job, "cancellation of job " + jobId + " requested: it stops at its next batch boundary "
                    + "(see 'iolite jobs show " + jobId + "')");
            return 0;
        }

        private static boolean ended(JobResponse j) {
            return j.getStatus() != null && j.getStatus().isTerminal();
        }

        /** A table user reads what happened, and the job once it ended; -o json prints the job as it is. */
        private void say(Printer p, JobResponse job, String what) {
            if (p.json()) {
                show(p, conn, job);
                return;
            }
            p.line(what);
            if (ended(job)) show(p, conn, job);
        }

        private int nothingToCancel(Printer p, JobResponse job, String how) {
            if (p.json()) show(p, conn, job);
            spec.commandLine().getErr().println("iolite: job " + jobId + " " + how + "; there was nothing to cancel");
            spec.commandLine().getErr().flush();
            return 1;
        }
    }

    @Command(name = "watch", mixinStandardHelpOptions = true, description = "Show a job's progress until it ends.")
    static final class Watch implements Callable<Integer> {
        @Mixin
        Connection conn;

        @Parameters(paramLabel = "JOB_ID")
        String jobId;

        @Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            IotHubResources hubs = conn.client().iotHubResource();
            JobResponse done = watcher(spec, conn).watch(hubs, conn.resourceGroup(), conn.hub(), jobId);
            return finished(spec, conn, done);
        }
    }
}

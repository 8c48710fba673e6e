package dev.iolite.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.concurrent.Callable;

/**
 * {@code iolite jobs schedule-method}: a scheduled job (jobs v2, {@code scheduleDeviceMethod}) that calls a direct
 * method on the devices a condition selects. A device that is not connected (within --connect-timeout) fails with
 * DeviceNotOnline: the job still completes, and its summary counts and names the failures.
 */
@Command(name = "schedule-method", mixinStandardHelpOptions = true, description = {
        "Schedule a direct method call on every device a condition selects.",
        "Example: iolite jobs schedule-method --where \"tags.site = 'north'\" reboot --payload '{\"delay\": 5}'"})
final class ScheduleMethodCommand implements Callable<Integer> {
    @Mixin
    Connection conn;

    @Mixin
    ScheduleOptions schedule;

    @Parameters(index = "0", paramLabel = "METHOD")
    String methodName;

    @Option(names = "--payload", paramLabel = "JSON", description = "The request's payload: any JSON value (default: null).")
    String payload;

    @Option(names = "--response-timeout", paramLabel = "SECONDS",
            description = "How long each device has to answer, 5 to 300 (default: the service's 30).")
    Integer responseTimeout;

    @Option(names = "--connect-timeout", paramLabel = "SECONDS",
            description = "How long to wait for each device to connect, 0 to 300 (default 0: it must be connected).")
    Integer connectTimeout;

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        var body = DeviceInvokeCommand.payload(payload);
        String id = schedule.jobId();
        OffsetDateTime start = schedule.start();
        Duration maxTime = schedule.maxTime();
        return schedule.run(spec, conn, jobs -> jobs.scheduleDeviceMethod(id, schedule.where, methodName, body,
                responseTimeout == null ? null : Duration.ofSeconds(responseTimeout),
                connectTimeout == null ? null : Duration.ofSeconds(connectTimeout), start, maxTime));
    }
}

package dev.iolite.cli;

import dev.iolite.client.models.RegistryStatistics;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Spec;

import java.util.List;
import java.util.concurrent.Callable;

/** {@code iolite stats}: the registry statistics of a hub. */
@Command(name = "stats", mixinStandardHelpOptions = true, description = "Show a hub's device counts.")
final class StatsCommand implements Callable<Integer> {
    @Mixin
    Connection conn;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        RegistryStatistics s = conn.client().iotHubResource().getStats(conn.resourceGroup(), conn.hub());
        Printer p = new Printer(spec.commandLine().getOut(), conn.output);
        if (p.json()) {
            p.json(s);
        } else {
            p.fields(List.of("hub", "total", "enabled", "disabled"), List.of(conn.hub(),
                    String.format("%,d", s.getTotalDeviceCount()), String.format("%,d", s.getEnabledDeviceCount()),
                    String.format("%,d", s.getDisabledDeviceCount())));
        }
        return 0;
    }
}

package dev.iolite.cli;

import dev.iolite.client.IotHubResources;
import dev.iolite.client.models.ExportDevicesRequest;
import dev.iolite.client.models.JobResponse;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.util.concurrent.Callable;

/** {@code iolite export}: starts an export job, and with --wait shows it to the end. */
@Command(name = "export", mixinStandardHelpOptions = true,
        description = "Export every device identity of a hub to a blob container.")
final class ExportCommand implements Callable<Integer> {
    @Mixin
    Connection conn;

    @Option(names = "--to", required = true,
            description = "Container URI: https://ACCOUNT.blob.core.windows.net/CONTAINER?SAS, or file:NAME under the server's blob root.")
    String to;

    @Option(names = "--blob", description = "Blob name (default: devices.txt).")
    String blob;

    @Option(names = "--where", paramLabel = "CONDITION", description = "Export only the devices this condition of "
            + "the query language selects, each with its modules (Iolite's extension), such as \"tags.site = 'north'\".")
    String where;

    @Option(names = "--exclude-keys", description = "Write keys as null.")
    boolean excludeKeys;

    @Option(names = "--wait", description = "Show progress until the job ends.")
    boolean await;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        IotHubResources hubs = conn.client().iotHubResource();
        JobResponse job = hubs.exportDevices(conn.resourceGroup(), conn.hub(), new ExportDevicesRequest()
                .setExportBlobContainerUri(to).setExportBlobName(blob).setExcludeKeys(excludeKeys).setFilter(where));
        return JobsCommand.started(spec, conn, hubs, job, await);
    }
}

package dev.iolite.cli;

import dev.iolite.client.IotHubException;
import dev.iolite.client.IotHubResources;
import dev.iolite.client.models.ExportDevicesRequest;
import dev.iolite.client.models.JobResponse;
import dev.iolite.client.models.JobStatus;
import dev.iolite.server.files.PrivateFiles;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Comparator;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

/**
 * {@code iolite export}: starts an export job, and with --wait shows it to the end. With --to-file it exports
 * into the local server's blob root, waits, and moves the result to a file of the user's (0600: an export
 * holds every device's keys unless --exclude-keys).
 */
@Command(name = "export", mixinStandardHelpOptions = true,
        description = "Export every device identity of a hub to a blob container, or to a local file.")
final class ExportCommand implements Callable<Integer> {
    @Mixin
    Connection conn;

    @ArgGroup(multiplicity = "1")
    Target target;

    static final class Target {
        @Option(names = "--to", required = true,
                description = "Container URI: https://ACCOUNT.blob.core.windows.net/CONTAINER?SAS, or file:NAME under the server's blob root.")
        String to;

        @Option(names = "--to-file", required = true, paramLabel = "PATH",
                description = "A local file (JSON Lines, created 0600) that the export is written to, waiting for the job; "
                        + "needs a local server (--data-dir). An existing file is replaced only with --force.")
        Path file;
    }

    @Option(names = "--blob", description = "Blob name with --to (default: devices.txt).")
    String blob;

    @Option(names = "--force", description = "With --to-file: replace the file if it exists.")
    boolean force;

    @Option(names = "--where", paramLabel = "CONDITION", description = "Export only the devices this condition of "
            + "the query language selects, each with its modules (Iolite's extension), such as \"tags.site = 'north'\".")
    String where;

    @Option(names = "--exclude-keys", description = "Write keys as null.")
    boolean excludeKeys;

    @Option(names = "--include-configurations", description = "With --to: also write the hub's configurations, one a line,"
            + " to the blob --configurations-blob names.")
    boolean includeConfigurations;

    @Option(names = "--configurations-blob", paramLabel = "NAME",
            description = "With --include-configurations: the configurations' blob (default: configurations.txt).")
    String configurationsBlob;

    @Option(names = "--wait", description = "Show progress until the job ends (always so with --to-file).")
    boolean await;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        if (configurationsBlob != null && !includeConfigurations) {
            throw new Connection.Usage("--configurations-blob goes with --include-configurations");
        }
        if (target.file != null) {
            if (includeConfigurations) throw new Connection.Usage("--include-configurations goes with --to");
            return toFile(target.file);
        }
        if (force) throw new Connection.Usage("--force goes with --to-file");
        IotHubResources hubs = conn.client().iotHubResource();
        JobResponse job = create(hubs, target.to, blob);
        return JobsCommand.started(spec, conn, hubs, job, await);
    }

    private JobResponse create(IotHubResources hubs, String container, String blobName) {
        try {
            return hubs.exportDevices(conn.resourceGroup(), conn.hub(), new ExportDevicesRequest()
                    .setExportBlobContainerUri(container).setExportBlobName(blobName).setExcludeKeys(excludeKeys)
                    .setFilter(where).setIncludeConfigurations(includeConfigurations ? Boolean.TRUE : null)
                    .setConfigurationsBlobName(configurationsBlob));
        } catch (IotHubException e) {
            throw where == null ? e : WhereErrors.ofFilter(e);
        }
    }

    /** Exports into exports/TIMESTAMP under the local blob root, waits, and moves the blob to {@code file}. */
    private int toFile(Path file) {
        if (blob != null) throw new Connection.Usage("--blob goes with --to; --to-file names the file itself");
        Path target = file.toAbsolutePath().normalize();
        if (Files.isDirectory(target)) throw new Connection.Usage("--to-file " + file + " is a folder; name a file");
        if (Files.exists(target) && !force) {
            throw new Connection.Usage("--to-file " + file + " exists; pass --force to replace it");
        }
        if (target.getParent() == null || !Files.isDirectory(target.getParent())) {
            throw new Connection.Usage("--to-file " + file + ": no such folder " + target.getParent());
        }
        Path root = conn.localBlobRoot();
        if (root == null) throw new Connection.Usage("--to-file needs a local server (--data-dir); with --server use --to");
        String name = "exports/" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss-SSS"));
        IotHubResources hubs = conn.client().iotHubResource();
        JobResponse job = create(hubs, "file:" + name, "devices.txt");
        spec.commandLine().getErr().println("job " + job.getJobId() + " " + job.getStatus());
        spec.commandLine().getErr().flush();
        JobResponse done = JobsCommand.watcher(spec, conn).watch(hubs, conn.resourceGroup(), conn.hub(), job.getJobId());
        Path staged = root.resolve(name);
        try {
            if (!JobStatus.COMPLETED.equals(done.getStatus())) return JobsCommand.finished(spec, conn, done);
            move(staged.resolve("devices.txt"), target);
        } finally {
            removeQuietly(staged);
        }
        done.setOutputBlobContainerUri(target.getParent().toString()).setOutputBlobUri(target.toString());
        int code = JobsCommand.finished(spec, conn, done);
        if (conn.output == Connection.Output.table) new Printer(spec.commandLine().getOut(), conn.output).line(target.toString());
        return code;
    }

    /** Streams the blob into a new 0600 file beside the target, then renames it into place. */
    private void move(Path blobFile, Path target) {
        Path tmp = target.resolveSibling("." + target.getFileName() + ".iolite-" + ProcessHandle.current().pid());
        try {
            try (OutputStream out = PrivateFiles.newOutputStream(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                Files.copy(blobFile, out);
            }
            try {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException ignored) {
                // the message below says what failed; a leftover temporary file is the user's to remove
            }
            throw new Connection.Failure("cannot write the export to " + target + ": " + e.getMessage());
        }
    }

    /** Removes the staged container: the file holds the export now, and its keys should not stay behind. */
    private static void removeQuietly(Path staged) {
        if (!Files.isDirectory(staged)) return;
        try (Stream<Path> all = Files.walk(staged)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        } catch (IOException e) {
            // left behind under the server's blob root, which only its user can read
        }
    }
}

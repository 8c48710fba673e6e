package dev.iolite.cli;

import dev.iolite.client.IotHubResources;
import dev.iolite.client.models.ImportDevicesRequest;
import dev.iolite.client.models.JobResponse;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import dev.iolite.server.files.PrivateFiles;

import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.Callable;

/**
 * {@code iolite import}: starts an import job from a container, or from a local file that it first
 * puts into the local server's blob root. With --wait it shows the job to the end.
 */
@Command(name = "import", mixinStandardHelpOptions = true,
        description = "Import device identities from a JSON Lines blob (or a local file).")
final class ImportCommand implements Callable<Integer> {
    @Mixin
    Connection conn;

    @ArgGroup(multiplicity = "1")
    Source source;

    static final class Source {
        @Option(names = "--from", required = true, description = "Input container URI (https://...?SAS or file:NAME).")
        String from;

        @Option(names = "--file", required = true, paramLabel = "FILE",
                description = "A local JSON Lines file, or a JSON array of devices (converted to JSON Lines as it is "
                        + "copied); '-' reads standard input. Copied into the local server's blob root and imported from there.")
        Path file;
    }

    @Option(names = "--blob", description = "Input blob name with --from (default: devices.txt).")
    String blob;

    @Option(names = "--errors-to", description = "Container URI for the error log (required with --from).")
    String errorsTo;

    @Option(names = "--include-configurations", description = "With --from: also apply the configurations of the blob"
            + " --configurations-blob names, before the devices; the lines that fail go to importConfigErrors.log in"
            + " --errors-to.")
    boolean includeConfigurations;

    @Option(names = "--configurations-blob", paramLabel = "NAME",
            description = "With --include-configurations: the configurations' blob (default: configurations.txt).")
    String configurationsBlob;

    @Option(names = "--wait", description = "Show progress until the job ends.")
    boolean await;

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        ImportDevicesRequest request = new ImportDevicesRequest();
        if (configurationsBlob != null && !includeConfigurations) {
            throw new Connection.Usage("--configurations-blob goes with --include-configurations");
        }
        if (source.file != null) {
            if (includeConfigurations) throw new Connection.Usage("--include-configurations goes with --from");
            String container = stage(source.file);
            request.setInputBlobContainerUri(container).setOutputBlobContainerUri(container)
                    .setInputBlobName("devices.txt").setOutputBlobName("importErrors.log");
        } else {
            if (errorsTo == null) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--errors-to is required with --from");
            }
            request.setInputBlobContainerUri(source.from).setOutputBlobContainerUri(errorsTo).setInputBlobName(blob)
                    .setIncludeConfigurations(includeConfigurations ? Boolean.TRUE : null)
                    .setConfigurationsBlobName(configurationsBlob);
        }
        IotHubResources hubs = conn.client().iotHubResource();
        JobResponse job = hubs.importDevices(conn.resourceGroup(), conn.hub(), request);
        return JobsCommand.started(spec, conn, hubs, job, await);
    }

    /**
     * Copies the file (or standard input, for '-') to imports/TIMESTAMP/devices.txt under the local blob root,
     * converting a JSON array to JSON Lines on the way; returns its container URI.
     */
    private String stage(Path file) {
        boolean stdin = file.toString().equals("-");
        // a pipe such as /dev/stdin is no regular file, but can be read like one
        if (!stdin && (!Files.exists(file) || Files.isDirectory(file))) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--file: no such file: " + file);
        }
        Path root = conn.localBlobRoot();
        if (root == null) throw new Connection.Usage("--file needs a local server (--data-dir); with --server use --from");
        String name = "imports/" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss-SSS"));
        String shown = stdin ? "standard input" : file.toString();
        Path dir = root.resolve(name);
        JsonLinesCopy.Copied copied;
        try {
            PrivateFiles.createDirectories(dir);
            try (InputStream in = stdin ? new FileInputStream(FileDescriptor.in) : Files.newInputStream(file);
                 OutputStream out = PrivateFiles.newOutputStream(dir.resolve("devices.txt"))) {
                copied = JsonLinesCopy.copy(in, out);
            }
        } catch (JsonLinesCopy.NotAnArray e) {
            removeQuietly(dir);
            throw new Connection.Failure("--file " + shown + ": " + e.getMessage() + "; nothing was imported");
        } catch (IOException e) {
            removeQuietly(dir);
            throw new Connection.Failure("cannot copy " + shown + " into " + root + ": " + e.getMessage());
        }
        String container = "file:" + name;
        spec.commandLine().getErr().println(copied.array()
                ? String.format("converted the JSON array of %s (%,d elements) to JSON Lines as %s/devices.txt; "
                        + "line N of the error log is element N", shown, copied.elements(), container)
                : "staged " + shown + " as " + container + "/devices.txt");
        return container;
    }

    private static void removeQuietly(Path dir) {
        try {
            Files.deleteIfExists(dir.resolve("devices.txt"));
            Files.deleteIfExists(dir);
        } catch (IOException e) {
            // a staged copy left behind is harmless: nothing imports it
        }
    }
}

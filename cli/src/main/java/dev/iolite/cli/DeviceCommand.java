package dev.iolite.cli;

import dev.iolite.client.DeviceRegistry;
import dev.iolite.client.models.DeviceIdentity;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code iolite device create|show|list|update|delete|connection-string|invoke|send|purge}: device identities through
 * the hub's service API, direct method calls ({@link DeviceInvokeCommand}) and cloud-to-device messages
 * ({@link DeviceSendCommand}, {@link Purge}).
 */
@Command(name = "device", mixinStandardHelpOptions = true,
        description = "Create, show, list, update and delete devices; print a device's connection string; call a direct "
                + "method; send cloud-to-device messages and purge them.",
        subcommands = {DeviceCommand.Create.class, DeviceCommand.Show.class, DeviceCommand.ListDevices.class,
                DeviceCommand.Update.class, DeviceCommand.Delete.class, DeviceCommand.ConnectionString.class,
                DeviceInvokeCommand.class, DeviceSendCommand.class, DeviceCommand.Purge.class})
final class DeviceCommand implements Runnable {
    @Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "name a device command: create, show, list, update, delete, connection-string, invoke, send or purge");
    }

    static DeviceRegistry registry(Connection conn) {
        return conn.client().iotHubResource().devices(conn.resourceGroup(), conn.hub());
    }

    static void print(Printer p, DeviceIdentity d) {
        if (p.json()) {
            p.json(d);
            return;
        }
        p.fields(List.of("device", "status", "reason", "etag", "auth", "primary key", "secondary key"),
                List.of(d.getDeviceId(), Printer.str(d.getStatus()), Printer.str(d.getStatusReason()),
                        Printer.str(d.getEtag()), Printer.str(d.getAuthenticationType()),
                        Printer.str(d.getPrimaryKey()), Printer.str(d.getSecondaryKey())));
    }

    @Command(name = "create", mixinStandardHelpOptions = true, description = "Create a device with generated keys.")
    static final class Create implements Callable<Integer> {
        @Mixin
        Connection conn;

        @Parameters(paramLabel = "DEVICE_ID")
        String deviceId;

        @Option(names = "--disabled", description = "Create it disabled.")
        boolean disabled;

        @Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            print(new Printer(spec.commandLine().getOut(), conn.output), registry(conn).create(deviceId, !disabled));
            return 0;
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true, description = "Show a device and its keys.")
    static final class Show implements Callable<Integer> {
        @Mixin
        Connection conn;

        @Parameters(paramLabel = "DEVICE_ID")
        String deviceId;

        @Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            print(new Printer(spec.commandLine().getOut(), conn.output), registry(conn).get(deviceId));
            return 0;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = {"List the hub's devices, page by page: "
            + "every one, or those a condition of IoT Hub's query language selects.",
            "Example: iolite device list --where \"tags.site = 'north' AND status = 'disabled'\""})
    static final class ListDevices implements Callable<Integer> {
        @Mixin
        Connection conn;

        @Spec
        CommandLine.Model.CommandSpec spec;

        @Option(names = "--where", paramLabel = "CONDITION", description = "Only the devices this condition selects "
                + "(what follows WHERE in a query).")
        String where;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            Iterable<DeviceIdentity> devices = where == null ? registry(conn).list() : WhereErrors.inQuery(() -> registry(conn).list(where));
            long n = Printer.rows(out, spec.commandLine().getErr(), new Printer(out, conn.output), devices, (p, chunk) -> p.table(
                    List.of("DEVICE", "STATUS", "AUTH", "ETAG"),
                    chunk.stream().map(d -> List.of(d.getDeviceId(), Printer.str(d.getStatus()),
                            Printer.str(d.getAuthenticationType()), Printer.str(d.getEtag()))).toList()));
            spec.commandLine().getErr().printf("%,d devices%n", n);
            return 0;
        }
    }

    @Command(name = "update", mixinStandardHelpOptions = true, description = "Enable or disable a device.")
    static final class Update implements Callable<Integer> {
        @Mixin
        Connection conn;

        @Parameters(paramLabel = "DEVICE_ID")
        String deviceId;

        @Option(names = "--status", required = true, description = "enabled or disabled.")
        Status status;

        @Option(names = "--reason", description = "Why (statusReason).")
        String reason;

        @Option(names = "--etag", description = "Only if the device still has this etag.")
        String etag;

        enum Status { enabled, disabled }

        @Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            print(new Printer(spec.commandLine().getOut(), conn.output),
                    registry(conn).update(deviceId, status == Status.enabled, reason, etag));
            return 0;
        }
    }

    @Command(name = "purge", mixinStandardHelpOptions = true,
            description = "Remove every cloud-to-device message waiting for a device; prints how many went.")
    static final class Purge implements Callable<Integer> {
        @Mixin
        Connection conn;

        @Parameters(paramLabel = "DEVICE_ID")
        String deviceId;

        @Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            int n = registry(conn).purgeMessages(deviceId);
            Printer p = new Printer(spec.commandLine().getOut(), conn.output);
            if (p.json()) p.json(Map.of("deviceId", deviceId, "totalMessagesPurged", n));
            else p.line("purged " + n + (n == 1 ? " message" : " messages") + " of device " + deviceId);
            return 0;
        }
    }

    @Command(name = "delete", mixinStandardHelpOptions = true, description = {"Delete a device and its modules.",
            "On a terminal it asks first; elsewhere it needs --yes."})
    static final class Delete implements Callable<Integer> {
        @Mixin
        Connection conn;

        @Parameters(paramLabel = "DEVICE_ID")
        String deviceId;

        @Option(names = "--etag", description = "Only if the device still has this etag.")
        String etag;

        @Option(names = {"-y", "--yes"}, description = "Delete without asking.")
        boolean yes;

        @Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            Confirmation.requireTerminalOrYes(yes, "device delete");
            DeviceRegistry registry = registry(conn);
            if (!yes) {
                int modules = registry.listModules(deviceId).size();  // 404 DeviceNotFound before the question
                Confirmation.askYesNo(spec.commandLine().getErr(), "Delete device " + deviceId
                        + (modules == 0 ? "" : " and its " + modules + (modules == 1 ? " module" : " modules")) + "?",
                        "device " + deviceId + " was not deleted");
            }
            registry.delete(deviceId, etag);
            Printer p = new Printer(spec.commandLine().getOut(), conn.output);
            if (p.json()) p.json(Map.of("deleted", deviceId)); else p.line("deleted device " + deviceId);
            return 0;
        }
    }

    @Command(name = "connection-string", mixinStandardHelpOptions = true, description = {
            "Print the connection string a device (or one of its modules) gives a device SDK:",
            "HostName=HUB.azure-devices.net;DeviceId=ID[;ModuleId=M];SharedAccessKey=KEY[;GatewayHostName=HOST:PORT].",
            "GatewayHostName, the address of this server, is there when it is not the hub's host name."})
    static final class ConnectionString implements Callable<Integer> {
        @Mixin
        Connection conn;

        @Parameters(paramLabel = "DEVICE_ID")
        String deviceId;

        @Option(names = {"-m", "--module"}, paramLabel = "MODULE_ID", description = "The module's connection string.")
        String moduleId;

        @Option(names = "--key-type", defaultValue = "primary", description = "primary or secondary (default: ${DEFAULT-VALUE}).")
        KeyType keyType;

        enum KeyType { primary, secondary }

        @Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            var hub = conn.client().iotHubResource().get(conn.resourceGroup(), conn.hub());
            String key = DeviceKeys.of(registry(conn), deviceId, moduleId, keyType == KeyType.secondary);
            String text = "HostName=" + hub.getHostName() + ";DeviceId=" + deviceId
                    + (moduleId == null ? "" : ";ModuleId=" + moduleId) + ";SharedAccessKey=" + key;
            String gateway = java.net.URI.create(conn.url()).getAuthority();
            if (gateway != null && !gateway.equalsIgnoreCase(hub.getHostName())) text += ";GatewayHostName=" + gateway;
            Printer p = new Printer(spec.commandLine().getOut(), conn.output);
            if (p.json()) p.json(Map.of("connectionString", text)); else p.line(text);
            return 0;
        }
    }
}

package dev.iolite.cli;

import dev.iolite.client.models.ModuleIdentity;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code iolite module create|list|show|delete}: module identities of a device through the hub's service API. */
@Command(name = "module", mixinStandardHelpOptions = true, description = "Create, list, show and delete a device's modules.",
        subcommands = {ModuleCommand.Create.class, ModuleCommand.ListModules.class, ModuleCommand.Show.class,
                ModuleCommand.Delete.class})
final class ModuleCommand implements Runnable {
    @Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "name a module command: create, list, show or delete");
    }

    static void print(Printer p, ModuleIdentity m) {
        if (p.json()) {
            p.json(m);
            return;
        }
        p.fields(List.of("device", "module", "etag", "auth", "primary key", "secondary key"),
                List.of(m.getDeviceId(), m.getModuleId(), Printer.str(m.getEtag()), Printer.str(m.getAuthenticationType()),
                        Printer.str(m.getPrimaryKey()), Printer.str(m.getSecondaryKey())));
    }

    @Command(name = "create", mixinStandardHelpOptions = true, description = "Create a module of a device, with generated keys.")
    static final class Create implements Callable<Integer> {
        @Mixin
        Connection conn;

        @Parameters(index = "0", paramLabel = "DEVICE_ID")
        String deviceId;

        @Parameters(index = "1", paramLabel = "MODULE_ID")
        String moduleId;

        @Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            print(new Printer(spec.commandLine().getOut(), conn.output), DeviceCommand.registry(conn).createModule(deviceId, moduleId));
            return 0;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List a device's modules.")
    static final class ListModules implements Callable<Integer> {
        @Mixin
        Connection conn;

        @Parameters(paramLabel = "DEVICE_ID")
        String deviceId;

        @Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            List<ModuleIdentity> modules = DeviceCommand.registry(conn).listModules(deviceId);
            Printer p = new Printer(spec.commandLine().getOut(), conn.output);
            if (p.json()) {
                p.json(modules);
            } else {
                p.table(List.of("MODULE", "AUTH", "ETAG", "MANAGED BY"), modules.stream().map(m -> List.of(m.getModuleId(),
                        Printer.str(m.getAuthenticationType()), Printer.str(m.getEtag()), Printer.str(m.getManagedBy()))).toList());
            }
            spec.commandLine().getErr().printf("%,d modules%n", modules.size());
            spec.commandLine().getErr().flush();
            return 0;
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true, description = "Show a module and its keys.")
    static final class Show implements Callable<Integer> {
        @Mixin
        Connection conn;

        @Parameters(index = "0", paramLabel = "DEVICE_ID")
        String deviceId;

        @Parameters(index = "1", paramLabel = "MODULE_ID")
        String moduleId;

        @Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            print(new Printer(spec.commandLine().getOut(), conn.output), DeviceCommand.registry(conn).getModule(deviceId, moduleId));
            return 0;
        }
    }

    @Command(name = "delete", mixinStandardHelpOptions = true, description = {"Delete a module and its twin.",
            "On a terminal it asks first; elsewhere it needs --yes."})
    static final class Delete implements Callable<Integer> {
        @Mixin
        Connection conn;

        @Parameters(index = "0", paramLabel = "DEVICE_ID")
        String deviceId;

        @Parameters(index = "1", paramLabel = "MODULE_ID")
        String moduleId;

        @Option(names = "--etag", description = "Only if the module still has this etag.")
        String etag;

        @Option(names = {"-y", "--yes"}, description = "Delete without asking.")
        boolean yes;

        @Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            Confirmation.requireTerminalOrYes(yes, "module delete");
            var registry = DeviceCommand.registry(conn);
            if (!yes) {
                registry.getModule(deviceId, moduleId);  // 404 ModuleNotFound before the question
                Confirmation.askYesNo(spec.commandLine().getErr(), "Delete module " + moduleId + " of device " + deviceId + "?",
                        "module " + moduleId + " was not deleted");
            }
            registry.deleteModule(deviceId, moduleId, etag);
            Printer p = new Printer(spec.commandLine().getOut(), conn.output);
            if (p.json()) {
                Map<String, String> deleted = new java.util.LinkedHashMap<>();
                deleted.put("deleted", moduleId);
                deleted.put("deviceId", deviceId);
                p.json(deleted);
            } else {
                p.line("deleted module " + moduleId + " of device " + deviceId);
            }
            return 0;
        }
    }
}

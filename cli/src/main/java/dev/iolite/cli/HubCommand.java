package dev.iolite.cli;

import dev.iolite.client.IotHubException;
import dev.iolite.client.models.IotHubDescription;
import dev.iolite.client.models.SharedAccessKey;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code iolite hub list|show|create|delete|keys}. */
@Command(name = "hub", mixinStandardHelpOptions = true, description = "List, show, create and delete hubs; show and rotate their keys.",
        subcommands = {HubCommand.ListHubs.class, HubCommand.Show.class, HubCommand.Create.class,
                HubCommand.Delete.class, HubCommand.Keys.class})
final class HubCommand implements Runnable {
    @Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "name a hub command: list, show, create, delete or keys");
    }

    static void print(Printer p, List<IotHubDescription> hubs) {
        if (p.json()) {
            p.json(hubs);
            return;
        }
        List<List<String>> rows = new ArrayList<>();
        for (IotHubDescription h : hubs) {
            rows.add(List.of(h.getName(), Printer.str(h.getLocation()), Printer.str(h.getSkuName()),
                    Printer.str(h.getSkuCapacity()), Printer.str(h.getHostName())));
        }
        p.table(List.of("NAME", "LOCATION", "SKU", "UNITS", "HOST"), rows);
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List the subscription's hubs.")
    static final class ListHubs implements Callable<Integer> {
        @Mixin
        Connection conn;

        @Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            List<IotHubDescription> hubs = new ArrayList<>();
            conn.client().iotHubResource().list().forEach(hubs::add);
            print(new Printer(spec.commandLine().getOut(), conn.output), hubs);
            return 0;
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true, description = {"Show a hub (default: --hub) and its built-in "
            + "Event Hubs-compatible endpoint.", "Example: iolite hub show --event-hub-connection-string"})
    static final class Show implements Callable<Integer> {
        @Mixin
        Connection conn;

        @Parameters(paramLabel = "NAME", arity = "0..1")
        String name;

        @Option(names = "--event-hub-connection-string",
                description = "Print only the built-in endpoint's connection string for Event Hubs clients (it holds the "
                        + "key of the hub's 'service' policy).")
        boolean connectionString;

        @Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            String hub = name != null ? name : conn.hub();
            IotHubDescription h = conn.client().iotHubResource().get(conn.resourceGroup(), hub);
            Printer p = new Printer(spec.commandLine().getOut(), conn.output);
            if (connectionString) {
                if (h.getEventHubEndpoint() == null) throw new Connection.Usage("hub " + hub + " shows no built-in endpoint");
                // the policy that grants ServiceConnect and no more, as the portal offers it first
                var keys = conn.client().iotHubResource().listKeys(conn.resourceGroup(), hub);
                var policy = keys.stream().filter(k -> k.getKeyName().equalsIgnoreCase("service")).findFirst()
                        .or(() -> keys.stream().filter(k -> k.getRights() != null && k.getRights().contains("ServiceConnect")).findFirst())
                        .orElseThrow(() -> new Connection.Usage("hub " + hub + " has no policy with ServiceConnect"));
                p.line(h.eventHubConnectionString(policy));
                return 0;
            }
            print(p, List.of(h));
            if (!p.json() && h.getEventHubEndpoint() != null) {
                p.line("Built-in endpoint: " + h.getEventHubEndpoint() + " EntityPath=" + h.getEventHubPath() + ", "
                        + h.getEventHubPartitionCount() + " partitions");
                p.line("Its connection string: iolite hub show --event-hub-connection-string");
            }
            return 0;
        }
    }

    @Command(name = "create", mixinStandardHelpOptions = true, description = "Create a hub, or change its SKU.")
    static final class Create implements Callable<Integer> {
        @Mixin
        Connection conn;

        @Parameters(paramLabel = "NAME")
        String name;

        @Option(names = "--location", defaultValue = "westeurope", description = "Region (default: ${DEFAULT-VALUE}).")
        String location;

        @Option(names = "--sku", defaultValue = "S1", description = "SKU (default: ${DEFAULT-VALUE}).")
        String sku;

        @Option(names = "--units", defaultValue = "1", description = "Units (default: ${DEFAULT-VALUE}).")
        long units;

        @Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            print(new Printer(spec.commandLine().getOut(), conn.output), List.of(conn.client().iotHubResource()
                    .createOrUpdate(conn.resourceGroup(), name, location, sku, units)));
            return 0;
        }
    }

    @Command(name = "delete", mixinStandardHelpOptions = true, description = {"Delete a hub and every identity, twin, job and "
            + "file: container of it.", "On a terminal it asks you to type the hub's name; elsewhere it needs --yes."})
    static final class Delete implements Callable<Integer> {
        @Mixin
        Connection conn;

        @Parameters(paramLabel = "NAME")
        String name;

        @Option(names = {"-y", "--yes"}, description = "Delete without asking.")
        boolean yes;

        @Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            Confirmation.requireTerminalOrYes(yes, "hub delete");
            var hubs = conn.client().iotHubResource();
            String rg = conn.resourceGroup();
            try {
                hubs.get(rg, name);
            } catch (IotHubException e) {
                if (e.getStatusCode() == 404) throw new Connection.Failure(missing(rg));
                throw e;
            }
            if (!yes) {
                Long devices = hubs.getStats(rg, name).getTotalDeviceCount();
                long n = devices == null ? 0 : devices;
                Confirmation.askToType(spec.commandLine().getErr(), String.format("Hub %s holds %,d %s. Deleting it deletes "
                        + "them with their modules and twins, and the hub's jobs and file: containers; it cannot be undone.", name, n,
                        n == 1 ? "device" : "devices"),
                        name, "hub " + name + " was not deleted");
            }
            if (!hubs.delete(rg, name)) throw new Connection.Failure(missing(rg));
            Printer p = new Printer(spec.commandLine().getOut(), conn.output);
            if (p.json()) p.json(java.util.Map.of("deleted", name)); else p.line("deleted hub " + name);
            return 0;
        }

        private String missing(String rg) {
            return "hub " + name + " does not exist in resource group " + rg + "; nothing was deleted ('iolite hub list' shows the hubs)";
        }
    }

    @Command(name = "keys", mixinStandardHelpOptions = true,
            description = "Show a hub's shared access policies and keys, or rotate one key with --regenerate.")
    static final class Keys implements Callable<Integer> {
        @Mixin
        Connection conn;

        @Parameters(paramLabel = "NAME", arity = "0..1")
        String name;

        @Option(names = "--regenerate", paramLabel = "POLICY",
                description = "Give POLICY's key a new random value; tokens signed with the old key stop working at once.")
        String regenerate;

        @Option(names = "--primary", description = "With --regenerate: the primary key (the default).")
        boolean primary;

        @Option(names = "--secondary", description = "With --regenerate: the secondary key.")
        boolean secondary;

        @Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            String hub = name != null ? name : conn.hub();
            if (regenerate == null && (primary || secondary)) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--primary and --secondary go with --regenerate POLICY");
            }
            if (primary && secondary) {
                throw new CommandLine.ParameterException(spec.commandLine(), "choose --primary or --secondary, not both");
            }
            if (regenerate != null) {
                conn.client().iotHubResource().regenerateKey(conn.resourceGroup(), hub, regenerate, !secondary);
            }
            List<SharedAccessKey> keys = conn.client().iotHubResource().listKeys(conn.resourceGroup(), hub);
            Printer p = new Printer(spec.commandLine().getOut(), conn.output);
            if (p.json()) {
                p.json(keys);
                return 0;
            }
            List<List<String>> rows = new ArrayList<>();
            for (SharedAccessKey k : keys) rows.add(List.of(k.getKeyName(), k.getRights(), k.getPrimaryKey(), k.getSecondaryKey()));
            p.table(List.of("POLICY", "RIGHTS", "PRIMARY KEY", "SECONDARY KEY"), rows);
            return 0;
        }
    }
}

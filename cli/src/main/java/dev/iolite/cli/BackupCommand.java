package dev.iolite.cli;

import dev.iolite.server.Iolite;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code iolite backup --to FILE}: a consistent copy of a data dir's SQLite store, taken while its server runs. */
@Command(name = "backup", mixinStandardHelpOptions = true,
        description = "Copy the SQLite store of a data dir into a new file, while its server runs (PostgreSQL: use pg_dump).")
final class BackupCommand implements Callable<Integer> {
    @Option(names = "--data-dir", description = "The server's data folder (default: ${DEFAULT-VALUE}; IOLITE_DATA_DIR).")
    Path dataDir;

    @Option(names = "--to", required = true, description = "The backup file to write; it must not exist.")
    Path to;

    @picocli.CommandLine.Mixin
    OutputOption output;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        long t0 = System.nanoTime();
        long bytes = Iolite.backup(dataDir, to);
        Printer p = new Printer(spec.commandLine().getOut(), output.output);
        if (!p.human()) {
            p.record("", Printer.ordered("database", dataDir.resolve("iolite.db").toString(), "backup", to.toString(),
                    "bytes", bytes, "seconds", Math.round((System.nanoTime() - t0) / 1e8) / 10.0));
            return 0;
        }
        spec.commandLine().getOut().printf("Backed up %s to %s: %,d bytes in %.1f s.%n", dataDir.resolve("iolite.db"),
                to, bytes, (System.nanoTime() - t0) / 1e9);
        spec.commandLine().getOut().println("To restore: stop the server, put the file in place of iolite.db (the rest");
        spec.commandLine().getOut().println("of the data dir, its keys and certificate, stays), and start it again.");
        spec.commandLine().getOut().flush();
        return 0;
    }
}

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
        // The old write-ahead log must go with the old database: SQLite would apply its pages to the restored
        // file (docs/operations.md, "Backups").
        Path db = dataDir.toAbsolutePath().resolve("iolite.db");
        var out = spec.commandLine().getOut();
        out.println("To restore: stop the server, delete the store's write-ahead log (-wal and -shm files), put the");
        out.println("backup in place of iolite.db, and start the server again:");
        out.println("  rm -f " + quoted(db + "-wal") + " " + quoted(db + "-shm") + " && cp " + quoted(to.toAbsolutePath().toString())
                + " " + quoted(db.toString()));
        out.println("The rest of the data dir (keys, certificate, server.json) stays as it is.");
        out.flush();
        return 0;
    }

    /** A path as a POSIX shell reads it back unchanged: as is when it holds only safe characters, else in single quotes. */
    static String quoted(String path) {
        if (path.matches("[A-Za-z0-9_./:@%+=,-]+")) return path;
        return "'" + path.replace("'", "'\\''") + "'";
    }
}

package dev.iolite.cli;

import dev.iolite.client.IotHubException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code iolite} command line. Exit codes: 0 ok, 1 failed operation, 2 usage. */
@Command(name = "iolite", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "A device identity registry that speaks Azure IoT Hub's device-operations APIs.",
        subcommands = {ServeCommand.class, TokenCommand.class, SasTokenCommand.class, DemoCommand.class,
                HubCommand.class, DeviceCommand.class, ModuleCommand.class, TwinCommand.class, StatsCommand.class, ExportCommand.class, ImportCommand.class,
                JobsCommand.class, QueryCommand.class, BackupCommand.class, MessagesCommand.class, SimulateCommand.class})
public final class Main implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        // Commands other than serve print their own one-line errors: library logs (azure-core's
        // retries, for one) stay quiet unless --verbose.
        // serve sets its own format and level from its options.
        boolean serve = args.length > 0 && args[0].equals("serve");
        boolean verbose = java.util.Arrays.asList(args).contains("--verbose");
        Logging.configure(Logging.Format.TEXT, serve || verbose ? ch.qos.logback.classic.Level.INFO : null, verbose);
        System.exit(run(args));
    }

    /** Runs the command line in-process and returns its exit code. */
    public static int run(String... args) {
        return run(null, null, args);
    }

    /** As {@link #run(String...)}, writing to the given streams (null: standard output and error). */
    public static int run(java.io.PrintWriter out, java.io.PrintWriter err, String... args) {
        CommandLine cli = new CommandLine(new Main());
        cli.setDefaultValueProvider(new ConfigDefaults());  // after the subcommands: it reaches all of them
        if (out != null) cli.setOut(out);
        if (err != null) cli.setErr(err);
        cli.setParameterExceptionHandler((e, arguments) -> usage(e.getCommandLine(), e));
        cli.setExecutionExceptionHandler((e, cmd, parsed) -> {
            boolean verbose = cmd.getParseResult() != null && cmd.getParseResult().hasMatchedOption("--verbose");
            if (verbose) e.printStackTrace(cmd.getErr());
            if (e instanceof Connection.Usage) return usage(cmd, e);
            cmd.getErr().println("iolite: " + describe(e));
            cmd.getErr().flush();
            return 1;
        });
        return cli.execute(args);
    }

    /**
     * A usage error (unknown option, missing or bad value): one line naming it and where the command's help
     * is, exit code 2; picocli's own handler would print the whole help after it.
     */
    static int usage(CommandLine cmd, Exception e) {
        String message = e.getMessage() == null ? e.toString() : e.getMessage().strip();
        message = message.replaceFirst("^Error: ", "").replaceAll("\\s*\\R\\s*", "; ");
        if (e instanceof CommandLine.UnmatchedArgumentException u && !u.getSuggestions().isEmpty()) {
            message += "; did you mean " + String.join(" or ", u.getSuggestions().stream().limit(3).map(x -> "'" + x + "'").toList()) + "?";
        }
        cmd.getErr().println("iolite: " + message + " (see '" + cmd.getCommandSpec().qualifiedName() + " --help')");
        cmd.getErr().flush();
        return 2;
    }

    /** One line for a failure: the service's message with its status and code, or the local problem. */
    static String describe(Exception e) {
        if (e instanceof IotHubException h) {
            return h.getMessage() + (h.getStatusCode() == 0 ? "" : " (HTTP " + h.getStatusCode() + ", " + h.getErrorCode() + ")");
        }
        return e.getMessage() == null ? e.toString() : e.getMessage();
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getErr());
        spec.commandLine().getErr().println();
        throw new CommandLine.ParameterException(spec.commandLine(), "name a command, for example 'iolite serve'");
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"iolite " + dev.iolite.server.BuildInfo.current()};
        }
    }
}

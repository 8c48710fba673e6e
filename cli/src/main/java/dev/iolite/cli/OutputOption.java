package dev.iolite.cli;

import picocli.CommandLine.Option;

/**
 * {@code -o/--output} for the commands that reach no server through {@link Connection} (token,
 * sas-token, backup), as {@link Connection}'s option is for the others.
 */
final class OutputOption {
    @Option(names = {"-o", "--output"}, defaultValue = "${env:IOLITE_OUTPUT:-table}",
            description = "table, json or tsv (default: ${DEFAULT-VALUE}; IOLITE_OUTPUT).")
    Connection.Output output;
}

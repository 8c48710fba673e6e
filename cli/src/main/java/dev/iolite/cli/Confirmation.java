package dev.iolite.cli;

import java.io.Console;
import java.io.PrintWriter;
import java.util.Locale;

/**
 * The question a delete asks before it deletes, as {@code az}'s "Are you sure" does. On a terminal (standard
 * input and output both) the person answers it; anywhere else, such as a script or a pipe, nobody can, so the
 * command needs {@code --yes} and without it stops with a usage error before it changes anything.
 */
final class Confirmation {
    private Confirmation() {}

    /**
     * Stops with a usage error (exit 2) when {@code yes} is false and there is no terminal to ask on; call it
     * before anything is read or changed.
     */
    static void requireTerminalOrYes(boolean yes, String command) {
        if (yes || System.console() != null) return;
        throw new Connection.Usage(command + " asks for confirmation and there is no terminal to ask on;"
                + " pass --yes to delete without asking");
    }

    /** Asks "[y/N]" on the terminal; anything but y or yes ends the command with exit 1. */
    static void askYesNo(PrintWriter err, String question, String refusal) {
        String answer = ask(err, question + " [y/N] ");
        String a = answer == null ? "" : answer.trim().toLowerCase(Locale.ROOT);
        if (!a.equals("y") && !a.equals("yes")) throw new Connection.Failure(refusal);
    }

    /**
     * Asks the person to type {@code expected} (a hub's name: a delete that takes everything with it is not
     * confirmed by a reflex of the y key); any other answer ends the command with exit 1.
     */
    static void askToType(PrintWriter err, String warning, String expected, String refusal) {
        err.println(warning);
        String answer = ask(err, "Type '" + expected + "' to confirm: ");
        if (answer == null || !answer.trim().equals(expected)) throw new Connection.Failure(refusal);
    }

    private static String ask(PrintWriter err, String prompt) {
        Console console = System.console();
        if (console == null) {
            throw new IllegalStateException("a question was asked without a terminal; this indicates a bug");
        }
        err.print(prompt);
        err.flush();
        String answer = console.readLine();
        if (answer == null) err.println();  // end of input: leave the terminal on a fresh line
        return answer;
    }
}

package dev.iolite.cli;

import dev.iolite.server.ServerConfig;
import dev.iolite.server.store.StoreUrl;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Secrets that options take from files or the environment rather than the command line, where the
 * process table would show them to every user of the machine. Messages never repeat a secret.
 */
final class SecretOptions {
    private SecretOptions() {}

    /** {@code NAME=KEY[@HUB,HUB...]}; throws IllegalArgumentException naming the account, not the key. */
    static ServerConfig.StorageAccount storageAccount(String text) {
        String t = text.trim();
        int eq = t.indexOf('=');
        if (eq <= 0 || eq == t.length() - 1) {
            String name = eq > 0 ? t.substring(0, eq) : "";
            throw new IllegalArgumentException("--storage-account needs NAME=KEY[@HUB,...]"
                    + (name.isEmpty() ? "" : "; account '" + name + "' has no key"));
        }
        String name = t.substring(0, eq).trim();
        String rest = t.substring(eq + 1).trim();
        int at = rest.indexOf('@');
        String key = at < 0 ? rest : rest.substring(0, at).trim();
        List<String> hubs = at < 0 ? List.of() : Arrays.stream(rest.substring(at + 1).split(","))
                .map(String::trim).filter(h -> !h.isEmpty()).toList();
        if (key.isEmpty() || (at >= 0 && hubs.isEmpty())) {
            throw new IllegalArgumentException("--storage-account '" + name + "' needs a key and, after @, hub names");
        }
        return new ServerConfig.StorageAccount(name, key, hubs);
    }

    /** One account per line; blank lines and lines starting with '#' are skipped. */
    static List<ServerConfig.StorageAccount> storageAccounts(Path file) {
        List<ServerConfig.StorageAccount> out = new ArrayList<>();
        for (String line : readLines(file, "--storage-account-file")) {
            if (!line.isBlank() && !line.trim().startsWith("#")) out.add(storageAccount(line));
        }
        return out;
    }

    /** The store URL with its password from the file, else from the variable, else as given. */
    static StoreUrl withPassword(StoreUrl url, Path passwordFile, String fromEnv) {
        String password = null;
        if (passwordFile != null) {
            List<String> lines = readLines(passwordFile, "--store-password-file");
            password = lines.isEmpty() ? "" : lines.get(0).strip();
        } else if (fromEnv != null && !fromEnv.isEmpty()) {
            password = fromEnv;
        }
        return password == null ? url : new StoreUrl(url.jdbcUrl(), url.user(), password);
    }

    /** The file's first line, stripped: a token kept in a file rather than on the command line. */
    static String firstLine(Path file, String option) {
        List<String> lines = readLines(file, option);
        if (lines.isEmpty() || lines.get(0).isBlank()) throw new IllegalArgumentException(option + " " + file + " is empty");
        return lines.get(0).strip();
    }

    /**
     * The first line of a file that only its owner may read: a file that other users can read (or write) is
     * refused, so that a token is never left where the rest of the machine sees it.
     */
    static ServerConfig.Secret privateToken(Path file, String option) {
        if (Files.exists(file) && java.nio.file.FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
            java.util.Set<PosixFilePermission> mode;
            try {
                mode = Files.getPosixFilePermissions(file);
            } catch (IOException e) {
                throw new IllegalArgumentException(option + " " + file + " cannot be read");
            }
            if (mode.contains(PosixFilePermission.OTHERS_READ) || mode.contains(PosixFilePermission.OTHERS_WRITE)
                    || mode.contains(PosixFilePermission.GROUP_WRITE)) {
                throw new IllegalArgumentException(option + " " + file + " is readable or writable by other users (mode "
                        + PosixFilePermissions.toString(mode) + "); make it private with chmod 600");
            }
        }
        return new ServerConfig.Secret(firstLine(file, option));
    }

    private static List<String> readLines(Path file, String option) {
        try {
            return Files.readAllLines(file);
        } catch (java.nio.file.NoSuchFileException e) {
            throw new IllegalArgumentException(option + " " + file + " does not exist");
        } catch (java.nio.file.AccessDeniedException e) {
            throw new IllegalArgumentException(option + " " + file + " is not readable by this user");
        } catch (IOException e) {
            throw new IllegalArgumentException(option + " " + file + " cannot be read");
        }
    }
}

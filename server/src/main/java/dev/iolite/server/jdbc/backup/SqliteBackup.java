package dev.iolite.server.jdbc.backup;

import dev.iolite.server.files.PrivateFiles;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;

/**
 * A backup of the SQLite store while servers use it: SQLite's {@code VACUUM INTO} writes one read transaction's
 * snapshot (a committed state, never half a batch) into a new, compacted database file. Writers go on meanwhile
 * (the store is in WAL mode). The copy is owner-only, as the store is: it holds every key of the registry.
 */
public final class SqliteBackup {
    private SqliteBackup() {}

    /**
     * Writes the snapshot of {@code database} to {@code target}, which must not exist, and checks the copy.
     * Returns the copy's size in bytes.
     */
    public static long copy(Path database, Path target) throws IOException {
        if (!Files.isRegularFile(database)) throw new IOException("there is no SQLite store at " + database);
        if (Files.exists(target)) throw new IOException(target + " exists; name a new file");
        Path folder = target.toAbsolutePath().getParent();
        if (folder == null || !Files.isDirectory(folder) || !Files.isWritable(folder)) {
            throw new IOException("the backup cannot be written into " + folder + ": no such folder, or not writable");
        }
        Path partial = target.resolveSibling(target.getFileName() + ".partial");
        Files.deleteIfExists(partial);
        PrivateFiles.touch(partial);  // VACUUM INTO fills an empty file, which keeps the mode it was made with
        Properties read = new Properties();
        read.setProperty("open_mode", "1");  // SQLITE_OPEN_READONLY
        read.setProperty("busy_timeout", "30000");
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + database.toAbsolutePath(), read);
             PreparedStatement vacuum = c.prepareStatement("VACUUM INTO ?")) {
            vacuum.setString(1, partial.toAbsolutePath().toString());
            vacuum.execute();
        } catch (SQLException e) {
            Files.deleteIfExists(partial);
            throw new IOException("the backup failed: " + e.getMessage(), e);
        }
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + partial.toAbsolutePath());
             Statement s = c.createStatement(); ResultSet r = s.executeQuery("PRAGMA quick_check")) {
            String result = r.next() ? r.getString(1) : "no answer";
            if (!"ok".equals(result)) throw new IOException("the backup does not check out: " + result);
        } catch (SQLException e) {
            Files.deleteIfExists(partial);
            throw new IOException("the backup could not be checked: " + e.getMessage(), e);
        }
        Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE);
        return Files.size(target);
    }
}

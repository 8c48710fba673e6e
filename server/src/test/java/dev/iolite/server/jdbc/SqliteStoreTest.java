package dev.iolite.server.jdbc;

import dev.iolite.server.jdbc.Database;

import java.nio.file.Path;

/** The store contract on SQLite, a file in the test's folder. */
class SqliteStoreTest extends StoreContract {
    @Override
    protected Database openStore(Path dir) {
        return Database.openSqlite(dir.resolve("store.db"));
    }

    @Override
    protected Unmigrated unmigratedStore(Path dir) {
        Path file = dir.resolve("unmigrated.db");
        org.sqlite.SQLiteDataSource ds = new org.sqlite.SQLiteDataSource();
        ds.setUrl("jdbc:sqlite:" + file);
        return new Unmigrated(ds, dev.iolite.server.jdbc.dialect.SqlDialect.sqlite(), () -> Database.openSqlite(file));
    }
}

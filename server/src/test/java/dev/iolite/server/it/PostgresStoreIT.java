package dev.iolite.server.it;

import dev.iolite.server.testkit.Postgres;
import dev.iolite.server.testkit.PostgresqlOnly;
import dev.iolite.server.jdbc.StoreContract;
import dev.iolite.server.store.StoreUrl;
import dev.iolite.server.jdbc.Database;

import java.nio.file.Path;

/** The store contract on PostgreSQL: a fresh database of the tests' server for every test. */
@PostgresqlOnly("the store contract's PostgreSQL half")
class PostgresStoreIT extends StoreContract {
    @Override
    protected Database openStore(Path dir) {
        return Database.openPostgres(StoreUrl.parse(Postgres.get().newDatabase()));
    }

    @Override
    protected Unmigrated unmigratedStore(Path dir) {
        StoreUrl url = StoreUrl.parse(Postgres.get().newDatabase());
        org.postgresql.ds.PGSimpleDataSource ds = new org.postgresql.ds.PGSimpleDataSource();
        ds.setURL(url.jdbcUrl());
        if (url.user() != null) ds.setUser(url.user());
        if (url.password() != null) ds.setPassword(url.password());
        return new Unmigrated(ds, dev.iolite.server.jdbc.dialect.SqlDialect.postgresql(), () -> Database.openPostgres(url));
    }
}

package dev.iolite.server.testkit;

import org.junit.jupiter.api.Tag;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * An integration test that runs on PostgreSQL only: several nodes on one database, or PostgreSQL's half of the
 * store contract. See {@link SqliteOnly} for how the build reads these tags.
 */
@Documented
@Inherited
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Tag(PostgresqlOnly.TAG)
public @interface PostgresqlOnly {
    String TAG = "postgresql-only";

    /** Why SQLite cannot run it. */
    String value();
}

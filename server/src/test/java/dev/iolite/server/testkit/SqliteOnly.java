package dev.iolite.server.testkit;

import org.junit.jupiter.api.Tag;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * An integration test that runs once, on SQLite, because what it checks does not depend on the store. Without
 * this or {@link PostgresqlOnly}, an integration test runs on both stores: the failsafe executions of each module
 * exclude the tag {@value #TAG} on PostgreSQL and {@value PostgresqlOnly#TAG} on SQLite.
 */
@Documented
@Inherited
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Tag(SqliteOnly.TAG)
public @interface SqliteOnly {
    String TAG = "sqlite-only";

    /** Why one store is enough. */
    String value();
}

package dev.iolite.server.configurations;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.List;
import java.util.Optional;

/** The configurations of each hub (docs/architecture.md, "Configurations"). */
public interface ConfigurationStore {

    /** The hub's configurations by id, at most {@code limit}. */
    List<Configuration> list(String hub, int limit);

    /** The hubs that hold at least one configuration. */
    List<String> hubs();

    /** The configuration, or empty. */
    Optional<Configuration> find(String hub, String id);

    /** How the insert of a configuration ended. */
    enum Insert { DONE, EXISTS, FULL }

    /**
     * Inserts the configuration unless one of its id exists or the hub holds {@code max} already; the count and the
     * insert are one transaction.
     *
     * @throws dev.iolite.server.errors.IoliteException with {@code IotHubNotFound} when the hub is gone
     */
    Insert insert(String hub, Configuration configuration, int max);

    /**
     * Replaces the stored configuration of the same id if its version is still {@code expectedVersion}; the new
     * one's version must be the next. Keeps the results. False when the version moved on or the configuration is gone.
     */
    boolean replace(String hub, Configuration configuration, long expectedVersion);

    /** Deletes the configuration if it exists, at {@code expectedVersion} unless that is null; false otherwise. */
    boolean delete(String hub, String id, Long expectedVersion);

    /** Stores the metrics' results of an evaluation, if the configuration still exists. */
    void saveResults(String hub, String id, ObjectNode results);
}

package dev.iolite.server.hubs;

import dev.iolite.server.store.StaleWriteException;

import java.util.List;
import java.util.Optional;

/** Hubs and their policies. */
public interface HubStore {

    /** The hub of that name (case-insensitive), or empty. */
    Optional<Hub> find(String name);

    /** Every hub, by name. */
    List<Hub> list();

    /** Inserts the hub. @throws StaleWriteException if the name is taken */
    void insert(Hub hub);

    /** Replaces the hub if its version is still {@code expectedVersion}. @throws StaleWriteException otherwise */
    void update(Hub hub, long expectedVersion);

    /** Removes the hub and all of its data; false when it did not exist. */
    boolean delete(String name);

    /**
     * The secret of that name that every node of the store shares (32 random bytes), made by the first
     * node that asks; for example the key that signs query continuation tokens.
     */
    byte[] sharedSecret(String name);
}

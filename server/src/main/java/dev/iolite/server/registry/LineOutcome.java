package dev.iolite.server.registry;

import dev.iolite.server.errors.ErrorCode;

/** What happened to one {@link ImportItem}. Per-item failures are data, not exceptions. */
public sealed interface LineOutcome {
    ImportItem item();

    /** Applied; {@code device} is the new state, or the removed state for a delete. */
    record Applied(ImportItem item, Device device) implements LineOutcome {}

    record Failed(ImportItem item, ErrorCode code, String message) implements LineOutcome {}
}

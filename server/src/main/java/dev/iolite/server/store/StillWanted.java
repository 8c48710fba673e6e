package dev.iolite.server.store;

/**
 * Whether the caller of a store call still waits for its answer. The store asks it a few times a second
 * while a statement runs and stops the statement once the answer is no: a query whose caller hung up
 * frees its connection instead of running on to its deadline.
 */
@FunctionalInterface
public interface StillWanted {
    /** A caller that always waits (jobs, tests). */
    StillWanted ALWAYS = () -> true;

    boolean stillWanted();
}

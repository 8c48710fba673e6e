package dev.iolite.server.registry;

/**
 * The service-side twin of a device or module: tags, desired and reported properties (immutable JSON
 * documents without the {@code $}-prefixed metadata), the twin version behind the twin etag, and the
 * {@code configurations} section ({@code {"id":{"status":"targeted"|"applied"}}}), which only the
 * configurations' evaluation writes.
 */
public record Twin(TwinDocument tags, TwinDocument desired, TwinDocument reported, long version,
                   TwinDocument configurations) {

    public Twin {
        configurations = configurations == null ? TwinDocument.EMPTY : configurations;
    }

    /** A twin that no configuration targets. */
    public Twin(TwinDocument tags, TwinDocument desired, TwinDocument reported, long version) {
        this(tags, desired, reported, version, TwinDocument.EMPTY);
    }

    public static Twin empty() {
        return new Twin(TwinDocument.EMPTY, TwinDocument.EMPTY, TwinDocument.EMPTY, 1);
    }

    public String etag() { return ETags.twin(version); }
}

package dev.iolite.server.registry;

/**
 * The service-side twin of a device or module: tags, desired and reported properties (immutable JSON
 * documents without the {@code $}-prefixed metadata), and the twin version behind the twin etag.
 */
public record Twin(TwinDocument tags, TwinDocument desired, TwinDocument reported, long version) {

    public static Twin empty() {
        return new Twin(TwinDocument.EMPTY, TwinDocument.EMPTY, TwinDocument.EMPTY, 1);
    }

    public String etag() { return ETags.twin(version); }
}

package dev.iolite.server.registry;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The service-side twin of a device or module: tags, desired and reported properties (JSON
 * documents without the {@code $}-prefixed metadata), and the twin version behind the twin etag.
 */
public record Twin(ObjectNode tags, ObjectNode desired, ObjectNode reported, long version) {

    public static Twin empty() {
        JsonNodeFactory f = JsonNodeFactory.instance;
        return new Twin(f.objectNode(), f.objectNode(), f.objectNode(), 1);
    }

    public String etag() { return ETags.twin(version); }
}

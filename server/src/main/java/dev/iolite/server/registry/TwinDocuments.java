package dev.iolite.server.registry;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * Twin documents as compact UTF-8 JSON, the form stores keep them in, and a memo of documents
 * rendered ahead of the write that stores them: an import renders its lines' tags and desired
 * properties on its reading thread, so the writing thread only copies bytes.
 *
 * <p>A memo is filled by one thread and then handed over whole (through a queue) to the thread that
 * reads it; the documents in it must not change after {@link #prepare}.
 */
public final class TwinDocuments {
    private static final byte[] EMPTY = {'{', '}'};
    private static final ObjectMapper MAPPER = new ObjectMapper();
    /** One serializer provider and buffer per thread: making a provider per document was a visible cost. */
    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    private final Map<ObjectNode, byte[]> rendered = new IdentityHashMap<>();

    /** Renders {@code node} now (if not null) so that {@link #utf8} finds it. */
    public void prepare(ObjectNode node) {
        if (node != null && !node.isEmpty()) rendered.put(node, render(node));
    }

    /** The compact UTF-8 JSON of {@code node}: from the memo when prepared, rendered otherwise. */
    public byte[] utf8(ObjectNode node) {
        byte[] b = rendered.get(node);
        return b != null ? b : render(node);
    }

    /** The compact UTF-8 JSON of {@code node}. Callers must not modify the returned array. */
    public static byte[] render(ObjectNode node) {
        if (node.isEmpty()) return EMPTY;
        Scratch s = SCRATCH.get();
        s.buffer.reset();
        try (JsonGenerator g = MAPPER.getFactory().createGenerator(s.buffer, JsonEncoding.UTF8)) {
            node.serialize(g, s.provider);
        } catch (IOException e) {
            throw new IllegalStateException("writing to memory failed; this indicates a bug", e);
        }
        return s.buffer.toByteArray();
    }

    private static final class Scratch {
        final ByteArrayOutputStream buffer = new ByteArrayOutputStream(256);
        final SerializerProvider provider = MAPPER.getSerializerProviderInstance();
    }
}

package dev.iolite.server.registry;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * One twin document (tags, desired or reported properties) as an immutable value: its JSON object,
 * which no one outside holds or changes, and its UTF-8 JSON text as stores keep it, rendered once when
 * the document is made. An import makes its lines' documents on its reading thread, so the writing
 * thread only copies bytes. Two documents are equal when their JSON objects are (member order aside).
 */
public final class TwinDocument {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    /** One serializer provider and buffer per thread: making a provider per document was a visible cost. */
    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);
    private static final byte[] EMPTY_JSON = {'{', '}'};

    public static final TwinDocument EMPTY = new TwinDocument(MAPPER.createObjectNode(), EMPTY_JSON);

    private final ObjectNode tree;
    private final byte[] utf8;

    private TwinDocument(ObjectNode tree, byte[] utf8) {
        this.tree = tree;
        this.utf8 = utf8;
    }

    /** A document of a copy of {@code node}, which the caller may go on changing; null for null. */
    public static TwinDocument of(ObjectNode node) {
        return node == null ? null : owning(node.deepCopy());
    }

    /** A document of {@code fresh}, a tree no one else holds or will change (a parser's own result). */
    static TwinDocument owning(ObjectNode fresh) {
        if (fresh == null) return null;
        return fresh.isEmpty() ? EMPTY : new TwinDocument(fresh, render(fresh));
    }

    /**
     * A document as a store returned it: JSON text of an object (compact, or as the database spells it).
     *
     * @throws IllegalArgumentException when the text is not a JSON object
     */
    public static TwinDocument parse(String json) {
        if ("{}".equals(json)) return EMPTY;
        try {
            JsonNode n = MAPPER.readTree(json);
            if (!(n instanceof ObjectNode o)) throw new IllegalArgumentException("a twin document must be a JSON object");
            return new TwinDocument(o, json.getBytes(StandardCharsets.UTF_8));
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("a twin document is not JSON: " + e.getOriginalMessage(), e);
        }
    }

    /** This document with a JSON merge patch applied (null members remove), as a twin PATCH applies it. */
    public TwinDocument merged(ObjectNode patch) {
        return owning(RegistryService.merge(tree, patch));
    }

    /** A document that replaces a twin's whole document with {@code doc} (null members are left out). */
    public static TwinDocument replacing(ObjectNode doc) {
        return owning(RegistryService.strip(doc));
    }

    /** The UTF-8 JSON text. The array is the document's own: read it, never change it. */
    public byte[] utf8() { return utf8; }

    public String json() { return new String(utf8, StandardCharsets.UTF_8); }

    public boolean isEmpty() { return tree.isEmpty(); }

    /** A copy of the JSON object, the caller's to change. */
    public ObjectNode toTree() { return tree.deepCopy(); }

    /**
     * The JSON merge patch (RFC 7396) that turns this document into {@code next}: members that left are
     * null, objects that changed are patched member by member, anything else that changed is replaced.
     */
    public ObjectNode patchTo(TwinDocument next) {
        return diff(tree, next.tree);
    }

    private static ObjectNode diff(ObjectNode from, ObjectNode to) {
        ObjectNode out = MAPPER.createObjectNode();
        from.fieldNames().forEachRemaining(k -> {
            if (!to.has(k)) out.putNull(k);
        });
        to.fields().forEachRemaining(e -> {
            JsonNode old = from.get(e.getKey());
            JsonNode now = e.getValue();
            if (now.equals(old)) return;
            out.set(e.getKey(), old instanceof ObjectNode o && now instanceof ObjectNode n ? diff(o, n) : now.deepCopy());
        });
        return out;
    }

    /** The JSON object itself, for reading within the registry (rules, merges); never changed, never handed out. */
    ObjectNode view() { return tree; }

    @Override
    public boolean equals(Object o) {
        return o instanceof TwinDocument d && tree.equals(d.tree);
    }

    @Override
    public int hashCode() { return tree.hashCode(); }

    @Override
    public String toString() { return json(); }

    private static byte[] render(ObjectNode node) {
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

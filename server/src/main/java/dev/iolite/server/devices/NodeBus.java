package dev.iolite.server.devices;

import java.util.function.Consumer;

/**
 * The nodes of one store, told of each other's news: what a node must hand to a device that is connected to
 * another node (a desired patch, a disconnect, a method request and its answer). A message goes to every
 * other node, never back to its sender; each topic has one handler per node. Delivery is at most once and
 * in the order one node published: a node that is not listening at the moment (its connection to the store
 * failed) misses what was published meanwhile, which is why nothing that must last travels on the bus.
 */
public interface NodeBus extends AutoCloseable {

    /** This node's id, as other nodes see it in {@link Envelope#from()}. */
    String nodeId();

    /** Whether anything published reaches another node: false for a server alone with its store (SQLite). */
    boolean reachesOthers();

    /**
     * Sends {@code body} under {@code topic} to the other nodes. Returns at once (waiting a bounded moment when
     * the outgoing queue is full, then dropping the message with a log line); any size, larger bodies cost more.
     */
    void publish(String topic, String body);

    /** Hands what other nodes publish under {@code topic} to {@code handler}, on the bus's delivery thread; it must return quickly. */
    void subscribe(String topic, Consumer<Envelope> handler);

    /** Stops listening and sending, within a few seconds; what was not sent yet is dropped. */
    @Override
    void close();

    /** One message from another node. */
    record Envelope(String from, String topic, String body) {}

    /** The bus of a node alone with its store: nothing is sent, nothing arrives. */
    static NodeBus alone(String nodeId) {
        return new NodeBus() {
            @Override public String nodeId() { return nodeId; }
            @Override public boolean reachesOthers() { return false; }
            @Override public void publish(String topic, String body) {}
            @Override public void subscribe(String topic, Consumer<Envelope> handler) {}
            @Override public void close() {}
        };
    }
}

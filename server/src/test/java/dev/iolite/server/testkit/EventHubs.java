package dev.iolite.server.testkit;

import com.azure.messaging.eventhubs.EventHubClientBuilder;
import com.azure.messaging.eventhubs.EventHubConsumerClient;

import javax.net.ssl.SSLContext;

/**
 * The official Java Event Hubs client aimed at a test server's built-in endpoint. The client takes its TLS trust
 * from the JVM's default context ({@code SSLContext.getDefault()}, with host name checks), so the first use makes
 * the test truststore's context the default of this JVM; every server of the tests presents a certificate it issued.
 */
public final class EventHubs {
    private EventHubs() {}

    private static synchronized void trustTestServers() {
        SSLContext.setDefault(TestTls.trusting(TestTls.TRUSTSTORE));
    }

    /** The server's default hub's connection string for Event Hubs clients (ready.json's {@code eventHubConnectionString}). */
    public static String connectionString(ServerExtension server) {
        return server.ready().get("eventHubConnectionString").asText();
    }

    /** A synchronous consumer of {@code consumerGroup} through {@code connectionString}. */
    public static EventHubConsumerClient consumer(String connectionString, String consumerGroup) {
        trustTestServers();
        return new EventHubClientBuilder().connectionString(connectionString).consumerGroup(consumerGroup)
                .buildConsumerClient();
    }

    /** An asynchronous builder, trusted, for the tests that need the async client. */
    public static EventHubClientBuilder builder(String connectionString, String consumerGroup) {
        trustTestServers();
        return new EventHubClientBuilder().connectionString(connectionString).consumerGroup(consumerGroup);
    }
}

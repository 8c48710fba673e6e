package dev.iolite.server.it;

import com.azure.core.amqp.exception.AmqpException;
import com.azure.messaging.eventhubs.EventData;
import com.azure.messaging.eventhubs.EventHubConsumerAsyncClient;
import com.azure.messaging.eventhubs.EventHubConsumerClient;
import com.azure.messaging.eventhubs.EventHubProperties;
import com.azure.messaging.eventhubs.PartitionProperties;
import com.azure.messaging.eventhubs.models.EventPosition;
import com.azure.messaging.eventhubs.models.PartitionEvent;
import com.azure.resourcemanager.iothub.IotHubManager;
import com.azure.resourcemanager.iothub.models.EventHubConsumerGroupInfo;
import com.azure.resourcemanager.iothub.models.EventHubConsumerGroupName;
import com.azure.resourcemanager.iothub.models.IotHubDescription;
import com.microsoft.azure.sdk.iot.device.DeviceClient;
import com.microsoft.azure.sdk.iot.device.Message;
import dev.iolite.server.messages.Partitions;
import dev.iolite.server.testkit.DeviceSdks;
import dev.iolite.server.testkit.EventHubs;
import dev.iolite.server.testkit.MemoryCheckpointStore;
import dev.iolite.server.testkit.Sdks;
import dev.iolite.server.testkit.ServerExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import reactor.core.Disposable;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import java.util.stream.StreamSupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The built-in endpoint read as Event Hubs: the official Java device SDK sends telemetry over MQTT, and the official
 * Java Event Hubs client reads it through the connection string in ready.json, from each kind of start position,
 * with IoT Hub's annotations; consumer groups are made and deleted with the official ARM SDK. Each test has devices
 * of its own, and reads only their events (other tests' devices may share a partition).
 */
class BuiltInEndpointIT {
    @RegisterExtension
    static final ServerExtension server = new ServerExtension();

    private static final Duration WAIT = Duration.ofSeconds(10);

    /** Sends {@code n} messages from {@code deviceId} (registered here), 5 ms apart so that enqueued times differ. */
    private static void send(String deviceId, int n) throws Exception {
        String key = DeviceSdks.register(server, deviceId);
        DeviceClient device = DeviceSdks.open(DeviceSdks.connectionString(server, deviceId, key));
        try {
            for (int i = 0; i < n; i++) {
                Message m = new Message("{\"n\":" + i + "}");
                m.setMessageId(deviceId + "-" + i);
                m.setCorrelationId("corr-" + i);
                m.setContentType("application/json");
                m.setContentEncoding("utf-8");
                m.setProperty("site", "north");
                m.setProperty("index", Integer.toString(i));
                device.sendEvent(m);  // returns once the server acknowledged it
                Thread.sleep(5);
            }
        } finally {
            device.close();
        }
    }

    private static String partitionOf(String deviceId) {
        return Integer.toString(Partitions.of(deviceId, 4));
    }

    /**
     * The events of {@code deviceId} read from {@code position}, which is at sequence number {@code from} of the
     * device's partition: the read asks for every event from there to the partition's last, so it ends as soon as it
     * has them ({@link #WAIT} only bounds a read that falls short).
     */
    private static List<EventData> read(EventHubConsumerClient consumer, String deviceId, EventPosition position, long from) {
        String partition = partitionOf(deviceId);
        long last = consumer.getPartitionProperties(partition).getLastEnqueuedSequenceNumber();
        int max = (int) Math.max(1, last - from + 1);
        List<EventData> out = new ArrayList<>();
        for (PartitionEvent e : consumer.receiveFromPartition(partition, max, position, WAIT)) {
            if (deviceId.equals(e.getData().getSystemProperties().get("iothub-connection-device-id"))) out.add(e.getData());
        }
        return out;
    }

    @Test
    void theConsumerReadsEveryMessageOnceWithIotHubsAnnotationsAndProperties() throws Exception {
        send("reader-1", 3);
        EventHubConsumerClient consumer = EventHubs.consumer(EventHubs.connectionString(server), "$Default");
        try {
            EventHubProperties hub = consumer.getEventHubProperties();
            assertThat(hub.getName()).isEqualTo(server.ready().get("hub").asText());
            assertThat(StreamSupport.stream(hub.getPartitionIds().spliterator(), false).collect(Collectors.toList()))
                    .containsExactly("0", "1", "2", "3");

            List<EventData> events = read(consumer, "reader-1", EventPosition.earliest(), 0);
            assertThat(events).hasSize(3);
            for (int i = 0; i < 3; i++) {
                EventData e = events.get(i);
                assertThat(e.getBodyAsString()).isEqualTo("{\"n\":" + i + "}");
                assertThat(e.getMessageId()).isEqualTo("reader-1-" + i);
                assertThat(e.getCorrelationId()).isEqualTo("corr-" + i);
                assertThat(e.getContentType()).isEqualTo("application/json");
                assertThat(e.getProperties()).containsEntry("site", "north").containsEntry("index", Integer.toString(i));
                assertThat(e.getSequenceNumber()).isEqualTo(events.get(0).getSequenceNumber() + i);
                assertThat(e.getEnqueuedTime()).isAfter(Instant.now().minusSeconds(60));
                assertThat(e.getSystemProperties())
                        .containsEntry("iothub-connection-device-id", "reader-1")
                        .containsEntry("iothub-message-source", "Telemetry")
                        .containsEntry("content-encoding", "utf-8");
                assertThat(e.getSystemProperties().get("iothub-enqueuedtime")).isInstanceOf(Date.class);
                assertThat((String) e.getSystemProperties().get("iothub-connection-auth-method")).contains("\"scope\":\"device\"");
                if (i > 0) assertThat(e.getOffsetString()).isNotEqualTo(events.get(i - 1).getOffsetString());
            }

            PartitionProperties p = consumer.getPartitionProperties(partitionOf("reader-1"));
            assertThat(p.isEmpty()).isFalse();
            assertThat(p.getLastEnqueuedSequenceNumber()).isGreaterThanOrEqualTo(events.get(2).getSequenceNumber());
            assertThat(p.getBeginningSequenceNumber()).isLessThanOrEqualTo(events.get(0).getSequenceNumber());
        } finally {
            consumer.close();
        }
    }

    @Test
    void eachStartPositionStartsWhereItSays() throws Exception {
        send("positions-1", 4);
        EventHubConsumerClient consumer = EventHubs.consumer(EventHubs.connectionString(server), "$Default");
        try {
            List<EventData> all = read(consumer, "positions-1", EventPosition.earliest(), 0);
            assertThat(all).hasSize(4);
            EventData second = all.get(1);
            long s = second.getSequenceNumber();
            assertThat(read(consumer, "positions-1", EventPosition.fromSequenceNumber(s, true), s))
                    .extracting(EventData::getMessageId).containsExactly("positions-1-1", "positions-1-2", "positions-1-3");
            assertThat(read(consumer, "positions-1", EventPosition.fromSequenceNumber(s), s + 1))
                    .extracting(EventData::getMessageId).containsExactly("positions-1-2", "positions-1-3");
            assertThat(read(consumer, "positions-1", EventPosition.fromOffsetString(second.getOffsetString()), s + 1))
                    .extracting(EventData::getMessageId).containsExactly("positions-1-2", "positions-1-3");
            assertThat(read(consumer, "positions-1", EventPosition.fromEnqueuedTime(second.getEnqueuedTime()), s + 1))
                    .extracting(EventData::getMessageId).containsExactly("positions-1-2", "positions-1-3");
        } finally {
            consumer.close();
        }
    }

    @Test
    void aReaderFromLatestGetsOnlyWhatIsSentAfterItStarted() throws Exception {
        send("latest-1", 2);
        List<EventData> got = new CopyOnWriteArrayList<>();
        EventHubConsumerAsyncClient consumer = EventHubs.builder(EventHubs.connectionString(server), "$Default")
                .buildAsyncConsumerClient();
        Disposable reading = consumer.receiveFromPartition(partitionOf("latest-1"), EventPosition.latest())
                .filter(e -> "latest-1".equals(e.getData().getSystemProperties().get("iothub-connection-device-id")))
                .subscribe(e -> got.add(e.getData()));
        try {
            Thread.sleep(1500);  // the link is attached and has read to the end
            assertThat(got).isEmpty();
            String key = server.send("GET", "/devices/latest-1" + DeviceSdks.API, server.ownerSas(), null).body();
            DeviceClient device = DeviceSdks.open(DeviceSdks.connectionString(server, "latest-1",
                    ServerExtension.JSON.readTree(key).path("authentication").path("symmetricKey").path("primaryKey").asText()));
            try {
                device.sendEvent(new Message("after".getBytes(StandardCharsets.UTF_8)));
            } finally {
                device.close();
            }
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (got.isEmpty() && System.nanoTime() < deadline) Thread.sleep(20);
            Thread.sleep(300);
            assertThat(got).extracting(EventData::getBodyAsString).containsExactly("after");
        } finally {
            reading.dispose();
            consumer.close();
        }
    }

    @Test
    void consumerGroupsAreMadeAndDeletedThroughArmAndOnlyExistingOnesRead() throws Exception {
        send("groups-1", 1);
        IotHubManager arm = Sdks.arm(server, server.armToken());
        String rg = server.ready().get("resourceGroup").asText();
        String hub = server.ready().get("hub").asText();
        IotHubDescription description = arm.iotHubResources().getByResourceGroup(rg, hub);
        assertThat(description.properties().eventHubEndpoints().get("events").partitionCount()).isEqualTo(4);
        assertThat(description.properties().eventHubEndpoints().get("events").endpoint())
                .isEqualTo("sb://127.0.0.1:" + server.ready().get("amqpPort").asInt() + "/");

        EventHubConsumerGroupInfo made = arm.iotHubResources().defineEventHubConsumerGroup("analytics")
                .withExistingEventHubEndpoint(rg, hub, "events")
                .withProperties(new EventHubConsumerGroupName().withName("analytics")).create();
        assertThat(made.name()).isEqualTo("analytics");
        assertThat(arm.iotHubResources().listEventHubConsumerGroups(rg, hub, "events").stream().map(EventHubConsumerGroupInfo::name))
                .containsExactly("$Default", "analytics");

        EventHubConsumerClient analytics = EventHubs.consumer(EventHubs.connectionString(server), "analytics");
        try {
            assertThat(read(analytics, "groups-1", EventPosition.earliest(), 0)).hasSize(1);
        } finally {
            analytics.close();
        }

        arm.iotHubResources().deleteEventHubConsumerGroup(rg, hub, "events", "analytics");
        assertThat(arm.iotHubResources().listEventHubConsumerGroups(rg, hub, "events").stream().map(EventHubConsumerGroupInfo::name))
                .containsExactly("$Default");
        assertThatThrownBy(() -> arm.iotHubResources().defineEventHubConsumerGroup("no spaces")
                .withExistingEventHubEndpoint(rg, hub, "events").withProperties(new EventHubConsumerGroupName().withName("no spaces"))
                .create()).isInstanceOf(com.azure.core.management.exception.ManagementException.class).hasMessageContaining("400");
        assertThat(arm.iotHubResources().listEventHubConsumerGroups(rg, hub, "events").stream().map(EventHubConsumerGroupInfo::name))
                .as("nothing made").containsExactly("$Default");
        EventHubConsumerClient gone = EventHubs.consumer(EventHubs.connectionString(server), "analytics");
        try {
            assertThatThrownBy(() -> read(gone, "groups-1", EventPosition.earliest(), 0))
                    .hasRootCauseInstanceOf(AmqpException.class).rootCause().hasMessageContaining("could not be found");
        } finally {
            gone.close();
        }
    }

    @Test
    void aSixthReaderOfAPartitionAndAPartitionOutOfRangeAreRefusedAsEventHubsRefusesThem() throws Exception {
        send("crowd-1", 1);
        IotHubManager arm = Sdks.arm(server, server.armToken());
        String rg = server.ready().get("resourceGroup").asText();
        String hub = server.ready().get("hub").asText();
        arm.iotHubResources().defineEventHubConsumerGroup("crowd").withExistingEventHubEndpoint(rg, hub, "events")
                .withProperties(new EventHubConsumerGroupName().withName("crowd")).create();
        String partition = partitionOf("crowd-1");
        EventHubConsumerAsyncClient consumer = EventHubs.builder(EventHubs.connectionString(server), "crowd").buildAsyncConsumerClient();
        List<Disposable> five = new ArrayList<>();
        try {
            for (int i = 0; i < 5; i++) five.add(consumer.receiveFromPartition(partition, EventPosition.latest()).subscribe());
            Thread.sleep(1500);  // their links are attached
            java.util.concurrent.CompletableFuture<Throwable> sixth = new java.util.concurrent.CompletableFuture<>();
            five.add(consumer.receiveFromPartition(partition, EventPosition.earliest()).subscribe(e -> { }, sixth::complete));
            assertThat(rootCause(sixth.get(10, java.util.concurrent.TimeUnit.SECONDS))).isInstanceOf(AmqpException.class)
                    .hasMessageContaining("maximum number of allowed receivers per partition");

            five.remove(0).dispose();  // one leaves; another may come in, and reads
            List<EventData> got = new CopyOnWriteArrayList<>();
            five.add(consumer.receiveFromPartition(partition, EventPosition.earliest())
                    .filter(e -> "crowd-1".equals(e.getData().getSystemProperties().get("iothub-connection-device-id")))
                    .subscribe(e -> got.add(e.getData())));
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (got.isEmpty() && System.nanoTime() < deadline) Thread.sleep(20);
            assertThat(got).extracting(EventData::getMessageId).containsExactly("crowd-1-0");
        } finally {
            five.forEach(Disposable::dispose);
            consumer.close();
            arm.iotHubResources().deleteEventHubConsumerGroup(rg, hub, "events", "crowd");
        }

        EventHubConsumerClient reader = EventHubs.consumer(EventHubs.connectionString(server), "$Default");
        try {
            assertThatThrownBy(() -> reader.receiveFromPartition("9", 1, EventPosition.earliest(), WAIT).iterator().hasNext())
                    .hasRootCauseInstanceOf(AmqpException.class).rootCause().hasMessageContaining("partition is invalid");
        } finally {
            reader.close();
        }
    }

    /** An Event Hubs processor client over every partition from the earliest event, keeping the events of {@code deviceIds}. */
    private static com.azure.messaging.eventhubs.EventProcessorClient processor(MemoryCheckpointStore store, List<String> deviceIds,
                                                                                List<EventData> into) {
        java.util.Map<String, EventPosition> earliest = new java.util.HashMap<>();
        for (int p = 0; p < 4; p++) earliest.put(Integer.toString(p), EventPosition.earliest());
        return new com.azure.messaging.eventhubs.EventProcessorClientBuilder().connectionString(EventHubs.connectionString(server))
                .consumerGroup("$Default").checkpointStore(store).initialPartitionEventPosition(earliest)
                .loadBalancingStrategy(com.azure.messaging.eventhubs.LoadBalancingStrategy.GREEDY)  // every partition at once
                .processEvent(e -> {
                    if (!deviceIds.contains(String.valueOf(e.getEventData().getSystemProperties().get("iothub-connection-device-id")))) return;
                    into.add(e.getEventData());
                    e.updateCheckpoint();
                })
                .processError(e -> { })
                .buildEventProcessorClient();
    }

    @Test
    void theEventProcessorReadsEveryPartitionAndResumesAfterItsCheckpoint() throws Exception {
        String partition = partitionOf("processor-1");
        String samePartition = null;
        for (int i = 2; samePartition == null; i++) if (partitionOf("processor-" + i).equals(partition)) samePartition = "processor-" + i;
        String later = samePartition;
        send("processor-1", 2);
        EventHubs.builder(EventHubs.connectionString(server), "$Default");  // trusts the test servers
        MemoryCheckpointStore store = new MemoryCheckpointStore();
        List<EventData> first = new CopyOnWriteArrayList<>();
        com.azure.messaging.eventhubs.EventProcessorClient one = processor(store, List.of("processor-1", later), first);
        one.start();
        try {
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (first.size() < 2 && System.nanoTime() < deadline) Thread.sleep(20);
        } finally {
            one.stop();
        }
        assertThat(first).extracting(EventData::getMessageId).containsExactly("processor-1-0", "processor-1-1");
        assertThat(store.checkpoint(partition)).get().extracting(c -> c.getSequenceNumber()).isEqualTo(first.get(1).getSequenceNumber());

        // another processor with the same store starts after the checkpoint: the earlier events do not come again
        send(later, 1);
        List<EventData> second = new CopyOnWriteArrayList<>();
        com.azure.messaging.eventhubs.EventProcessorClient two = processor(store, List.of("processor-1", later), second);
        two.start();
        try {
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (second.isEmpty() && System.nanoTime() < deadline) Thread.sleep(20);
            Thread.sleep(300);
        } finally {
            two.stop();
        }
        assertThat(second).extracting(EventData::getMessageId).containsExactly(later + "-0");
    }

    @Test
    void theConsumerReadsOverWebSocketsOnTheHttpsPortToo() throws Exception {
        send("websocket-1", 2);
        EventHubConsumerClient consumer = EventHubs.builder(EventHubs.connectionString(server), "$Default")
                .transportType(com.azure.core.amqp.AmqpTransportType.AMQP_WEB_SOCKETS)
                .customEndpointAddress("https://127.0.0.1:" + server.port()).buildConsumerClient();
        try {
            assertThat(consumer.getEventHubProperties().getName()).isEqualTo(server.ready().get("hub").asText());
            assertThat(read(consumer, "websocket-1", EventPosition.earliest(), 0)).extracting(EventData::getBodyAsString)
                    .containsExactly("{\"n\":0}", "{\"n\":1}");
        } finally {
            consumer.close();
        }
    }

    @Test
    void aReceiverWhoseTokenExpiresIsDetachedAndOthersReadOn() throws Exception {
        String cs = EventHubs.connectionString(server);
        String key = cs.replaceAll(".*SharedAccessKey=([^;]+);.*", "$1");
        String hub = server.ready().get("hub").asText();
        String shortLived = dev.iolite.server.auth.SasToken.createFor("127.0.0.1:" + server.ready().get("amqpPort").asInt() + "/" + hub,
                "service", key, Instant.now().plusSeconds(3));
        String withToken = "Endpoint=sb://127.0.0.1:" + server.ready().get("amqpPort").asInt() + "/;SharedAccessSignature="
                + shortLived + ";EntityPath=" + hub;
        java.util.concurrent.CompletableFuture<Throwable> ended = new java.util.concurrent.CompletableFuture<>();
        EventHubConsumerAsyncClient expiring = EventHubs.builder(withToken, "$Default").buildAsyncConsumerClient();
        Disposable reading = expiring.receiveFromPartition("0", EventPosition.latest())
                .subscribe(e -> { }, ended::complete, () -> ended.complete(null));
        EventHubConsumerClient lasting = EventHubs.consumer(cs, "$Default");
        try {
            // the receive ends (the client ends it without an error once it cannot put a valid token again);
            // without the server's detach at expiry it would go on, and this wait would fail
            Throwable error = ended.get(15, java.util.concurrent.TimeUnit.SECONDS);
            if (error != null) assertThat(rootCause(error)).isInstanceOf(AmqpException.class);
            assertThat(lasting.getEventHubProperties().getName()).isEqualTo(hub);  // the other connection is untouched
        } finally {
            reading.dispose();
            expiring.close();
            lasting.close();
        }
    }

    private static Throwable rootCause(Throwable t) {
        while (t.getCause() != null && t.getCause() != t) t = t.getCause();
        return t;
    }

    @Test
    void aWrongKeyReadsNothing() {
        String good = EventHubs.connectionString(server);
        String wrong = good.replaceAll("SharedAccessKey=[^;]+", "SharedAccessKey="
                + java.util.Base64.getEncoder().encodeToString(new byte[32]));
        EventHubConsumerClient consumer = EventHubs.consumer(wrong, "$Default");
        try {
            assertThatThrownBy(() -> consumer.receiveFromPartition("0", 1, EventPosition.earliest(), WAIT).iterator().hasNext())
                    .hasRootCauseInstanceOf(AmqpException.class).rootCause().hasMessageContaining("401");
            assertThatThrownBy(consumer::getEventHubProperties)
                    .isInstanceOf(AmqpException.class).hasMessageContaining("401");
        } finally {
            consumer.close();
        }
    }
}

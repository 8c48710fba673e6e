package dev.iolite.server.amqp;

import dev.iolite.server.hubs.Hub;
import dev.iolite.server.hubs.Right;
import dev.iolite.server.messages.PartitionState;
import dev.iolite.server.messages.StoredMessage;
import org.apache.qpid.proton.amqp.messaging.AmqpValue;
import org.apache.qpid.proton.message.Message;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.RejectedExecutionException;

/**
 * Event Hubs' {@code $management} node: {@code READ} of the hub's properties ({@code com.microsoft:eventhub}: name,
 * creation time, partition count and ids) and of one partition's ({@code com.microsoft:partition}: first and last
 * sequence numbers, last offset and enqueued time, whether it is empty). The entity is the hub; the caller needs a
 * token with ServiceConnect that covers it. Partition reads go to the store off the network thread.
 */
final class ManagementNode {
    private static final Logger LOG = LoggerFactory.getLogger(ManagementNode.class);
    private final AmqpConnection connection;

    ManagementNode(AmqpConnection connection) {
        this.connection = connection;
    }

    Message handle(Message request, AmqpConnection.RequestNode node) {
        Map<String, Object> p = request.getApplicationProperties() == null ? Map.of()
                : AmqpConnection.asStrings(request.getApplicationProperties().getValue());
        if (!"READ".equals(p.get("operation"))) {
            return AmqpConnection.status(request, 400, "the operations of $management are READ of com.microsoft:eventhub and com.microsoft:partition");
        }
        String name = String.valueOf(p.get("name"));
        Hub hub = connection.cx.hubs().find(name).orElse(null);
        if (hub == null) return AmqpConnection.status(request, 404, "no Event Hub named '" + name + "' is here");
        if (p.get("security_token") instanceof String token) {
            try {
                connection.accept(token, null);
            } catch (Claims.Refused r) {
                return AmqpConnection.status(request, r.status, r.getMessage());
            }
        }
        if (connection.grantFor(List.of(hub.name()), Right.SERVICE_CONNECT) == null) {
            return AmqpConnection.status(request, 401, "no token put on $cbs covers '" + hub.name() + "' with ServiceConnect");
        }
        String type = String.valueOf(p.get("type"));
        int partitions = connection.cx.partitions();
        if (type.equals("com.microsoft:eventhub")) {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("name", hub.name());
            body.put("created_at", Date.from(hub.createdAt()));
            body.put("partition_count", partitions);
            String[] ids = new String[partitions];
            for (int i = 0; i < partitions; i++) ids[i] = Integer.toString(i);
            body.put("partition_ids", ids);
            return ok(request, body);
        }
        if (!type.equals("com.microsoft:partition")) {
            return AmqpConnection.status(request, 400, "unknown type '" + type + "'; com.microsoft:eventhub or com.microsoft:partition");
        }
        String id = String.valueOf(p.get("partition"));
        int partition;
        try {
            partition = Integer.parseInt(id);
        } catch (NumberFormatException e) {
            partition = -1;
        }
        if (partition < 0 || partition >= partitions || !id.equals(Integer.toString(partition))) {
            return AmqpConnection.status(request, 404, "the partition '" + id + "' does not exist; the hub has 0 to " + (partitions - 1));
        }
        int part = partition;
        try {
            connection.cx.reads().execute(() -> {
                Message answer;
                try {
                    answer = ok(request, partitionProperties(hub.name(), part));
                } catch (RuntimeException e) {
                    LOG.warn("reading partition {} of hub {} failed", part, hub.name(), e);
                    answer = AmqpConnection.status(request, 503, "the store could not be read; try again");
                }
                Message done = answer;
                connection.run(() -> node.reply(request, done));
            });
        } catch (RejectedExecutionException busy) {
            return AmqpConnection.status(request, 503, "the server is busy; try again");
        }
        return null;
    }

    private Map<String, Object> partitionProperties(String hub, int partition) {
        PartitionState s = connection.cx.messages().partitions(hub).stream().filter(x -> x.partition() == partition)
                .findFirst().orElse(null);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("name", hub);
        body.put("partition", Integer.toString(partition));
        boolean empty = s == null || s.firstSequence() >= s.nextSequence();
        long next = s == null ? 0 : s.nextSequence();
        body.put("begin_sequence_number", empty ? next : s.firstSequence());
        body.put("last_enqueued_sequence_number", next - 1);
        StoredMessage last = empty ? null : connection.cx.messages().read(hub, partition, next - 1, next, null, 1, 1)
                .stream().findFirst().orElse(null);
        body.put("last_enqueued_offset", last == null ? "-1" : Long.toString(last.offset()));
        body.put("last_enqueued_time_utc", last == null ? new Date(0) : Date.from(last.enqueued()));
        body.put("is_partition_empty", empty);
        return body;
    }

    private static Message ok(Message request, Map<String, Object> body) {
        Message m = AmqpConnection.status(request, 200, "OK");
        m.setBody(new AmqpValue(body));
        return m;
    }
}

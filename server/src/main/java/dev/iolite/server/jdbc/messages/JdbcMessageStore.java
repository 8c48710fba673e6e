package dev.iolite.server.jdbc.messages;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.iolite.server.jdbc.Database;
import dev.iolite.server.messages.MessageStore;
import dev.iolite.server.messages.PartitionState;
import dev.iolite.server.messages.StoredMessage;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.TreeMap;

/**
 * The built-in endpoint's messages in the {@code messages} table, numbered by the {@code message_partitions}
 * counter rows (see V9__messages.sql). An append locks each partition's counter row it writes, in (hub, partition)
 * order so that two nodes never wait on each other in a circle, takes its next numbers, inserts the rows as one
 * JDBC batch and moves the counters, all in one transaction.
 */
public final class JdbcMessageStore implements MessageStore {
    private static final JsonFactory JSON = new JsonFactory();
    private static final String COLUMNS = "hub, partition_id, sequence, byte_offset, size, enqueued_ms, device_id, module_id, properties, body";

    private final Database db;

    public JdbcMessageStore(Database db) {
        this.db = db;
    }

    private record Slot(String hub, int partition) implements Comparable<Slot> {
        @Override
        public int compareTo(Slot o) {
            int c = hub.compareTo(o.hub);
            return c != 0 ? c : Integer.compare(partition, o.partition);
        }
    }

    @Override
    public List<StoredMessage> append(List<Enqueued> batch) {
        if (batch.isEmpty()) return List.of();
        TreeMap<Slot, List<Integer>> slots = new TreeMap<>();
        for (int i = 0; i < batch.size(); i++) {
            Enqueued e = batch.get(i);
            slots.computeIfAbsent(new Slot(e.hub(), e.partition()), s -> new ArrayList<>()).add(i);
        }
        String[] properties = new String[batch.size()];
        for (int i = 0; i < batch.size(); i++) properties[i] = properties(batch.get(i).system(), batch.get(i).application());
        return db.inTransaction(c -> {
            StoredMessage[] out = new StoredMessage[batch.size()];
            try (PreparedStatement create = c.prepareStatement("INSERT INTO message_partitions (hub, partition_id, next_sequence, next_offset)"
                         + " VALUES (?, ?, 0, 0) ON CONFLICT DO NOTHING");
                 PreparedStatement lock = c.prepareStatement("SELECT next_sequence, next_offset FROM message_partitions"
                         + " WHERE hub = ? AND partition_id = ?" + db.dialect().rowLock());
                 PreparedStatement move = c.prepareStatement("UPDATE message_partitions SET next_sequence = ?, next_offset = ?"
                         + " WHERE hub = ? AND partition_id = ?");
                 PreparedStatement insert = c.prepareStatement("INSERT INTO messages (" + COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
                for (Map.Entry<Slot, List<Integer>> slot : slots.entrySet()) {
                    String hub = slot.getKey().hub();
                    int partition = slot.getKey().partition();
                    long[] next = counter(create, lock, hub, partition);
                    long sequence = next[0];
                    long offset = next[1];
                    for (int i : slot.getValue()) {
                        Enqueued e = batch.get(i);
                        StoredMessage m = new StoredMessage(hub, partition, sequence, offset, e.enqueued(), e.deviceId(),
                                e.moduleId(), e.system(), e.application(), e.body());
                        long size = m.size();
                        insert.setString(1, hub);
                        insert.setInt(2, partition);
                        insert.setLong(3, sequence);
                        insert.setLong(4, offset);
                        insert.setLong(5, size);
                        insert.setLong(6, e.enqueued().toEpochMilli());
                        insert.setString(7, e.deviceId());
                        insert.setString(8, e.moduleId());
                        insert.setString(9, properties[i]);
                        insert.setBytes(10, e.body());
                        insert.addBatch();
                        out[i] = m;
                        sequence++;
                        offset += size;
                    }
                    move.setLong(1, sequence);
                    move.setLong(2, offset);
                    move.setString(3, hub);
                    move.setInt(4, partition);
                    move.addBatch();
                }
                insert.executeBatch();
                move.executeBatch();
            }
            return List.of(out);
        });
    }

    /** Locks the partition's counter row, made at 0 when missing, and returns its next sequence number and offset. */
    private static long[] counter(PreparedStatement create, PreparedStatement lock, String hub, int partition) throws SQLException {
        for (int attempt = 0; attempt < 2; attempt++) {
            lock.setString(1, hub);
            lock.setInt(2, partition);
            try (ResultSet rs = lock.executeQuery()) {
                if (rs.next()) return new long[] {rs.getLong(1), rs.getLong(2)};
            }
            create.setString(1, hub);
            create.setInt(2, partition);
            create.executeUpdate();
        }
        throw new IllegalStateException("the counter row of partition " + partition + " of hub " + hub
                + " is missing after it was made; this indicates a bug");
    }

    @Override
    public List<StoredMessage> read(String hub, int partition, long from, long before, String deviceId, int limit, long maxBytes) {
        String sql = "SELECT " + COLUMNS + " FROM messages WHERE hub = ? AND partition_id = ? AND sequence >= ? AND sequence < ?"
                + (deviceId == null ? "" : " AND device_id = ?") + " ORDER BY sequence LIMIT ?";
        return db.read(c -> {
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                int i = 1;
                ps.setString(i++, hub);
                ps.setInt(i++, partition);
                ps.setLong(i++, from);
                ps.setLong(i++, before);
                if (deviceId != null) ps.setString(i++, deviceId);
                ps.setInt(i, limit);
                List<StoredMessage> out = new ArrayList<>();
                long bytes = 0;
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next() && bytes < maxBytes) {
                        StoredMessage m = message(rs);
                        out.add(m);
                        bytes += m.size();
                    }
                }
                return out;
            }
        });
    }

    private static StoredMessage message(ResultSet rs) throws SQLException {
        Map<String, String> system = new LinkedHashMap<>();
        Map<String, String> application = new LinkedHashMap<>();
        readProperties(rs.getString(9), system, application);
        return new StoredMessage(rs.getString(1), rs.getInt(2), rs.getLong(3), rs.getLong(4),
                Instant.ofEpochMilli(rs.getLong(6)), rs.getString(7), rs.getString(8), Collections.unmodifiableMap(system),
                Collections.unmodifiableMap(application), rs.getBytes(10));
    }

    @Override
    public OptionalLong sequenceAt(String hub, int partition, Instant time) {
        return db.read(c -> optionalLong(c, "SELECT MIN(sequence) FROM messages WHERE hub = ? AND partition_id = ? AND enqueued_ms >= ?",
                hub, partition, time.toEpochMilli()));
    }

    @Override
    public List<PartitionState> partitions(String hub) {
        return db.read(c -> {
            List<PartitionState> out = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT hub, partition_id, next_sequence, next_offset FROM message_partitions"
                    + " WHERE hub = ? ORDER BY partition_id");
                 PreparedStatement first = c.prepareStatement("SELECT sequence, byte_offset, enqueued_ms FROM messages"
                         + " WHERE hub = ? AND partition_id = ? ORDER BY sequence LIMIT 1")) {
                ps.setString(1, hub);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        String name = rs.getString(1);
                        int p = rs.getInt(2);
                        long nextSequence = rs.getLong(3);
                        long nextOffset = rs.getLong(4);
                        first.setString(1, name);
                        first.setInt(2, p);
                        try (ResultSet f = first.executeQuery()) {
                            out.add(f.next()
                                    ? new PartitionState(name, p, f.getLong(1), nextSequence, f.getLong(2), nextOffset, Instant.ofEpochMilli(f.getLong(3)))
                                    : new PartitionState(name, p, nextSequence, nextSequence, nextOffset, nextOffset, null));
                        }
                    }
                }
            }
            return out;
        });
    }

    @Override
    public List<String> hubs() {
        return db.read(c -> {
            List<String> out = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT DISTINCT hub FROM message_partitions ORDER BY hub");
                 ResultSet rs = ps.executeQuery()) {
                while (rs.next()) out.add(rs.getString(1));
            }
            return out;
        });
    }

    @Override
    public OptionalLong firstAtOffset(String hub, int partition, long after, long through, long offset) {
        return db.read(c -> optionalLong(c, "SELECT MIN(sequence) FROM messages WHERE hub = ? AND partition_id = ?"
                + " AND sequence > ? AND sequence <= ? AND byte_offset >= ?", hub, partition, after, through, offset));
    }

    @Override
    public int deleteBefore(String hub, int partition, long before) {
        return db.inTransaction(c -> update(c, "DELETE FROM messages WHERE hub = ? AND partition_id = ? AND sequence < ?",
                hub, partition, before));
    }

    @Override
    public int deleteOlderThan(String hub, int partition, long before, Instant cutoff) {
        return db.inTransaction(c -> update(c, "DELETE FROM messages WHERE hub = ? AND partition_id = ? AND sequence < ?"
                + " AND enqueued_ms < ?", hub, partition, before, cutoff.toEpochMilli()));
    }

    private static OptionalLong optionalLong(Connection c, String sql, Object... args) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            bind(ps, args);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) return OptionalLong.empty();
                long v = rs.getLong(1);
                return rs.wasNull() ? OptionalLong.empty() : OptionalLong.of(v);
            }
        }
    }

    private static int update(Connection c, String sql, Object... args) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            bind(ps, args);
            return ps.executeUpdate();
        }
    }

    private static void bind(PreparedStatement ps, Object... args) throws SQLException {
        for (int i = 0; i < args.length; i++) {
            if (args[i] instanceof String s) ps.setString(i + 1, s);
            else if (args[i] instanceof Integer n) ps.setInt(i + 1, n);
            else ps.setLong(i + 1, (Long) args[i]);
        }
    }

    /** {@code {"system":{...},"application":{...}}}, each in its order. */
    static String properties(Map<String, String> system, Map<String, String> application) {
        StringWriter w = new StringWriter(128);
        try (JsonGenerator g = JSON.createGenerator(w)) {
            g.writeStartObject();
            writeMap(g, "system", system);
            writeMap(g, "application", application);
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return w.toString();
    }

    private static void writeMap(JsonGenerator g, String name, Map<String, String> map) throws IOException {
        g.writeObjectFieldStart(name);
        for (Map.Entry<String, String> e : map.entrySet()) g.writeStringField(e.getKey(), e.getValue());
        g.writeEndObject();
    }

    static void readProperties(String text, Map<String, String> system, Map<String, String> application) {
        try (JsonParser p = JSON.createParser(text)) {
            p.nextToken();
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                Map<String, String> into = "system".equals(p.currentName()) ? system : application;
                p.nextToken();
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String key = p.currentName();
                    p.nextToken();
                    into.put(key, p.getText());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("a stored message's properties are not JSON; this indicates a bug", e);
        }
    }
}

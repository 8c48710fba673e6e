package dev.iolite.server.jdbc.messages;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.iolite.server.errors.ErrorCode;
import dev.iolite.server.errors.IoliteException;
import dev.iolite.server.jdbc.Database;
import dev.iolite.server.messages.CloudMessage;
import dev.iolite.server.messages.CloudQueueStore;
import dev.iolite.server.messages.FeedbackRecord;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** {@link CloudQueueStore} in portable SQL: one row per queued message, one per feedback record. */
public final class JdbcCloudQueueStore implements CloudQueueStore {
    private static final JsonFactory JSON = new JsonFactory();
    private static final String COLUMNS = "id, hub, device_id, module_id, enqueued_ms, expiry_ms, ack, properties, body";
    /** A message without its body: what removal hands back for feedback. */
    private static final String HEADERS = "id, hub, device_id, module_id, enqueued_ms, expiry_ms, ack, properties, NULL AS body";
    /** Ids per DELETE statement. */
    private static final int IDS_PER_STATEMENT = 200;

    private final Database db;

    public JdbcCloudQueueStore(Database db) {
        this.db = db;
    }

    @Override
    public long[] enqueueAll(List<CloudMessage> batch, int maxDepth) {
        return db.inTransaction(c -> {
            try {
                long[] ids = new long[batch.size()];
                Map<String, Long> depth = depths(c, batch);
                List<Integer> accepted = new ArrayList<>(batch.size());
                for (int i = 0; i < batch.size(); i++) {
                    String key = key(batch.get(i));
                    long n = depth.getOrDefault(key, 0L);
                    if (n >= maxDepth) {
                        ids[i] = -1;
                        continue;
                    }
                    depth.put(key, n + 1);
                    accepted.add(i);
                }
                insert(c, batch, accepted, ids);
                return ids;
            } catch (SQLException e) {
                if (db.dialect().isMissingParent(e)) throw new IoliteException(ErrorCode.HUB_NOT_FOUND, "a hub of the batch does not exist");
                throw e;
            }
        });
    }

    private static String key(CloudMessage m) {
        return m.hub().toLowerCase(java.util.Locale.ROOT) + '\n' + m.deviceId() + '\n' + module(m.moduleId());
    }

    /** How many messages wait in the queues of the batch's identities: one query per hub and {@link #IDS_PER_STATEMENT} devices. */
    private static Map<String, Long> depths(Connection c, List<CloudMessage> batch) throws SQLException {
        Map<String, java.util.Set<String>> devicesByHub = new LinkedHashMap<>();
        for (CloudMessage m : batch) devicesByHub.computeIfAbsent(m.hub(), h -> new java.util.LinkedHashSet<>()).add(m.deviceId());
        Map<String, Long> depth = new java.util.HashMap<>();
        for (Map.Entry<String, java.util.Set<String>> e : devicesByHub.entrySet()) {
            List<String> devices = new ArrayList<>(e.getValue());
            for (int from = 0; from < devices.size(); from += IDS_PER_STATEMENT) {
                List<String> part = devices.subList(from, Math.min(devices.size(), from + IDS_PER_STATEMENT));
                try (PreparedStatement ps = c.prepareStatement("SELECT hub, device_id, module_id, count(*) FROM c2d_messages WHERE hub = ? "
                        + "AND device_id IN (?" + ",?".repeat(part.size() - 1) + ") GROUP BY hub, device_id, module_id")) {
                    ps.setString(1, e.getKey());
                    for (int i = 0; i < part.size(); i++) ps.setString(i + 2, part.get(i));
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            depth.put(rs.getString(1).toLowerCase(java.util.Locale.ROOT) + '\n' + rs.getString(2) + '\n' + rs.getString(3),
                                    rs.getLong(4));
                        }
                    }
                }
            }
        }
        return depth;
    }

    private static final String INSERT = "INSERT INTO c2d_messages (hub, device_id, module_id, enqueued_ms, expiry_ms, ack, properties, body) "
            + "VALUES (?, ?, ?, ?, ?, ?, ?, ?)";

    /** Inserts the accepted messages in order and sets their ids: one batch where the driver returns its keys, else row by row. */
    private void insert(Connection c, List<CloudMessage> batch, List<Integer> accepted, long[] ids) throws SQLException {
        if (accepted.isEmpty()) return;
        if (db.dialect().batchesGeneratedKeys()) {
            try (PreparedStatement ps = c.prepareStatement(INSERT, new String[] {"id"})) {
                for (int i : accepted) {
                    bind(ps, batch.get(i));
                    ps.addBatch();
                }
                ps.executeBatch();
                try (ResultSet keys = ps.getGeneratedKeys()) {
                    for (int i : accepted) {
                        if (!keys.next()) throw new SQLException("the driver returned fewer keys than rows inserted");
                        ids[i] = keys.getLong(1);
                    }
                }
            }
            return;
        }
        try (PreparedStatement ps = c.prepareStatement(INSERT + " RETURNING id")) {
            for (int i : accepted) {
                bind(ps, batch.get(i));
                try (ResultSet keys = ps.executeQuery()) {
                    keys.next();
                    ids[i] = keys.getLong(1);
                }
            }
        }
    }

    private static void bind(PreparedStatement ps, CloudMessage m) throws SQLException {
        ps.setString(1, m.hub());
        ps.setString(2, m.deviceId());
        ps.setString(3, module(m.moduleId()));
        ps.setLong(4, m.enqueued().toEpochMilli());
        ps.setLong(5, m.expiry().toEpochMilli());
        ps.setString(6, m.ack().wire());
        ps.setString(7, JdbcMessageStore.properties(m.system(), m.application()));
        ps.setBytes(8, m.body());
    }

    @Override
    public List<CloudMessage> pending(String hub, String deviceId, String moduleId, long after, Instant now, int limit) {
        return db.read(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS + " FROM c2d_messages WHERE hub = ? AND device_id = ? "
                    + "AND module_id = ? AND id > ? AND expiry_ms > ? ORDER BY id LIMIT ?")) {
                ps.setString(1, hub);
                ps.setString(2, deviceId);
                ps.setString(3, module(moduleId));
                ps.setLong(4, after);
                ps.setLong(5, now.toEpochMilli());
                ps.setInt(6, limit);
                return messages(ps);
            }
        });
    }

    @Override
    public int complete(String hub, List<Long> ids, Map<Long, FeedbackRecord> feedback) {
        if (ids.isEmpty()) return 0;
        return db.inTransaction(c -> {
            List<FeedbackRecord> records = new ArrayList<>();
            int removed = 0;
            for (int from = 0; from < ids.size(); from += IDS_PER_STATEMENT) {
                List<Long> part = ids.subList(from, Math.min(ids.size(), from + IDS_PER_STATEMENT));
                try (PreparedStatement ps = c.prepareStatement("DELETE FROM c2d_messages WHERE hub = ? AND id IN (?"
                        + ",?".repeat(part.size() - 1) + ") RETURNING id")) {
                    ps.setString(1, hub);
                    for (int i = 0; i < part.size(); i++) ps.setLong(i + 2, part.get(i));
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            removed++;
                            FeedbackRecord f = feedback.get(rs.getLong(1));
                            if (f != null) records.add(f);
                        }
                    }
                }
            }
            insertFeedback(c, records);
            return removed;
        });
    }

    @Override
    public List<CloudMessage> expire(Instant now, int limit) {
        return db.inTransaction(c -> {
            List<CloudMessage> rows;
            try (PreparedStatement ps = c.prepareStatement("SELECT " + HEADERS + " FROM c2d_messages WHERE expiry_ms <= ? ORDER BY expiry_ms LIMIT ?")) {
                ps.setLong(1, now.toEpochMilli());
                ps.setInt(2, limit);
                rows = messages(ps);
            }
            delete(c, rows);
            return rows;
        });
    }

    @Override
    public List<CloudMessage> purge(String hub, String deviceId, String moduleId) {
        return db.inTransaction(c -> {
            List<CloudMessage> rows;
            try (PreparedStatement ps = c.prepareStatement("SELECT " + HEADERS + " FROM c2d_messages WHERE hub = ? AND device_id = ? "
                    + "AND module_id = ? ORDER BY id")) {
                ps.setString(1, hub);
                ps.setString(2, deviceId);
                ps.setString(3, module(moduleId));
                rows = messages(ps);
            }
            delete(c, rows);
            return rows;
        });
    }

    @Override
    public void addFeedback(List<FeedbackRecord> records) {
        if (records.isEmpty()) return;
        db.inTransaction(c -> {
            try {
                insertFeedback(c, records);
            } catch (SQLException e) {
                // a hub deleted meanwhile takes its feedback with it
                if (!db.dialect().isMissingParent(e)) throw e;
            }
            return null;
        });
    }

    private void insertFeedback(Connection c, List<FeedbackRecord> records) throws SQLException {
        if (records.isEmpty()) return;
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO c2d_feedback (hub, device_id, enqueued_ms, record) VALUES (?, ?, ?, ?)")) {
            for (FeedbackRecord f : records) {
                ps.setString(1, f.hub());
                ps.setString(2, f.deviceId());
                ps.setLong(3, f.enqueued().toEpochMilli());
                ps.setString(4, writeRecord(f));
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    @Override
    public List<FeedbackRecord> feedback(String hub, long after, int limit) {
        return db.read(c -> {
            List<FeedbackRecord> out = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT id, hub, record FROM c2d_feedback WHERE hub = ? AND id > ? ORDER BY id LIMIT ?")) {
                ps.setString(1, hub);
                ps.setLong(2, after);
                ps.setInt(3, limit);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) out.add(readRecord(rs.getLong(1), rs.getString(2), rs.getString(3)));
                }
            }
            return out;
        });
    }

    @Override
    public void removeFeedback(String hub, List<Long> ids) {
        if (ids.isEmpty()) return;
        db.inTransaction(c -> {
            for (int from = 0; from < ids.size(); from += IDS_PER_STATEMENT) {
                List<Long> part = ids.subList(from, Math.min(ids.size(), from + IDS_PER_STATEMENT));
                try (PreparedStatement ps = c.prepareStatement("DELETE FROM c2d_feedback WHERE hub = ? AND id IN (?" + ",?".repeat(part.size() - 1) + ")")) {
                    ps.setString(1, hub);
                    for (int i = 0; i < part.size(); i++) ps.setLong(i + 2, part.get(i));
                    ps.executeUpdate();
                }
            }
            return null;
        });
    }

    @Override
    public long queued() {
        return db.read(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM c2d_messages"); ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        });
    }

    @Override
    public int expireFeedback(Instant cutoff) {
        return db.inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM c2d_feedback WHERE enqueued_ms < ?")) {
                ps.setLong(1, cutoff.toEpochMilli());
                return ps.executeUpdate();
            }
        });
    }

    private static int delete(Connection c, List<CloudMessage> rows) throws SQLException {
        if (rows.isEmpty()) return 0;
        int n = 0;
        for (int from = 0; from < rows.size(); from += IDS_PER_STATEMENT) {
            List<CloudMessage> part = rows.subList(from, Math.min(rows.size(), from + IDS_PER_STATEMENT));
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM c2d_messages WHERE id IN (?" + ",?".repeat(part.size() - 1) + ")")) {
                for (int i = 0; i < part.size(); i++) ps.setLong(i + 1, part.get(i).id());
                n += ps.executeUpdate();
            }
        }
        return n;
    }

    private static List<CloudMessage> messages(PreparedStatement ps) throws SQLException {
        List<CloudMessage> out = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                Map<String, String> system = new LinkedHashMap<>();
                Map<String, String> application = new LinkedHashMap<>();
                JdbcMessageStore.readProperties(rs.getString("properties"), system, application);
                String module = rs.getString("module_id");
                out.add(new CloudMessage(rs.getLong("id"), rs.getString("hub"), rs.getString("device_id"),
                        module == null || module.isEmpty() ? null : module, Instant.ofEpochMilli(rs.getLong("enqueued_ms")),
                        Instant.ofEpochMilli(rs.getLong("expiry_ms")), CloudMessage.Ack.parse(rs.getString("ack")),
                        system, application, body(rs.getBytes("body"))));
            }
        }
        return out;
    }

    private static byte[] body(byte[] b) { return b == null ? new byte[0] : b; }

    private static String module(String moduleId) { return moduleId == null ? "" : moduleId; }

    /** A feedback record as IoT Hub writes it, so that a batch of them is the body's array as it stands. */
    static String writeRecord(FeedbackRecord f) {
        StringWriter w = new StringWriter(256);
        try (JsonGenerator g = JSON.createGenerator(w)) {
            g.writeStartObject();
            g.writeStringField("originalMessageId", f.originalMessageId());
            g.writeStringField("enqueuedTimeUtc", f.enqueued().toString());
            g.writeStringField("statusCode", f.status().wire());
            g.writeStringField("description", f.description());
            g.writeStringField("deviceId", f.deviceId());
            g.writeStringField("deviceGenerationId", f.deviceGenerationId());
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return w.toString();
    }

    private static FeedbackRecord readRecord(long id, String hub, String text) {
        Map<String, String> f = new LinkedHashMap<>();
        try (JsonParser p = JSON.createParser(text)) {
            p.nextToken();
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String key = p.currentName();
                p.nextToken();
                f.put(key, p.currentToken() == JsonToken.VALUE_NULL ? null : p.getText());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("a stored feedback record is not JSON; this indicates a bug", e);
        }
        FeedbackRecord.Status status = FeedbackRecord.Status.SUCCESS;
        for (FeedbackRecord.Status s : FeedbackRecord.Status.values()) if (s.wire().equals(f.get("statusCode"))) status = s;
        return new FeedbackRecord(id, hub, f.get("originalMessageId"), Instant.parse(f.get("enqueuedTimeUtc")), status,
                f.get("description"), f.get("deviceId"), f.getOrDefault("deviceGenerationId", ""));
    }
}

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
import java.util.function.Function;

/** {@link CloudQueueStore} in portable SQL: one row per queued message, one per feedback record. */
public final class JdbcCloudQueueStore implements CloudQueueStore {
    private static final JsonFactory JSON = new JsonFactory();
    private static final String COLUMNS = "id, hub, device_id, module_id, enqueued_ms, expiry_ms, ack, properties, body";
    /** Ids per DELETE statement. */
    private static final int IDS_PER_STATEMENT = 200;

    private final Database db;

    public JdbcCloudQueueStore(Database db) {
        this.db = db;
    }

    @Override
    public long enqueue(CloudMessage m, int maxDepth) {
        return db.inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT count(*) FROM c2d_messages WHERE hub = ? AND device_id = ? AND module_id = ?")) {
                ps.setString(1, m.hub());
                ps.setString(2, m.deviceId());
                ps.setString(3, module(m.moduleId()));
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    if (rs.getLong(1) >= maxDepth) return -1L;
                }
            }
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO c2d_messages (hub, device_id, module_id, enqueued_ms, "
                    + "expiry_ms, ack, properties, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", new String[] {"id"})) {
                ps.setString(1, m.hub());
                ps.setString(2, m.deviceId());
                ps.setString(3, module(m.moduleId()));
                ps.setLong(4, m.enqueued().toEpochMilli());
                ps.setLong(5, m.expiry().toEpochMilli());
                ps.setString(6, m.ack().wire());
                ps.setString(7, JdbcMessageStore.properties(m.system(), m.application()));
                ps.setBytes(8, m.body());
                ps.executeUpdate();
                try (ResultSet keys = ps.getGeneratedKeys()) {
                    keys.next();
                    return keys.getLong(1);
                }
            } catch (SQLException e) {
                if (db.dialect().isMissingParent(e)) throw new IoliteException(ErrorCode.HUB_NOT_FOUND, "hub '" + m.hub() + "' does not exist");
                throw e;
            }
        });
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
    public int remove(String hub, List<Long> ids, Function<CloudMessage, FeedbackRecord> feedback) {
        if (ids.isEmpty()) return 0;
        return db.inTransaction(c -> {
            int n = 0;
            for (int from = 0; from < ids.size(); from += IDS_PER_STATEMENT) {
                List<Long> part = ids.subList(from, Math.min(ids.size(), from + IDS_PER_STATEMENT));
                String in = "?" + ",?".repeat(part.size() - 1);
                List<CloudMessage> rows;
                try (PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS + " FROM c2d_messages WHERE hub = ? AND id IN (" + in + ")")) {
                    ps.setString(1, hub);
                    for (int i = 0; i < part.size(); i++) ps.setLong(i + 2, part.get(i));
                    rows = messages(ps);
                }
                n += delete(c, rows);
                record(c, rows, feedback);
            }
            return n;
        });
    }

    @Override
    public int expire(Instant now, int limit, Function<CloudMessage, FeedbackRecord> feedback) {
        return db.inTransaction(c -> {
            List<CloudMessage> rows;
            try (PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS + " FROM c2d_messages WHERE expiry_ms <= ? ORDER BY expiry_ms LIMIT ?")) {
                ps.setLong(1, now.toEpochMilli());
                ps.setInt(2, limit);
                rows = messages(ps);
            }
            int n = delete(c, rows);
            record(c, rows, feedback);
            return n;
        });
    }

    @Override
    public int purge(String hub, String deviceId, String moduleId, Function<CloudMessage, FeedbackRecord> feedback) {
        return db.inTransaction(c -> {
            List<CloudMessage> rows;
            try (PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS + " FROM c2d_messages WHERE hub = ? AND device_id = ? "
                    + "AND module_id = ? ORDER BY id")) {
                ps.setString(1, hub);
                ps.setString(2, deviceId);
                ps.setString(3, module(moduleId));
                rows = messages(ps);
            }
            int n = delete(c, rows);
            record(c, rows, feedback);
            return n;
        });
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

    private static void record(Connection c, List<CloudMessage> rows, Function<CloudMessage, FeedbackRecord> feedback) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO c2d_feedback (hub, device_id, enqueued_ms, record) VALUES (?, ?, ?, ?)")) {
            int batched = 0;
            for (CloudMessage m : rows) {
                FeedbackRecord f = feedback.apply(m);
                if (f == null) continue;
                ps.setString(1, m.hub());
                ps.setString(2, m.deviceId());
                ps.setLong(3, f.enqueued().toEpochMilli());
                ps.setString(4, writeRecord(f));
                ps.addBatch();
                batched++;
            }
            if (batched > 0) ps.executeBatch();
        }
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
                        system, application, rs.getBytes("body")));
            }
        }
        return out;
    }

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

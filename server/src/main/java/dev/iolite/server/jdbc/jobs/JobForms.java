package dev.iolite.server.jdbc.jobs;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iolite.server.blob.StorageAuth;
import dev.iolite.server.errors.LogText;
import dev.iolite.server.jobs.Checkpoint;
import dev.iolite.server.jobs.JobKind;
import dev.iolite.server.jobs.Schedule;
import dev.iolite.server.jobs.JobRequest;

import java.util.ArrayList;
import java.time.Instant;
import java.util.List;
import java.util.Locale;

/**
 * The stored forms of a job's request and checkpoint: JSON with a {@code version} and named
 * properties, written and read here field by field, so that renaming a Java field or type never makes
 * a stored job unreadable. A change of form adds a version and keeps reading the ones before.
 *
 * <ul>
 * <li>Form 0 (no {@code version}): what versions before 0.1 stored, Jackson's reflection of the Java
 * records. Requests: {@code type} {@code IMPORT}/{@code EXPORT}, the blob fields, {@code excludeKeys},
 * {@code storageAuth} {@code KEY_BASED}/{@code IDENTITY_BASED}, {@code identity}. Checkpoints: every
 * field of both kinds in one object, blocks listed ({@code errorBlocks}, {@code outputBlocks}) or, later,
 * counted ({@code errorLogBlocks}, {@code exportBlocks}).</li>
 * <li>Form 1: requests {@code {"version":1,"type":"import"|"export","inputContainerUri","inputBlobName",
 * "outputContainerUri","outputBlobName","excludeKeys","storageAuthentication":"keyBased"|"identityBased",
 * "identity"}}; checkpoints {@code {"version":1,"kind":"import","offset","lineNumber","errorLogBlocks",
 * "legacyErrorBlocks","total"}} or {@code {"version":1,"kind":"export","afterDeviceId","afterModuleId",
 * "blocks","total"}}.</li>
 * <li>Form 2: a request of form 1 with {@code "filter"}, the condition an export selects its devices by.
 * Requests without a filter are still written in form 1, so that nodes of the version before read them;
 * one with a filter is refused by those nodes (it names a form they do not know) rather than exported
 * whole.</li>
 * <li>Form 3: a scheduled job's request {@code {"version":3,"type":"schedule_update_twin"|"schedule_device_method",
 * "filter","requestId","start","maxExecutionSeconds","tags","desired","method":{"name","payload","responseTimeout",
 * "connectTimeout"}}} (times in epoch milliseconds, patches and payload as JSON text); its checkpoint
 * {@code {"version":1,"kind":"schedule_...","afterDeviceId","total"}}.</li>
 * <li>Form 4: a request of form 2 with {@code "configurationsBlobName"}, the blob of the hub's configurations that
 * the job includes. Requests without it are written in form 1 or 2 as before, so that nodes of the versions before
 * read them; one that includes configurations is refused by those nodes rather than run without them. An import's
 * checkpoint may then hold {@code "configurationsApplied":true} (absent: false).</li>
 * </ul>
 */
final class JobForms {
    static final int VERSION = 4;

    private final ObjectMapper json;

    JobForms(ObjectMapper json) {
        this.json = json;
    }

    /** A stored form that this version cannot read; the message says what is wrong. */
    static final class UnreadableFormException extends Exception {
        UnreadableFormException(String message) {
            super(message);
        }
    }

    String request(JobRequest r) {
        if (r.schedule() != null) return scheduled(r);
        ObjectNode n = json.createObjectNode();
        n.put("version", r.configurationsBlobName() != null ? 4 : r.filter() == null ? 1 : 2);
        n.put("type", r.type().name().toLowerCase(Locale.ROOT));
        n.put("inputContainerUri", r.inputContainerUri());
        n.put("inputBlobName", r.inputBlobName());
        n.put("outputContainerUri", r.outputContainerUri());
        n.put("outputBlobName", r.outputBlobName());
        n.put("excludeKeys", r.excludeKeys());
        n.put("storageAuthentication", r.storageAuth() == null ? null : r.storageAuth().wireName());
        n.put("identity", r.identity());
        if (r.filter() != null) n.put("filter", r.filter());
        if (r.configurationsBlobName() != null) n.put("configurationsBlobName", r.configurationsBlobName());
        if (r.requestId() != null) n.put("requestId", r.requestId());  // optional in forms 1 and 2: older readers skip it
        return text(n);
    }

    private String scheduled(JobRequest r) {
        Schedule s = r.schedule();
        ObjectNode n = json.createObjectNode();
        n.put("version", 3);
        n.put("type", r.type().name().toLowerCase(Locale.ROOT));
        n.put("filter", r.filter());
        if (r.requestId() != null) n.put("requestId", r.requestId());
        n.put("start", s.start().toEpochMilli());
        n.put("maxExecutionSeconds", s.maxExecutionSeconds());
        if (s.tags() != null) n.put("tags", s.tags());
        if (s.desired() != null) n.put("desired", s.desired());
        if (s.method() != null) {
            ObjectNode m = n.putObject("method");
            m.put("name", s.method().name());
            m.put("payload", s.method().payload());
            m.put("responseTimeout", s.method().responseTimeoutSeconds());
            m.put("connectTimeout", s.method().connectTimeoutSeconds());
        }
        return text(n);
    }

    JobRequest request(String text) throws UnreadableFormException {
        JsonNode n = parse(text, "request");
        int version = version(n, "request");
        JobKind type = kind(n.path("type").asText(null), "request's type");
        if (version == 3) {
            JsonNode m = n.get("method");
            Schedule.Method method = m == null || m.isNull() ? null : new Schedule.Method(string(m, "name"),
                    string(m, "payload"), m.path("responseTimeout").asInt(), m.path("connectTimeout").asInt());
            return JobRequest.scheduled(type, string(n, "filter"), new Schedule(Instant.ofEpochMilli(n.path("start").asLong()),
                    n.path("maxExecutionSeconds").asLong(), string(n, "tags"), string(n, "desired"), method))
                    .withRequestId(string(n, "requestId"));
        }
        StorageAuth auth;
        String authText = version == 0 ? n.path("storageAuth").asText(null) : n.path("storageAuthentication").asText(null);
        if (authText == null) {
            auth = StorageAuth.KEY_BASED;
        } else if (version == 0) {
            auth = switch (authText) {
                case "KEY_BASED" -> StorageAuth.KEY_BASED;
                case "IDENTITY_BASED" -> StorageAuth.IDENTITY_BASED;
                default -> throw new UnreadableFormException("its request's storageAuth is '" + LogText.escape(authText) + "'");
            };
        } else {
            auth = switch (authText) {
                case "keyBased" -> StorageAuth.KEY_BASED;
                case "identityBased" -> StorageAuth.IDENTITY_BASED;
                default -> throw new UnreadableFormException("its request's storageAuthentication is '"
                        + LogText.escape(authText) + "'");
            };
        }
        return new JobRequest(type, string(n, "inputContainerUri"), string(n, "inputBlobName"),
                string(n, "outputContainerUri"), string(n, "outputBlobName"), n.path("excludeKeys").asBoolean(false),
                auth, string(n, "identity"), version >= 2 ? string(n, "filter") : null, string(n, "requestId"))
                .withConfigurations(version >= 4 && string(n, "configurationsBlobName") != null,
                        string(n, "configurationsBlobName"));
    }

    String checkpoint(Checkpoint c) {
        ObjectNode n = json.createObjectNode();
        n.put("version", 1);
        if (c instanceof Checkpoint.Import i) {
            n.put("kind", "import");
            n.put("offset", i.offset());
            n.put("lineNumber", i.lineNumber());
            n.put("errorLogBlocks", i.errorLogBlocks());
            if (i.configurationsApplied()) n.put("configurationsApplied", true);
            if (!i.legacyErrorBlocks().isEmpty()) {
                ArrayNode ids = n.putArray("legacyErrorBlocks");
                i.legacyErrorBlocks().forEach(ids::add);
            }
        } else if (c instanceof Checkpoint.Export e) {
            n.put("kind", "export");
            n.put("afterDeviceId", e.afterDeviceId());
            n.put("afterModuleId", e.afterModuleId());
            n.put("blocks", e.blocks());
        } else if (c instanceof Checkpoint.Scheduled s) {
            n.put("kind", "scheduled");
            n.put("afterDeviceId", s.afterDeviceId());
        }
        n.put("total", c.total());
        return text(n);
    }

    /** Reads a checkpoint of a job of the given kind (form 0 held both kinds' fields in one object). */
    Checkpoint checkpoint(String text, JobKind jobKind) throws UnreadableFormException {
        JsonNode n = parse(text, "checkpoint");
        int version = version(n, "checkpoint");
        if (jobKind.isScheduled()) {
            if (!"scheduled".equals(n.path("kind").asText())) {
                throw new UnreadableFormException("its checkpoint is an " + n.path("kind").asText() + " checkpoint, of another kind of job");
            }
            return new Checkpoint.Scheduled(string(n, "afterDeviceId"), n.path("total").asLong(0));
        }
        JobKind kind = version == 0 ? jobKind : kind(n.path("kind").asText(null), "checkpoint's kind");
        if (kind != jobKind) {
            throw new UnreadableFormException("its checkpoint is an " + n.path("kind").asText() + " checkpoint, of another kind of job");
        }
        long total = n.path("total").asLong(0);
        if (kind == JobKind.IMPORT) {
            List<String> legacy = strings(n, version == 0 ? "errorBlocks" : "legacyErrorBlocks");
            return new Checkpoint.Import(n.path("offset").asLong(0), n.path("lineNumber").asLong(0), legacy,
                    n.path("errorLogBlocks").asLong(0), total, n.path("configurationsApplied").asBoolean(false));
        }
        long blocks;
        if (version > 0) {
            blocks = n.path("blocks").asLong(0);
        } else if (n.has("exportBlocks")) {
            blocks = n.path("exportBlocks").asLong(0);
        } else {
            // the earliest exports listed their blocks as exp-0, exp-1, ...: the count names the same ids
            blocks = n.path("outputBlocks").size();
        }
        return new Checkpoint.Export(string(n, "afterDeviceId"), string(n, "afterModuleId"), blocks, total);
    }

    private JsonNode parse(String text, String what) throws UnreadableFormException {
        try {
            JsonNode n = json.readTree(text);
            if (n == null || !n.isObject()) throw new UnreadableFormException("its " + what + " is not a JSON object");
            return n;
        } catch (JsonProcessingException e) {
            throw new UnreadableFormException("its " + what + " does not parse: " + LogText.escape(e.getOriginalMessage()));
        }
    }

    private static int version(JsonNode n, String what) throws UnreadableFormException {
        JsonNode v = n.get("version");
        if (v == null) return 0;
        if (!v.canConvertToInt() || v.asInt() < 1 || v.asInt() > VERSION) {
            throw new UnreadableFormException("its " + what + " has form " + LogText.escape(v.toString())
                    + ", and this version reads forms up to " + VERSION + " (was it written by a newer version?)");
        }
        return v.asInt();
    }

    private static JobKind kind(String text, String what) throws UnreadableFormException {
        if (text != null) {
            for (JobKind k : JobKind.values()) if (k.name().equalsIgnoreCase(text)) return k;
        }
        throw new UnreadableFormException("its " + what + " is '" + LogText.escape(String.valueOf(text)) + "'");
    }

    private static String string(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }

    private static List<String> strings(JsonNode n, String field) {
        List<String> out = new ArrayList<>();
        for (JsonNode v : n.path(field)) out.add(v.asText());
        return out;
    }

    private String text(ObjectNode n) {
        try {
            return json.writeValueAsString(n);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a JSON tree must serialize; this indicates a bug", e);
        }
    }
}

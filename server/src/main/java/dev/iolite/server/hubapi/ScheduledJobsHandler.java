package dev.iolite.server.hubapi;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iolite.server.devices.MethodCalls;
import dev.iolite.server.errors.ErrorCode;
import dev.iolite.server.errors.IoliteException;
import dev.iolite.server.hubs.Hub;
import dev.iolite.server.jobs.Checkpoint;
import dev.iolite.server.jobs.Job;
import dev.iolite.server.jobs.JobKind;
import dev.iolite.server.jobs.JobPhase;
import dev.iolite.server.jobs.JobRequest;
import dev.iolite.server.jobs.JobService;
import dev.iolite.server.jobs.Schedule;
import dev.iolite.server.json.JsonBodies;
import dev.iolite.server.registry.TwinRules;
import io.javalin.http.Context;

import java.time.Clock;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Scheduled jobs of the hub API (jobs v2, https://learn.microsoft.com/rest/api/iothub/service/jobs): schedule a
 * twin update or a direct method over a condition, get, cancel, and query by type and status. A job's JSON never
 * holds {@code null} for {@code cloudToDeviceMethod} or {@code updateTwin}: the Java service client fails on it,
 * so the key of the other kind is left out.
 */
public final class ScheduledJobsHandler {
    /** IoT Hub's default of {@code maxExecutionTimeInSeconds} (the Node client's). */
    static final long DEFAULT_MAX_EXECUTION_SECONDS = 3600;
    /** Jobs per page of {@code GET /jobs/v2/query}, and the most a caller may ask for. */
    static final int PAGE = 100;
    static final int PAGE_MAX = 1000;

    private final JobService jobs;
    private final MethodsHandler methods;
    private final ObjectMapper json;
    private final Clock clock;

    public ScheduledJobsHandler(JobService jobs, MethodsHandler methods, ObjectMapper json, Clock clock) {
        this.jobs = jobs;
        this.methods = methods;
        this.json = json;
        this.clock = clock;
    }

    void put(Context ctx, Hub hub) {
        String jobId = ctx.pathParam("id");
        ObjectNode b = JsonBodies.requireObject(JsonBodies.parse(json, ctx.body()), "the job");
        String bodyId = JsonBodies.text(b, "jobId", "jobId");
        if (bodyId != null && !bodyId.equals(jobId)) {
            throw bad("'jobId' in the body ('" + bodyId + "') differs from the id in the path ('" + jobId + "')");
        }
        String typeText = JsonBodies.text(b, "type", "type");
        JobKind type = JobKind.find(typeText);
        if (type == null || !type.isScheduled()) {
            throw bad("'type' must be 'scheduleUpdateTwin' or 'scheduleDeviceMethod', not "
                    + (typeText == null ? "missing" : "'" + typeText + "'"));
        }
        String condition = JsonBodies.text(b, "queryCondition", "queryCondition");
        if (condition == null || condition.isBlank()) {
            throw new IoliteException(ErrorCode.ARGUMENT_NULL, "'queryCondition' is required: the condition of the query "
                    + "language (what follows WHERE) that selects the job's devices, such as deviceId IN ['a', 'b']");
        }
        Instant start = startTime(JsonBodies.text(b, "startTime", "startTime"));
        Long max = JsonBodies.integer(b, "maxExecutionTimeInSeconds", "maxExecutionTimeInSeconds");
        if (max != null && max < 0) throw bad("'maxExecutionTimeInSeconds' must be 0 or more, not " + max);
        long maxSeconds = max == null || max == 0 ? DEFAULT_MAX_EXECUTION_SECONDS : max;
        Schedule schedule;
        if (type == JobKind.SCHEDULE_UPDATE_TWIN) {
            ObjectNode twin = JsonBodies.object(b, "updateTwin", "updateTwin");
            if (twin == null) throw new IoliteException(ErrorCode.ARGUMENT_NULL, "'updateTwin' is required for a scheduleUpdateTwin job");
            ObjectNode tags = JsonBodies.object(twin, "tags", "updateTwin.tags");
            ObjectNode properties = JsonBodies.object(twin, "properties", "updateTwin.properties");
            ObjectNode desired = properties == null ? null : JsonBodies.object(properties, "desired", "updateTwin.properties.desired");
            ObjectNode reported = properties == null ? null : JsonBodies.object(properties, "reported", "updateTwin.properties.reported");
            if (reported != null && !reported.isEmpty()) {
                throw bad("'updateTwin.properties.reported' is the device's to write; a job updates tags and desired properties");
            }
            if ((tags == null || tags.isEmpty()) && (desired == null || desired.isEmpty())) {
                throw bad("'updateTwin' changes nothing: give it tags or properties.desired");
            }
            if (tags != null) TwinRules.validateTags(tags);
            if (desired != null) TwinRules.validateDesired(desired);
            schedule = new Schedule(start, maxSeconds, tags == null || tags.isEmpty() ? null : tags.toString(),
                    desired == null || desired.isEmpty() ? null : desired.toString(), null);
        } else {
            ObjectNode method = JsonBodies.object(b, "cloudToDeviceMethod", "cloudToDeviceMethod");
            if (method == null) {
                throw new IoliteException(ErrorCode.ARGUMENT_NULL, "'cloudToDeviceMethod' is required for a scheduleDeviceMethod job");
            }
            MethodCalls.Call call = methods.call(method);
            schedule = new Schedule(start, maxSeconds, null, null, new Schedule.Method(call.methodName(), call.payload(),
                    (int) call.responseTimeout().toSeconds(), (int) call.connectTimeout().toSeconds()));
        }
        Job job = jobs.schedule(hub.name(), jobId, JobRequest.scheduled(type, condition, schedule), dev.iolite.server.http.WebServer.requestId(ctx));
        ctx.json(render(job));
    }

    void get(Context ctx, Hub hub) {
        ctx.json(render(jobs.getScheduled(hub.name(), ctx.pathParam("id"))));
    }

    /** Cancel; Java sends {@code {}}, Node nothing, C# null: the body is not read. */
    void cancel(Context ctx, Hub hub) {
        ctx.json(render(jobs.cancelScheduled(hub.name(), ctx.pathParam("id"))));
    }

    /** The hub's scheduled jobs, newest first, of a type and a status if asked, a page at a time. */
    void query(Context ctx, Hub hub) {
        JobKind type = null;
        String typeText = param(ctx, "jobType");
        if (typeText != null) {
            type = JobKind.find(typeText);
            if (type == null || !type.isScheduled()) throw bad("'jobType' must be scheduleUpdateTwin or scheduleDeviceMethod, not '" + typeText + "'");
        }
        String status = param(ctx, "jobStatus");
        if (status != null) status = status.toLowerCase(Locale.ROOT);
        int size = pageSize(ctx.header("x-ms-max-item-count"));
        int skip = 0;
        String token = ctx.header("x-ms-continuation");
        if (token != null && !token.isBlank()) {
            try {
                skip = Integer.parseInt(token.trim());
            } catch (NumberFormatException e) {
                skip = -1;
            }
            if (skip < 0) throw bad("'x-ms-continuation' is not a continuation this server gave");
        }
        List<Job> matching = new ArrayList<>();
        for (Job j : jobs.list(hub.name(), 0, JobsHandler.LIST_LIMIT)) {
            if (!j.type().isScheduled() || (type != null && j.type() != type)) continue;
            if (status != null && !status.equals(status(j))) continue;
            matching.add(j);
        }
        ArrayNode out = json.createArrayNode();
        for (int i = skip; i < Math.min(matching.size(), skip + size); i++) out.add(render(matching.get(i)));
        if (skip + size < matching.size()) ctx.header("x-ms-continuation", Integer.toString(skip + size));
        ctx.header("x-ms-item-type", "JobResponse");
        ctx.json(out);
    }

    /** A scheduled job as IoT Hub shows it (JobResponse). */
    ObjectNode render(Job j) {
        Schedule s = j.request().schedule();
        ObjectNode n = json.createObjectNode();
        n.put("jobId", JobService.scheduledJobId(j));
        n.put("type", j.type().wireName());
        n.put("status", status(j));
        n.put("queryCondition", j.request().filter());
        n.put("createdTime", time(j.createdAt()));
        n.put("startTime", time(s == null ? j.createdAt() : s.start()));
        if (j.endTime() != null) n.put("endTime", time(j.endTime()));
        if (s != null) {
            n.put("maxExecutionTimeInSeconds", s.maxExecutionSeconds());
            if (s.method() != null) {
                ObjectNode m = n.putObject("cloudToDeviceMethod");
                m.put("methodName", s.method().name());
                m.set("payload", payload(s.method().payload()));
                m.put("responseTimeoutInSeconds", s.method().responseTimeoutSeconds());
                m.put("connectTimeoutInSeconds", s.method().connectTimeoutSeconds());
            } else {
                ObjectNode t = n.putObject("updateTwin");
                t.put("etag", "*");
                t.set("tags", s.tags() == null ? json.createObjectNode() : payload(s.tags()));
                t.putObject("properties").set("desired", s.desired() == null ? json.createObjectNode() : payload(s.desired()));
            }
        }
        if (j.failureReason() != null) n.put("failureReason", j.failureReason());
        if (j.statusMessage() != null) n.put("statusMessage", j.statusMessage());
        long total = j.checkpoint() instanceof Checkpoint.Scheduled c ? Math.max(c.total(), j.counts().processed())
                : j.counts().processed();
        ObjectNode stats = n.putObject("deviceJobStatistics");
        stats.put("deviceCount", total);
        stats.put("failedCount", j.counts().failed());
        stats.put("succeededCount", j.counts().succeeded());
        stats.put("runningCount", 0);
        stats.put("pendingCount", j.status().isFinal() ? 0 : Math.max(0, total - j.counts().processed()));
        return n;
    }

    /** IoT Hub's status of a scheduled job: one waiting for its start is {@code scheduled}, one due {@code queued}. */
    private String status(Job j) {
        if (j.status() == JobPhase.ENQUEUED) {
            Schedule s = j.request().schedule();
            return s != null && s.start().isAfter(clock.instant()) ? "scheduled" : "queued";
        }
        return j.status().wireName();
    }

    private JsonNode payload(String text) {
        if (text == null) return json.nullNode();
        try {
            return json.readTree(text);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            return json.getNodeFactory().textNode(text);
        }
    }

    private Instant startTime(String text) {
        if (text == null || text.isBlank()) return clock.instant();
        try {
            return java.time.OffsetDateTime.parse(text).toInstant();
        } catch (DateTimeParseException e) {
            try {
                return java.time.LocalDateTime.parse(text).toInstant(java.time.ZoneOffset.UTC);
            } catch (DateTimeParseException e2) {
                throw bad("'startTime' must be an ISO 8601 time such as 2026-12-07T10:00:00Z, not '" + text + "'");
            }
        }
    }

    private static String param(Context ctx, String name) {
        for (var e : ctx.queryParamMap().entrySet()) {
            if (e.getKey().equalsIgnoreCase(name) && !e.getValue().isEmpty() && !e.getValue().get(0).isBlank()) {
                return e.getValue().get(0);
            }
        }
        return null;
    }

    private static int pageSize(String header) {
        if (header == null || header.isBlank()) return PAGE;
        try {
            int n = Integer.parseInt(header.trim());
            if (n >= 1 && n <= PAGE_MAX) return n;
        } catch (NumberFormatException e) {
            // reported below
        }
        throw bad("'x-ms-max-item-count' must be an integer from 1 to " + PAGE_MAX + ", not '" + header + "'");
    }

    private static String time(Instant t) {
        return t.truncatedTo(ChronoUnit.MILLIS).toString();
    }

    private static IoliteException bad(String message) {
        return new IoliteException(ErrorCode.ARGUMENT_INVALID, message);
    }
}

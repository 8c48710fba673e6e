package dev.iolite.server.hubapi;

import dev.iolite.server.http.WebServer;
import dev.iolite.server.http.JobUris;
import dev.iolite.server.http.UnsupportedFields;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iolite.server.hubs.Hub;
import dev.iolite.server.jobs.Job;
import dev.iolite.server.jobs.JobRequest;
import dev.iolite.server.jobs.JobService;
import dev.iolite.server.jobs.JobKind;
import dev.iolite.server.blob.BlobField;
import dev.iolite.server.blob.BlobFieldException;
import dev.iolite.server.blob.StorageAuth;
import dev.iolite.server.json.JsonBodies;
import io.javalin.http.Context;

import java.time.temporal.ChronoUnit;

/**
 * Import/export jobs of the hub API (https://learn.microsoft.com/rest/api/iothub/service/jobs): create, list, get,
 * cancel. Times are ISO-8601.
 */
public final class JobsHandler {
    /** GET /jobs returns the hub's recent jobs in one array, as IoT Hub does. */
    static final int LIST_LIMIT = 1000;

    private final JobService jobs;
    private final ObjectMapper json;

    public JobsHandler(JobService jobs, ObjectMapper json) {
        this.jobs = jobs;
        this.json = json;
    }

    void create(Context ctx, Hub hub) {
        ObjectNode b = JsonBodies.requireObject(JsonBodies.parse(json, ctx.body()), "the job");
        JobKind type = JobKind.parse(JsonBodies.text(b, "type", "type"), "type");
        UnsupportedFields.refuseInJobRequest(b);
        ObjectNode identity = JsonBodies.object(b, "identity", "identity");
        Boolean exclude = JsonBodies.bool(b, "excludeKeysInExport", "excludeKeysInExport");
        JobRequest req = new JobRequest(type, JsonBodies.text(b, "inputBlobContainerUri", "inputBlobContainerUri"),
                JsonBodies.text(b, "inputBlobName", "inputBlobName"),
                JsonBodies.text(b, "outputBlobContainerUri", "outputBlobContainerUri"),
                JsonBodies.text(b, "outputBlobName", "outputBlobName"), Boolean.TRUE.equals(exclude),
                StorageAuth.parse(JsonBodies.text(b, "storageAuthenticationType", "storageAuthenticationType"),
                        "storageAuthenticationType"),
                JsonBodies.text(identity, "userAssignedIdentity", "identity.userAssignedIdentity"),
                JsonBodies.text(b, JobService.FILTER_FIELD, JobService.FILTER_FIELD), null)
                .withConfigurations(Boolean.TRUE.equals(JsonBodies.bool(b, "includeConfigurations", "includeConfigurations")),
                        JsonBodies.text(b, "configurationsBlobName", "configurationsBlobName"));
        try {
            ctx.json(job(jobs.create(hub.name(), req, WebServer.requestId(ctx))));
        } catch (BlobFieldException e) {
            throw e.named(JobsHandler::fieldName);
        }
    }

    void list(Context ctx, Hub hub) {
        ArrayNode out = json.createArrayNode();
        // import and export jobs only, as IoT Hub lists them; scheduled jobs have GET /jobs/v2/query
        jobs.list(hub.name(), 0, LIST_LIMIT).stream().filter(j -> !j.type().isScheduled()).forEach(j -> out.add(job(j)));
        ctx.json(out);
    }

    void get(Context ctx, Hub hub) {
        ctx.json(job(jobs.get(hub.name(), ctx.pathParam("id"))));
    }

    /** Cancel; the C# SDK's CancelJobAsync sends If-Match with the job id here, which is ignored. */
    void cancel(Context ctx, Hub hub) {
        ctx.json(job(jobs.cancel(hub.name(), ctx.pathParam("id"))));
    }

    ObjectNode job(Job j) {
        ObjectNode n = json.createObjectNode();
        n.put("jobId", j.id());
        n.put("startTimeUtc", (j.startTime() != null ? j.startTime() : j.createdAt()).truncatedTo(ChronoUnit.MILLIS).toString());
        n.put("endTimeUtc", j.endTime() == null ? null : j.endTime().truncatedTo(ChronoUnit.MILLIS).toString());
        n.put("type", j.type().wireName());
        n.put("status", j.status().wireName());
        n.put("progress", j.progress());
        JobRequest r = j.request();
        JobUris.put(n, r);
        n.put("excludeKeysInExport", r.excludeKeys());
        n.put("storageAuthenticationType", r.storageAuth().wireName());
        if (r.identity() != null) n.putObject("identity").put("userAssignedIdentity", r.identity());
        if (r.configurationsBlobName() != null) {
            n.put("includeConfigurations", true);
            n.put("configurationsBlobName", r.configurationsBlobName());
        }
        n.put("failureReason", j.failureReason());
        n.put("statusMessage", j.statusMessage());
        n.put("retries", j.retries());
        n.putNull("parentJobId");
        JobUris.putCounts(n, j);
        return n;
    }

    /** The service API's names of a job's blob fields (both kinds of job use the same ones). */
    static String fieldName(BlobField f) {
        return switch (f) {
            case INPUT_CONTAINER -> "inputBlobContainerUri";
            case INPUT_BLOB -> "inputBlobName";
            case OUTPUT_CONTAINER -> "outputBlobContainerUri";
            case OUTPUT_BLOB -> "outputBlobName";
            case CONFIGURATIONS_BLOB -> "configurationsBlobName";
        };
    }
}

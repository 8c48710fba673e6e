package dev.iolite.server.arm;

import dev.iolite.server.http.WebServer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iolite.server.http.JobUris;
import dev.iolite.server.http.UnsupportedFields;
import dev.iolite.server.hubs.Hub;
import dev.iolite.server.hubs.HubService;
import dev.iolite.server.jobs.Job;
import dev.iolite.server.jobs.JobRequest;
import dev.iolite.server.jobs.JobService;
import dev.iolite.server.jobs.JobKind;
import dev.iolite.server.blob.BlobField;
import dev.iolite.server.blob.BlobFieldException;
import dev.iolite.server.blob.StorageAuth;
import dev.iolite.server.json.JsonBodies;
import dev.iolite.server.errors.ErrorCode;
import dev.iolite.server.errors.IoliteException;
import io.javalin.http.Context;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;

/**
 * Device operations of the ARM surface (https://learn.microsoft.com/rest/api/iothub/iot-hub-resource): exportDevices
 * and importDevices answer
 * 200 with the job (the Java SDK accepts nothing else), jobs page through an absolute nextLink, and
 * times are RFC 1123 (the Java SDK parses nothing else).
 */
public final class ArmJobsHandler {
    /** Jobs per page of listJobs. */
    static final int PAGE = 20;

    private final HubService hubs;
    private final JobService jobs;
    private final ObjectMapper json;
    private final java.util.function.Supplier<String> publicUrl;

    /**
     * @param publicUrl the base URL clients reach the server by (configured, or the server's own); links
     *                  are built from it, never from the request's Host header, which the caller controls
     */
    public ArmJobsHandler(HubService hubs, JobService jobs, ObjectMapper json, java.util.function.Supplier<String> publicUrl) {
        this.hubs = hubs;
        this.jobs = jobs;
        this.json = json;
        this.publicUrl = publicUrl;
    }

    void exportDevices(Context ctx) {
        Hub hub = hub(ctx);
        ObjectNode b = JsonBodies.requireObject(JsonBodies.parse(json, ctx.body()), "the ExportDevicesRequest");
        UnsupportedFields.refuseInJobRequest(b);
        String container = JsonBodies.text(b, "exportBlobContainerUri", "exportBlobContainerUri");
        if (container == null) throw new IoliteException(ErrorCode.ARGUMENT_NULL, "'exportBlobContainerUri' is required");
        Boolean exclude = JsonBodies.bool(b, "excludeKeys", "excludeKeys");
        JobRequest req = JobRequest.exporting(container,
                JsonBodies.text(b, "exportBlobName", "exportBlobName"), Boolean.TRUE.equals(exclude),
                StorageAuth.parse(JsonBodies.text(b, "authenticationType", "authenticationType"), "authenticationType"),
                identity(b)).withFilter(JsonBodies.text(b, JobService.FILTER_FIELD, JobService.FILTER_FIELD))
                .withConfigurations(includesConfigurations(b), JsonBodies.text(b, "configurationsBlobName", "configurationsBlobName"));
        try {
            ctx.json(job(jobs.create(hub.name(), req, WebServer.requestId(ctx))));
        } catch (BlobFieldException e) {
            // ARM's ExportDevicesRequest names its container and blob export*, not output*
            throw e.named(f -> f == BlobField.OUTPUT_CONTAINER ? "exportBlobContainerUri"
                    : f == BlobField.OUTPUT_BLOB ? "exportBlobName" : importFieldName(f));
        }
    }

    void importDevices(Context ctx) {
        Hub hub = hub(ctx);
        ObjectNode b = JsonBodies.requireObject(JsonBodies.parse(json, ctx.body()), "the ImportDevicesRequest");
        UnsupportedFields.refuseInJobRequest(b);
        String type = JsonBodies.text(b, "type", "type");
        if (type != null && JobKind.parse(type, "type") != JobKind.IMPORT) {
            throw new IoliteException(ErrorCode.ARGUMENT_INVALID, "'type' of an ImportDevicesRequest must be 'import'");
        }
        JobRequest req = JobRequest.importing(JsonBodies.text(b, "inputBlobContainerUri", "inputBlobContainerUri"),
                JsonBodies.text(b, "inputBlobName", "inputBlobName"),
                JsonBodies.text(b, "outputBlobContainerUri", "outputBlobContainerUri"),
                JsonBodies.text(b, "outputBlobName", "outputBlobName"),
                StorageAuth.parse(JsonBodies.text(b, "authenticationType", "authenticationType"), "authenticationType"),
                identity(b)).withConfigurations(includesConfigurations(b),
                JsonBodies.text(b, "configurationsBlobName", "configurationsBlobName"));
        try {
            ctx.json(job(jobs.create(hub.name(), req, WebServer.requestId(ctx))));
        } catch (BlobFieldException e) {
            throw e.named(ArmJobsHandler::importFieldName);
        }
    }

    private static boolean includesConfigurations(ObjectNode b) {
        return Boolean.TRUE.equals(JsonBodies.bool(b, "includeConfigurations", "includeConfigurations"));
    }

    /** ARM's ImportDevicesRequest names of a job's blob fields. */
    private static String importFieldName(BlobField f) {
        return switch (f) {
            case INPUT_CONTAINER -> "inputBlobContainerUri";
            case INPUT_BLOB -> "inputBlobName";
            case OUTPUT_CONTAINER -> "outputBlobContainerUri";
            case OUTPUT_BLOB -> "outputBlobName";
            case CONFIGURATIONS_BLOB -> "configurationsBlobName";
        };
    }

    void listJobs(Context ctx) {
        Hub hub = hub(ctx);
        int skip = 0;
        String token = ctx.queryParam("$skiptoken");
        if (token != null) {
            try {
                skip = Math.max(0, Integer.parseInt(token));
            } catch (NumberFormatException e) {
                throw new IoliteException(ErrorCode.ARGUMENT_INVALID, "'$skiptoken' is not one this server issued");
            }
        }
        List<Job> page = jobs.list(hub.name(), skip, PAGE + 1);
        ObjectNode out = json.createObjectNode();
        ArrayNode value = out.putArray("value");
        page.stream().limit(PAGE).forEach(j -> value.add(job(j)));
        if (page.size() > PAGE) {
            // Absolute, with api-version: clients follow it verbatim. The base is the configured public URL,
            // not the Host header, so a forged Host cannot send the next page's bearer token elsewhere.
            String apiVersion = ctx.queryParam("api-version");
            out.put("nextLink", publicUrl.get() + ctx.path() + "?api-version="
                    + URLEncoder.encode(apiVersion == null ? "" : apiVersion, StandardCharsets.UTF_8)
                    + "&%24skiptoken=" + (skip + PAGE));
        }
        ctx.json(out);
    }

    void getJob(Context ctx) {
        ctx.json(job(jobs.get(hub(ctx).name(), ctx.pathParam("jobid"))));
    }

    private Hub hub(Context ctx) {
        return hubs.get(ctx.pathParam("sub"), ctx.pathParam("rg"), ctx.pathParam("hub"));
    }

    private static String identity(ObjectNode b) {
        return JsonBodies.text(JsonBodies.object(b, "identity", "identity"), "userAssignedIdentity", "identity.userAssignedIdentity");
    }

    ObjectNode job(Job j) {
        ObjectNode n = json.createObjectNode();
        // scheduled jobs too (beyond IoT Hub, whose ARM list shows import and export jobs), by their own ids
        n.put("jobId", JobService.scheduledJobId(j));
        n.put("startTimeUtc", rfc1123(j.startTime() != null ? j.startTime() : j.createdAt()));
        n.put("endTimeUtc", j.endTime() == null ? null : rfc1123(j.endTime()));
        n.put("type", j.type().wireName());
        n.put("status", j.status().wireName());
        n.put("failureReason", j.failureReason());
        n.put("statusMessage", j.statusMessage());
        n.put("retries", j.retries());
        n.putNull("parentJobId");
        n.put("progress", j.progress());
        JobUris.put(n, j.request());
        n.put("excludeKeysInExport", j.request().excludeKeys());
        JobUris.putCounts(n, j);
        return n;
    }

    static String rfc1123(Instant t) {
        return DateTimeFormatter.RFC_1123_DATE_TIME.format(t.atOffset(ZoneOffset.UTC));
    }
}

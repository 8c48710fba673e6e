package dev.iolite.client;

import com.azure.core.http.HttpHeaders;
import com.azure.core.http.HttpMethod;
import com.azure.core.http.rest.PagedIterable;
import com.azure.core.http.rest.PagedResponse;
import com.azure.core.http.rest.PagedResponseBase;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iolite.client.models.DeviceJob;
import dev.iolite.client.models.JobStatus;
import dev.iolite.client.models.JobType;
import dev.iolite.client.models.ScheduledJob;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The scheduled jobs (jobs v2) of one hub, through its service API
 * (https://learn.microsoft.com/rest/api/iothub/service/jobs): twin updates and direct method calls over the devices
 * a condition of the query language selects, from a start time; and each device's result, queried from
 * {@code devices.jobs}. Obtained from {@link DeviceRegistry#scheduledJobs} or {@link IotHubResources#scheduledJobs}.
 * A job id is the caller's: 1 to 64 ASCII letters, digits and '-', unique within the hub.
 */
public final class ScheduledJobs {
    /** IoT Hub's rule for a job id. */
    private static final Pattern JOB_ID = Pattern.compile("[A-Za-z0-9-]{1,64}");
    /** Jobs per page when querying. */
    static final int PAGE_SIZE = 100;
    /** How long a schedule call waits for the service's answer. */
    private static final Duration SCHEDULE_TIMEOUT = Duration.ofSeconds(60);

    private final DeviceRegistry registry;

    ScheduledJobs(DeviceRegistry registry) {
        this.registry = registry;
    }

    /**
     * Schedules a twin update ({@code scheduleUpdateTwin}): from {@code startTime}, the patch is merged into the
     * tags and desired properties of every device the condition selects, as a twin PATCH merges (a member set to
     * null is removed). The call is sent once, never retried, so that a lost answer is not taken for a duplicate.
     *
     * @param jobId            the job's id
     * @param condition        the condition that selects the devices, as after WHERE, such as {@code tags.site = 'north'}
     * @param tags             an object merged into the tags, or null
     * @param desired          an object merged into the desired properties, or null (not both null)
     * @param startTime        when the job starts (null: now)
     * @param maxExecutionTime how long the job may run before it fails (null: the service's default, an hour)
     * @return the job as scheduled
     * @throws IotHubException 400 for a condition that does not compile or a patch that breaks the twin rules,
     *                         409 JobAlreadyExists (409104) for an id in use, 429 when the hub has too many jobs waiting
     */
    public ScheduledJob scheduleTwinUpdate(String jobId, String condition, JsonNode tags, JsonNode desired,
                                           OffsetDateTime startTime, Duration maxExecutionTime) {
        if (tags == null && desired == null) throw new IllegalArgumentException("a twin update needs tags, desired properties or both");
        ObjectNode body = job(jobId, "scheduleUpdateTwin", condition, startTime, maxExecutionTime);
        ObjectNode twin = body.putObject("updateTwin").put("etag", "*");
        if (tags != null) twin.set("tags", tags);
        if (desired != null) twin.putObject("properties").set("desired", desired);
        return put(jobId, body);
    }

    /**
     * Schedules a direct method call ({@code scheduleDeviceMethod}): from {@code startTime}, the method is called on
     * every device the condition selects; a device that is not connected within the connect timeout fails with
     * {@code DeviceNotOnline} in its {@code devices.jobs} row. Sent once, as {@link #scheduleTwinUpdate}.
     *
     * @param jobId            the job's id
     * @param condition        the condition that selects the devices, as after WHERE
     * @param methodName       the method's name
     * @param payload          the request's payload, any JSON value (null: JSON null)
     * @param responseTimeout  how long each device has to answer, 5 to 300 seconds (null: the service's 30)
     * @param connectTimeout   how long to wait for each device to connect, up to 300 seconds (null: it must be connected)
     * @param startTime        when the job starts (null: now)
     * @param maxExecutionTime how long the job may run before it fails (null: the service's default, an hour)
     * @return the job as scheduled
     * @throws IotHubException as {@link #scheduleTwinUpdate}, and 400 for a bad method name or timeout
     */
    public ScheduledJob scheduleDeviceMethod(String jobId, String condition, String methodName, JsonNode payload,
                                             Duration responseTimeout, Duration connectTimeout, OffsetDateTime startTime,
                                             Duration maxExecutionTime) {
        if (methodName == null || methodName.isBlank()) throw new IllegalArgumentException("a method name is required");
        ObjectNode body = job(jobId, "scheduleDeviceMethod", condition, startTime, maxExecutionTime);
        ObjectNode call = body.putObject("cloudToDeviceMethod").put("methodName", methodName);
        call.set("payload", payload == null ? Transport.JSON.nullNode() : payload);
        if (responseTimeout != null) call.put("responseTimeoutInSeconds", responseTimeout.toSeconds());
        call.put("connectTimeoutInSeconds", connectTimeout == null ? 0 : connectTimeout.toSeconds());
        return put(jobId, body);
    }

    /**
     * Reads a scheduled job.
     *
     * @param jobId the job's id
     * @return the job with its status and device counts
     * @throws IotHubException 404 JobNotFound when the hub has no scheduled job of that id
     */
    public ScheduledJob getScheduledJob(String jobId) {
        return read(registry.transport().send(HttpMethod.GET, registry.url(path(jobId)), null, (Map<String, String>) null));
    }

    /**
     * Cancels a scheduled job: one that has not started ends at once, a running one after its batch of devices.
     *
     * @param jobId the job's id
     * @return the job as the service reported it after the request
     * @throws IotHubException 404 JobNotFound when the hub has no scheduled job of that id
     */
    public ScheduledJob cancelScheduledJob(String jobId) {
        return read(registry.transport().send(HttpMethod.POST, registry.url(path(jobId) + "/cancel"),
                Transport.JSON.createObjectNode(), (Map<String, String>) null));
    }

    /**
     * Lists the hub's scheduled jobs, newest first, a page at a time ({@code GET /jobs/v2/query}).
     *
     * @param type   only jobs of this type, or null for both
     * @param status only jobs of this status, or null for all
     * @return the jobs
     */
    public PagedIterable<ScheduledJob> queryScheduledJobs(JobType type, JobStatus status) {
        String url = registry.url("/jobs/v2/query") + (type == null ? "" : "&jobType=" + Transport.encode(type.toString()))
                + (status == null ? "" : "&jobStatus=" + Transport.encode(status.toString()));
        return new PagedIterable<>(() -> page(url, null), next -> page(url, next));
    }

    /**
     * Lists each device's result of a job, in device id order, through the query
     * {@code SELECT * FROM devices.jobs WHERE devices.jobs.jobId = '...'}.
     *
     * @param jobId  the job's id
     * @param status only rows of this status ({@code completed} or {@code failed}), or null for all
     * @return the rows
     */
    public PagedIterable<DeviceJob> queryDeviceJobs(String jobId, JobStatus status) {
        String query = "SELECT * FROM devices.jobs WHERE devices.jobs.jobId = '" + requireId(jobId) + "'";
        if (status != null) {
            if (status.toString().indexOf('\'') >= 0) throw new IllegalArgumentException("no status holds a quote");
            query += " AND devices.jobs.status = '" + status + "'";
        }
        return registry.pages(query, row -> Transport.read(row, DeviceJob.class));
    }

    private ObjectNode job(String jobId, String type, String condition, OffsetDateTime startTime, Duration maxExecutionTime) {
        if (condition == null || condition.isBlank()) throw new IllegalArgumentException("a condition is required");
        ObjectNode body = Transport.JSON.createObjectNode().put("jobId", requireId(jobId)).put("type", type)
                .put("queryCondition", condition);
        OffsetDateTime start = startTime == null ? OffsetDateTime.now(ZoneOffset.UTC) : startTime;
        body.put("startTime", start.withOffsetSameInstant(ZoneOffset.UTC).toString());
        if (maxExecutionTime != null) body.put("maxExecutionTimeInSeconds", maxExecutionTime.toSeconds());
        return body;
    }

    private ScheduledJob put(String jobId, ObjectNode body) {
        return read(registry.transport().sendOnce(HttpMethod.PUT, registry.url(path(jobId)), body, SCHEDULE_TIMEOUT));
    }

    private PagedResponse<ScheduledJob> page(String url, String continuation) {
        Map<String, String> headers = continuation == null
                ? Map.of("x-ms-max-item-count", Integer.toString(PAGE_SIZE))
                : Map.of("x-ms-max-item-count", Integer.toString(PAGE_SIZE), "x-ms-continuation", continuation);
        Transport.Answer answer = registry.transport().exchange(HttpMethod.GET, url, null, headers);
        List<ScheduledJob> items = new ArrayList<>();
        if (answer.body() != null) for (JsonNode n : answer.body()) items.add(read(n));
        String next = answer.headers().getValue("x-ms-continuation");
        return new PagedResponseBase<>(null, 200, new HttpHeaders(), items, next == null || next.isBlank() ? null : next, null);
    }

    private static ScheduledJob read(JsonNode n) {
        if (n == null) throw new IotHubException(0, "InvalidResponse", "the service's answer has no job", null);
        return Transport.read(n, ScheduledJob.class);
    }

    private static String path(String jobId) { return "/jobs/v2/" + Transport.encode(requireId(jobId)); }

    private static String requireId(String jobId) {
        if (jobId == null || !JOB_ID.matcher(jobId).matches()) {
            throw new IllegalArgumentException("a job id is 1 to 64 ASCII letters, digits and '-', not '" + jobId + "'");
        }
        return jobId;
    }
}

package dev.iolite.server.jobs;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iolite.server.errors.ErrorCode;
import dev.iolite.server.errors.IoliteException;
import dev.iolite.server.query.QueryCompiler;
import dev.iolite.server.query.TwinQuery;
import dev.iolite.server.registry.Device;
import dev.iolite.server.registry.DeviceKey;
import dev.iolite.server.registry.Twin;
import dev.iolite.server.registry.TwinDocument;
import dev.iolite.server.registry.TwinRules;
import dev.iolite.server.store.StaleWriteException;
import dev.iolite.server.store.StillWanted;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A scheduled job (jobs v2): a twin update or a direct method call over the devices its condition selects, a batch
 * at a time in device id order. Each batch's twin writes, its rows of {@code devices.jobs} and the checkpoint (the
 * batch's last device) commit in one transaction, so a job resumes after a crash at the batch after the last one
 * committed; a method batch whose commit was lost calls its devices again. Past its start plus
 * {@code maxExecutionTimeInSeconds} the job fails, keeping the rows of the devices it reached.
 */
final class ScheduledJob {
    /**
     * Devices per batch of a twin update: one transaction writes their twins, their rows and the checkpoint. Larger
     * batches spend less per device on each transaction (measured at 1,000, 2,000, 2,500 and 5,000 over 1,000,000
     * devices, BENCHMARKS.md), but hold the store's writers longer and more twins in memory.
     */
    static final int TWIN_BATCH = 2000;
    /** Devices per batch of a direct method call: the calls of a batch run at once. */
    static final int METHOD_BATCH = 1000;

    /** The devices of a batch of a job of {@code kind}. */
    static int batchOf(JobKind kind) {
        return kind == JobKind.SCHEDULE_UPDATE_TWIN ? TWIN_BATCH : METHOD_BATCH;
    }
    private static final int BATCH_ATTEMPTS = 5;

    private final JobRun run;
    private final ObjectMapper json;
    private final MethodInvoker methods;

    ScheduledJob(JobRun run, ObjectMapper json, MethodInvoker methods) {
        this.run = run;
        this.json = json;
        this.methods = methods;
    }

    JobRun.Stop execute() {
        try {
            return run();
        } catch (InterruptedException e) {
            // the node stops: the batch in flight is done again from the checkpoint
            Thread.currentThread().interrupt();
            return JobRun.Stop.NODE_STOPPING;
        }
    }

    private JobRun.Stop run() throws InterruptedException {
        Job job = run.job();
        Schedule schedule = job.request().schedule();
        String hub = job.hub();
        String jobId = JobService.scheduledJobId(job);
        TwinQuery condition = QueryCompiler.compileFilter(job.request().filter());
        JobCounts counts = job.counts();
        long processedAtStart = counts.processed();
        long runStarted = System.nanoTime();
        ObjectNode tags = patch(schedule.tags());
        ObjectNode desired = patch(schedule.desired());
        boolean twin = job.type() == JobKind.SCHEDULE_UPDATE_TWIN;
        int size = batchOf(job.type());
        // the job's part of every row it writes, kept once, before them
        run.jobs().saveDeviceJobHead(hub, jobId, new JobStore.DeviceJobHead(job.type().wireName(),
                time(job.startTime() == null ? run.clock().instant() : job.startTime()), time(job.createdAt())));
        // The next batch is read, and a twin batch's patches merged, while this one is written; the job's total is
        // counted meanwhile, by a thread of its own, and its checkpoints say 0 (not known yet) until it is known.
        // Both threads are this run's, and end with it.
        java.util.concurrent.ExecutorService reader = java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "iolite-job-reader");
            t.setDaemon(true);
            return t;
        });
        java.util.concurrent.ExecutorService counter = java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "iolite-job-count");
            t.setDaemon(true);
            return t;
        });
        Checkpoint.Scheduled cp = job.checkpoint() instanceof Checkpoint.Scheduled c ? c : new Checkpoint.Scheduled(null, 0);
        java.util.concurrent.Future<Long> total = cp.total() > 0 ? CompletableFuture.completedFuture(cp.total())
                : counter.submit(() -> count(hub, condition));
        try {
            String first = cp.afterDeviceId();
            java.util.concurrent.Future<Batch> nextBatch = reader.submit(() -> prepare(read(hub, condition, first, size),
                    twin, tags, desired));
            while (true) {
                JobRun.Stop stop = run.stopRequested();
                if (stop != JobRun.Stop.NONE) return stop;
                if (run.clock().instant().isAfter(schedule.deadline())) {
                    throw new JobFailure("the job ran past its maxExecutionTimeInSeconds (" + schedule.maxExecutionSeconds()
                            + " s) after " + counts.processed() + (cp.total() > 0 ? " of " + cp.total() : "") + " devices");
                }
                Batch batch = take(nextBatch);
                List<Device> page = batch.page();
                if (page.isEmpty()) break;
                String last = page.get(page.size() - 1).deviceId();
                nextBatch = page.size() < size ? CompletableFuture.completedFuture(Batch.NONE)
                        : reader.submit(() -> prepare(read(hub, condition, last, size), twin, tags, desired));
                Checkpoint.Scheduled next = new Checkpoint.Scheduled(last, total.isDone() ? take(total) : cp.total());
                long[] outcome;
                if (twin) {
                    outcome = updateTwins(hub, jobId, batch, tags, desired, counts, next, processedAtStart, runStarted);
                } else {
                    outcome = callMethods(hub, jobId, page, schedule.method(), counts, next, processedAtStart, runStarted);
                }
                counts = counts.plus(outcome[0], outcome[1]);
                cp = next;
                if (page.size() < size) break;
            }
            cp = new Checkpoint.Scheduled(cp.afterDeviceId(), take(total));
        } finally {
            reader.shutdownNow();
            counter.shutdownNow();
        }
        run.jobs().finish(job.id(), run.owner(), JobPhase.COMPLETED, null, run.clock().instant(),
                new JobProgress(job.id(), run.owner(), counts, 100, ImportJob.rate(counts.processed() - processedAtStart,
                        runStarted), cp));
        return JobRun.Stop.NONE;
    }

    private List<Device> read(String hub, TwinQuery condition, String after, int size) {
        List<Device> page = new ArrayList<>(size);
        run.registry().queryTwins(hub, condition, after == null ? null : new DeviceKey(after, null), size,
                StillWanted.ALWAYS, page::add);
        return page;
    }

    private static <T> T take(java.util.concurrent.Future<T> result) throws InterruptedException {
        try {
            return result.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) throw r;
            if (e.getCause() instanceof Error err) throw err;
            throw new IllegalStateException(e.getCause());
        }
    }

    /** The devices the condition selects now (the job's total; devices added later may still be reached). */
    private long count(String hub, TwinQuery condition) {
        var rows = run.registry().queryGroups(hub, condition.counting(), 0, 1, StillWanted.ALWAYS);
        return rows.isEmpty() ? 0 : rows.get(0).count();
    }

    /**
     * A batch's devices ({@code page}) and, for a twin update, what it writes: the twins the patches merge into (of
     * {@code current}, the devices whose merged twins are within the twin limits), and a row of {@code devices.jobs}
     * per device, {@code ok} of them completed and {@code bad} failed.
     */
    private record Batch(List<Device> page, List<Device> current, List<Twin> twins, List<JobStore.DeviceJobRow> rows,
                         long ok, long bad) {
        static final Batch NONE = new Batch(List.of(), List.of(), List.of(), List.of(), 0, 0);
    }

    /** The batch of {@code page}: for a twin update, the patches merged into each twin, and each device's row. */
    private Batch prepare(List<Device> page, boolean twin, ObjectNode tags, ObjectNode desired) {
        if (!twin) return new Batch(page, List.of(), List.of(), List.of(), 0, 0);
        List<Device> current = new ArrayList<>(page.size());
        List<Twin> twins = new ArrayList<>(page.size());
        List<JobStore.DeviceJobRow> rows = new ArrayList<>(page.size());
        // every row of the batch ends at the same moment: its time is written once
        String end = time(run.clock().instant());
        long ok = 0;
        long bad = 0;
        for (Device d : page) {
            Twin t = d.twin();
            TwinDocument newTags = tags == null ? t.tags() : t.tags().merged(tags);
            TwinDocument newDesired = desired == null ? t.desired() : t.desired().merged(desired);
            try {
                TwinRules.validateTags(newTags);
                TwinRules.validateDesired(newDesired);
            } catch (IoliteException e) {
                rows.add(row(d.deviceId(), end, "failed", null, e.errorCode().wireName(), e.getMessage()));
                bad++;
                continue;
            }
            current.add(d);
            twins.add(new Twin(newTags, newDesired, t.reported(), t.version() + 1, t.configurations()));
            rows.add(completed(d.deviceId(), end));
            ok++;
        }
        return new Batch(page, current, twins, rows, ok, bad);
    }

    /** Twin batch: the merged twins written with the rows and checkpoint; {ok, failed}. */
    private long[] updateTwins(String hub, String jobId, Batch batch, ObjectNode tags, ObjectNode desired,
                               JobCounts counts, Checkpoint.Scheduled next, long processedAtStart, long runStarted) {
        for (int attempt = 1; ; attempt++) {
            Batch b = batch;
            JobProgress progress = progress(counts.plus(b.ok(), b.bad()), next, processedAtStart, runStarted);
            try {
                if (b.current().isEmpty()) {
                    run.jobs().saveBatch(hub, jobId, b.rows(), progress);
                } else {
                    run.registry().replaceTwins(hub, b.current(), b.twins(), tx -> {
                        run.jobs().saveDeviceJobs(tx, hub, jobId, b.rows());
                        run.jobs().saveProgress(tx, progress);
                    }, true);
                }
                return new long[] {b.ok(), b.bad()};
            } catch (StaleWriteException e) {
                // a twin of the batch changed since it was read: read the batch again
                if (attempt == BATCH_ATTEMPTS) throw e;
                batch = prepare(reread(hub, b.page()), true, tags, desired);
            }
        }
    }

    private List<Device> reread(String hub, List<Device> page) {
        List<Device> out = new ArrayList<>(page.size());
        for (Device d : page) run.registryStore().find(hub, d.key()).ifPresent(out::add);
        return out;
    }

    /** Method batch: every device called at once, each row from its answer or failure; {ok, failed}. */
    private long[] callMethods(String hub, String jobId, List<Device> page, Schedule.Method method, JobCounts counts,
                               Checkpoint.Scheduled next, long processedAtStart, long runStarted) throws InterruptedException {
        List<CompletableFuture<MethodInvoker.Answer>> calls = new ArrayList<>(page.size());
        for (Device d : page) {
            CompletableFuture<MethodInvoker.Answer> f;
            try {
                f = methods.invoke(hub, d.deviceId(), method);
            } catch (RuntimeException e) {
                f = CompletableFuture.failedFuture(e);
            }
            calls.add(f);
        }
        // every call ends by its own timeouts; this bound only keeps a lost answer from holding the job
        long boundMs = TimeUnit.SECONDS.toMillis(method.connectTimeoutSeconds() + method.responseTimeoutSeconds() + 30L);
        long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(boundMs);
        List<JobStore.DeviceJobRow> rows = new ArrayList<>(page.size());
        long ok = 0;
        long bad = 0;
        for (int i = 0; i < page.size(); i++) {
            String deviceId = page.get(i).deviceId();
            Instant now;
            try {
                MethodInvoker.Answer a = calls.get(i).get(Math.max(0, until - System.nanoTime()), TimeUnit.NANOSECONDS);
                now = run.clock().instant();
                ObjectNode response = json.createObjectNode().put("status", a.status());
                response.set("payload", payload(a.payload()));
                ObjectNode outcome = json.createObjectNode();
                outcome.set("deviceMethodResponse", response);
                rows.add(methodRow(deviceId, time(now), outcome, response));
                ok++;
            } catch (ExecutionException | CompletionException e) {
                now = run.clock().instant();
                Throwable cause = e.getCause() == null ? e : e.getCause();
                if (cause instanceof IoliteException x) {
                    rows.add(row(deviceId, time(now), "failed", null, x.errorCode().wireName(), x.getMessage()));
                } else {
                    rows.add(row(deviceId, time(now), "failed", null, ErrorCode.SERVER_ERROR.wireName(),
                            String.valueOf(cause)));
                }
                bad++;
            } catch (TimeoutException e) {
                calls.get(i).cancel(false);
                rows.add(row(deviceId, time(run.clock().instant()), "failed", null, ErrorCode.GATEWAY_TIMEOUT.wireName(),
                        "the device did not answer in time"));
                bad++;
            }
        }
        run.jobs().saveBatch(hub, jobId, rows, progress(counts.plus(ok, bad), next, processedAtStart, runStarted));
        return new long[] {ok, bad};
    }

    private JobProgress progress(JobCounts counts, Checkpoint.Scheduled cp, long processedAtStart, long runStarted) {
        Job job = run.job();
        // a total of 0 is one not counted yet (a job that selects no device has no batch)
        int percent = cp.total() <= 0 ? 0 : Math.min(99, ImportJob.percent(counts.processed(), cp.total()));
        return new JobProgress(job.id(), run.owner(), counts, percent,
                ImportJob.rate(counts.processed() - processedAtStart, runStarted), cp);
    }

    /**
     * A method row. The Java service client (2.1.9) reads a method row's result from {@code cloudToDeviceMethod}
     * rather than {@code outcome}, and fails on an outcome without it: the answer goes in both.
     */
    private JobStore.DeviceJobRow methodRow(String deviceId, String end, ObjectNode outcome, ObjectNode response) {
        return new JobStore.DeviceJobRow(deviceId, "completed", end,
                "{\"outcome\":" + outcome + ",\"cloudToDeviceMethod\":" + response + "}");
    }

    /** A twin update's row: completed, with an empty outcome. */
    private static JobStore.DeviceJobRow completed(String deviceId, String end) {
        return new JobStore.DeviceJobRow(deviceId, "completed", end, EMPTY_OUTCOME);
    }

    /** The other members of a completed twin update's row. */
    private static final String EMPTY_OUTCOME = "{\"outcome\":{}}";

    /** A row that ended at {@code end} ({@link #time}), with an outcome or an error (either may be null). */
    private static JobStore.DeviceJobRow row(String deviceId, String end, String status, ObjectNode outcome,
                                             String errorCode, String description) {
        StringBuilder b = new StringBuilder("{");
        if (outcome != null) b.append("\"outcome\":").append(outcome);
        if (errorCode != null) {
            if (outcome != null) b.append(',');
            b.append("\"error\":{\"code\":");
            quote(b, errorCode).append(",\"description\":");
            quote(b, description).append('}');
        }
        return new JobStore.DeviceJobRow(deviceId, status, end, b.append('}').toString());
    }

    private static StringBuilder quote(StringBuilder b, String s) {
        if (s == null) return b.append("null");
        b.append('"');
        com.fasterxml.jackson.core.io.JsonStringEncoder.getInstance().quoteAsString(s, b);
        return b.append('"');
    }

    private JsonNode payload(String text) {
        if (text == null || text.isEmpty()) return json.nullNode();
        try {
            return json.readTree(text);
        } catch (JsonProcessingException e) {
            return json.getNodeFactory().textNode(text);
        }
    }

    private ObjectNode patch(String text) {
        if (text == null) return null;
        try {
            return (ObjectNode) json.readTree(text);
        } catch (JsonProcessingException | ClassCastException e) {
            throw new JobFailure("the job's stored patch does not parse: " + e.getMessage());
        }
    }

    static String time(Instant t) {
        return t.truncatedTo(ChronoUnit.MILLIS).toString();
    }
}

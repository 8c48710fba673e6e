package dev.iolite.server.jobs;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.iolite.server.blob.BlobContainer;
import dev.iolite.server.blob.BlobContainers;
import dev.iolite.server.blob.BlobField;
import dev.iolite.server.registry.DeviceLineParser;
import dev.iolite.server.errors.ErrorCode;
import dev.iolite.server.registry.ImportItem;
import dev.iolite.server.errors.IoliteException;
import dev.iolite.server.registry.LineOutcome;
import dev.iolite.server.registry.ImportMark;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * An import: streams the input blob line by line from the checkpoint, applies each batch through
 * the registry's import-mode engine with its progress and checkpoint in the same transaction, and
 * writes failing lines to the error log as staged blocks, committed when the job ends.
 */
final class ImportJob {
    /** A failing line: IoT Hub's error-log fields plus its line number. */
    private record ErrorLine(long lineNumber, String deviceId, String moduleId, ErrorCode code, String message) {}

    private final JobRun run;
    private final ObjectMapper json;
    /** One line parser per thread. */
    private final ThreadLocal<DeviceLineParser> parsers;
    private final ConfigurationTransfer configurations;

    ImportJob(JobRun run, ObjectMapper json, ConfigurationTransfer configurations) {
        this.run = run;
        this.json = json;
        this.parsers = ThreadLocal.withInitial(() -> new DeviceLineParser(json));
        this.configurations = configurations;
    }

    /** Runs to the end, a cancel or a node stop; returns how it ended. */
    JobRun.Stop execute() throws IOException {
        Job job = run.job();
        JobRequest req = job.request();
        BlobContainer input = run.containers().open(run.job().hub(), req.inputContainerUri(), req.storageAuth(), BlobField.INPUT_CONTAINER,
                false, BlobContainers.Use.JOB);
        BlobContainer output = run.containers().open(run.job().hub(), req.outputContainerUri(), req.storageAuth(),
                BlobField.OUTPUT_CONTAINER, true, BlobContainers.Use.JOB);
        long size = input.size(req.inputBlobName()).orElseThrow(() -> new JobFailure("the input blob '"
                + req.inputBlobName() + "' no longer exists in " + input.describe()));
        Checkpoint.Import cp = job.checkpoint() instanceof Checkpoint.Import resumed ? resumed : Checkpoint.startImport(size);
        JobCounts counts = job.counts();
        if (req.configurationsBlobName() != null && !cp.configurationsApplied()) {
            // The configurations come first, once: a line applied again after a crash finds its configuration as the
            // line has it, which counts as applied; the checkpoint then says they are done.
            new ConfigurationLines(json, configurations).importFrom(job.hub(), input, req.configurationsBlobName(), output);
            cp = cp.withConfigurationsApplied();
            run.jobs().saveProgress(new JobProgress(job.id(), run.owner(), counts, 0, 0, cp));
        }
        // Whether an earlier line of this job named an identity is asked of the store, batch by batch; the
        // job's list of identities named without a row of their own is read only once it may hold any.
        boolean keysWithoutRows = cp.offset() > 0 && run.registryStore().hasKeysWithoutRows(job.id());
        long runStarted = System.nanoTime();
        long processedAtStart = counts.processed();
        CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);

        // Two stages on two threads: a reader parses batches ahead while this thread applies them.
        BatchReader reader = new BatchReader(input.read(req.inputBlobName(), cp.offset()), cp, utf8);
        StageQueue<ParsedBatch> batches = StageQueue.start(3, "input blob reader", reader);
        java.util.function.BooleanSupplier interrupter = run.waitInterrupter();
        try {
            while (true) {
                JobRun.Stop stop = run.stopRequested();
                if (stop != JobRun.Stop.NONE) {
                    if (stop == JobRun.Stop.CANCELLED) output.commit(req.outputBlobName(), cp.errorLog());
                    return stop;
                }
                ParsedBatch batch = batches.take(interrupter);
                if (batch == null) continue; // stopping or cancelled: the top of the loop says which
                if (batch.end()) break;
                Checkpoint.Import before = cp;
                JobCounts countsBefore = counts;
                // The batch's end is a pure function of its outcomes: computed for the transaction, and again
                // from the outcomes it returns. Its error block is staged inside the transaction, after the rows
                // were written, so a batch retried on a stale write stages nothing twice.
                List<LineOutcome> outcomes = run.registry().applyImportBatch(job.hub(),
                        ImportMark.of(job.id(), keysWithoutRows), batch.items(), batch.refused(), decided -> {
                    BatchEnd end = BatchEnd.of(batch, decided, before, countsBefore);
                    JobProgress progress = new JobProgress(job.id(), run.owner(), end.counts(),
                            percent(batch.endOffset(), size), rate(end.counts().processed() - processedAtStart, runStarted),
                            end.checkpoint());
                    return tx -> {
                        run.jobs().saveProgress(tx, progress);
                        if (!end.errors().isEmpty()) stage(output, req.outputBlobName(), before.nextErrorLogBlock(), end.errors());
                    };
                });
                BatchEnd end = BatchEnd.of(batch, outcomes, before, countsBefore);
                cp = end.checkpoint();
                counts = end.counts();
                if (!keysWithoutRows) {
                    for (LineOutcome o : outcomes) {
                        if (o instanceof LineOutcome.Failed || o.item().mode().isDelete()) {
                            keysWithoutRows = true;
                            break;
                        }
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return JobRun.Stop.NODE_STOPPING;
        } finally {
            batches.stop();
        }
        output.commit(req.outputBlobName(), cp.errorLog());
        run.jobs().finish(job.id(), run.owner(), JobPhase.COMPLETED, null, run.clock().instant(),
                new JobProgress(job.id(), run.owner(), counts, 100, rate(counts.processed() - processedAtStart, runStarted), cp));
        return JobRun.Stop.NONE;
    }

    /**
     * A batch of lines, or the end of the blob: items to apply, lines that parsed but are not valid
     * ({@code refused}; they still count as naming their identity), and lines that did not parse.
     */
    /** Where a batch leaves the job: its error lines in line order, the counts, and the next checkpoint. */
    private record BatchEnd(List<ErrorLine> errors, JobCounts counts, Checkpoint.Import checkpoint) {
        static BatchEnd of(ParsedBatch batch, List<LineOutcome> outcomes, Checkpoint.Import before, JobCounts counts) {
            List<ErrorLine> errors = new ArrayList<>(batch.errors());
            int ok = 0;
            for (LineOutcome o : outcomes) {
                if (o instanceof LineOutcome.Failed f) {
                    errors.add(new ErrorLine(f.item().lineNumber(), f.item().deviceId(), f.item().moduleId(),
                            f.code(), f.message()));
                } else {
                    ok++;
                }
            }
            errors.sort(java.util.Comparator.comparingLong(ErrorLine::lineNumber));
            return new BatchEnd(errors, counts.plus(ok, errors.size()),
                    before.afterLines(batch.endOffset(), batch.lastLine(), errors.isEmpty() ? 0 : 1));
        }
    }

    private record ParsedBatch(List<ImportItem> items, List<LineOutcome.Failed> refused,
                               List<ErrorLine> errors, long firstLine, long endOffset, long lastLine, boolean end) {}

    /**
     * The reading stage: splits, parses and checks lines into batches ahead of the applying stage.
     * Batches pass through a small bounded queue, so memory stays bounded.
     */
    private final class BatchReader implements StageQueue.Producer<ParsedBatch> {
        private final InputStream in;
        private final CharsetDecoder utf8;
        private long offset;
        private long lineNumber;

        BatchReader(InputStream in, Checkpoint.Import from, CharsetDecoder utf8) {
            this.in = in;
            this.utf8 = utf8;
            this.offset = from.offset();
            this.lineNumber = from.lineNumber();
        }

        @Override
        public void produce(StageQueue<ParsedBatch> out) throws Exception {
            try (in) {
                LineReader lines = new LineReader(in, offset, lineNumber, run.tuning().maxLineBytes());
                while (!out.stopped()) {
                    List<ImportItem> items = new ArrayList<>();
                    List<LineOutcome.Failed> refused = new ArrayList<>();
                    List<ErrorLine> errors = new ArrayList<>();
                    long firstLine = lineNumber + 1;
                    LineReader.Line line = null;
                    while (items.size() + refused.size() + errors.size() < run.tuning().importBatchLines()
                            && (line = lines.next()) != null) {
                        offset = line.endOffset();
                        lineNumber = line.number();
                        ImportItem item = parse(line, utf8, errors);
                        if (item == null) continue;
                        try {
                            // the item's twin documents were rendered as they were read: the writing thread only copies them
                            items.add(run.registry().check(item));
                        } catch (IoliteException e) {
                            refused.add(new LineOutcome.Failed(item, e.errorCode(), e.getMessage()));
                        }
                    }
                    if (lineNumber >= firstLine) {
                        if (!out.put(new ParsedBatch(items, refused, errors, firstLine, offset, lineNumber,
                                false))) return;
                        StageFaults.reach(StageFaults.IMPORT_READER);
                    }
                    if (line == null) {
                        out.put(new ParsedBatch(List.of(), List.of(), List.of(), 0, offset,
                                lineNumber, true));
                        return;
                    }
                }
            }
        }
    }

    /** Parses one line into an item, or records why it cannot be one; null for skipped and failed lines. */
    private ImportItem parse(LineReader.Line line, CharsetDecoder utf8, List<ErrorLine> errors) {
        long n = line.number();
        if (line.tooLong()) {
            errors.add(new ErrorLine(n, null, null, ErrorCode.DESERIALIZATION_ERROR,
                    "line " + n + " is longer than " + run.tuning().maxLineBytes() + " bytes"));
            return null;
        }
        int first = firstNonBlank(line.bytes(), line.length());
        // A blank line is the only one skipped silently. Any other line that is not one JSON object (a comment,
        // a JSON array's bracket) fails with its number in the error log, so no line is lost unseen.
        if (first < 0) return null;
        if (!Utf8.isValid(line.bytes(), line.length())) {
            errors.add(new ErrorLine(n, null, null, ErrorCode.DESERIALIZATION_ERROR,
                    "Invalid device format in line " + n + ": the line is not valid UTF-8"));
            return null;
        }
        DeviceLineParser lines = parsers.get();
        try (JsonParser p = json.getFactory().createParser(line.bytes(), 0, line.length())) {
            JsonToken start = p.nextToken();
            if (start != JsonToken.START_OBJECT) {
                errors.add(new ErrorLine(n, null, null, ErrorCode.DESERIALIZATION_ERROR,
                        "Invalid device format in line " + n + ": a line must be one JSON object"
                                + (start == JsonToken.START_ARRAY ? ", not an array: the input is JSON Lines, one "
                                + "device per line (a JSON array file can be imported with 'iolite import --file')" : "")));
                return null;
            }
            ImportItem item = lines.read(p, n);
            if (p.nextToken() != null) {
                errors.add(new ErrorLine(n, item.deviceId(), item.moduleId(), ErrorCode.DESERIALIZATION_ERROR,
                        "Invalid device format in line " + n + ": more than one JSON value on the line"));
                return null;
            }
            return item;
        } catch (IoliteException e) {
            errors.add(new ErrorLine(n, lines.lastId(), lines.lastModuleId(), ErrorCode.DESERIALIZATION_ERROR,
                    "Invalid device format in line " + n + ": " + e.getMessage()));
            return null;
        } catch (IOException e) {
            String detail = e instanceof JsonProcessingException jpe ? jpe.getOriginalMessage() : e.getMessage();
            errors.add(new ErrorLine(n, null, null, ErrorCode.DESERIALIZATION_ERROR,
                    "Invalid device format in line " + n + ": " + detail));
            return null;
        }
    }

    private void stage(BlobContainer output, String blob, String id, List<ErrorLine> lines) {
        ByteArrayOutputStream buf = new ByteArrayOutputStream(lines.size() * 160);
        try (JsonGenerator g = json.getFactory().createGenerator(buf)) {
            g.setRootValueSeparator(null);
            for (ErrorLine e : lines) {
                g.writeStartObject();
                if (e.deviceId() != null) g.writeStringField("deviceId", e.deviceId());
                if (e.moduleId() != null) g.writeStringField("moduleId", e.moduleId());
                g.writeNumberField("errorCode", e.code().code());
                g.writeStringField("errorStatus", e.message());
                g.writeNumberField("lineNumber", e.lineNumber());
                g.writeEndObject();
                g.flush();
                buf.write('\n');
            }
        } catch (IOException e) {
            throw new IllegalStateException("writing to memory failed; this indicates a bug", e);
        }
        try {
            output.stageBlock(blob, id, buf.toByteArray(), buf.size());
        } catch (IOException e) {
            throw new JobFailure("writing the error log '" + blob + "' to " + output.describe() + " failed: "
                    + e.getMessage());
        }
    }

    /** The index of a line's first byte that is not blank (nor a leading byte-order mark), or -1 for a blank line. */
    static int firstNonBlank(byte[] b, int len) {
        for (int i = 0; i < len; i++) {
            if (b[i] != ' ' && b[i] != '\t' && b[i] != '\r') {
                // a UTF-8 byte-order mark before the first object is tolerated
                if (i + 2 < len && (b[i] & 0xff) == 0xEF && (b[i + 1] & 0xff) == 0xBB && (b[i + 2] & 0xff) == 0xBF) {
                    i += 2;
                    continue;
                }
                return i;
            }
        }
        return -1;
    }

    static int percent(long done, long total) {
        if (total <= 0) return 100;
        return (int) Math.min(100, done * 100 / total);
    }

    static double rate(long processed, long startedNanos) {
        double seconds = (System.nanoTime() - startedNanos) / 1e9;
        return seconds <= 0 ? 0 : Math.round(processed / seconds * 10) / 10.0;
    }
}

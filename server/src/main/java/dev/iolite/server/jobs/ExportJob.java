package dev.iolite.server.jobs;

import dev.iolite.server.query.QueryCompiler;
import dev.iolite.server.query.TwinQuery;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.iolite.server.blob.BlobContainer;
import dev.iolite.server.blob.BlobContainers;
import dev.iolite.server.blob.BlobField;
import dev.iolite.server.registry.ExportRow;
import dev.iolite.server.registry.ExportLineWriter;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.List;

/**
 * An export: a keyset scan of the hub's devices and modules in id order, written as JSON Lines into
 * staged blocks; each staged block is checkpointed, and the block list is committed once at the end,
 * so the blob appears whole or not at all.
 */
final class ExportJob {
    /** Rows per page of the scan (the statement's LIMIT). */
    static final int PAGE = 2000;

    private final JobRun run;
    private final ObjectMapper json;
    /** The devices to export (Iolite's filter extension), or null for every identity. */
    private final TwinQuery filter;
    private final ConfigurationTransfer configurations;

    ExportJob(JobRun run, ObjectMapper json, ConfigurationTransfer configurations) {
        this.run = run;
        this.json = json;
        this.configurations = configurations;
        String condition = run.job().request().filter();
        this.filter = condition == null ? null : QueryCompiler.compileFilter(condition);
    }

    /**
     * The writing stage: stages finished blocks, up to {@link #PARALLEL_BLOCKS} at once (or as few as the
     * container wants, see {@link BlobContainer#stagingParallelism()}), while the
     * next block is being filled; a checkpoint is saved only once every block before it is staged,
     * so a resume never skips a block. At most that many blocks wait in memory.
     */
    private final class BlockUploader {
        private static final int PARALLEL_BLOCKS = 3;
        private final java.util.concurrent.ExecutorService executor;
        private final java.util.concurrent.Semaphore slots;
        private final BlobContainer output;
        private final String blob;
        private final java.util.concurrent.atomic.AtomicReference<Throwable> failure = new java.util.concurrent.atomic.AtomicReference<>();
        private final java.util.TreeMap<Long, JobProgress> staged = new java.util.TreeMap<>();
        private long nextToSave;
        private long submitted;

        BlockUploader(BlobContainer output, String blob, long firstBlock) {
            int parallel = Math.max(1, Math.min(PARALLEL_BLOCKS, output.stagingParallelism()));
            this.executor = java.util.concurrent.Executors.newFixedThreadPool(parallel, r -> {
                Thread t = new Thread(r, "iolite-export-writer");
                t.setDaemon(true);
                return t;
            });
            this.slots = new java.util.concurrent.Semaphore(parallel);
            this.output = output;
            this.blob = blob;
            this.nextToSave = firstBlock;
            this.submitted = firstBlock;
        }

        void submit(String id, byte[] data, JobProgress progress) throws IOException {
            rethrow();
            try {
                slots.acquire();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new java.io.InterruptedIOException("interrupted while writing the export");
            }
            long index = submitted++;
            executor.execute(() -> {
                try {
                    if (failure.get() == null) {
                        output.stageBlock(blob, id, data, data.length);
                        staged(index, progress);
                    }
                } catch (Throwable e) {
                    // whatever ends a writer, an Error included, ends the job at its next block
                    failure.compareAndSet(null, e);
                } finally {
                    slots.release();
                }
            });
        }

        /** Saves, in order, the checkpoints whose blocks and all earlier ones are staged. */
        private synchronized void staged(long index, JobProgress progress) {
            staged.put(index, progress);
            while (!staged.isEmpty() && staged.firstKey() == nextToSave) {
                run.jobs().saveProgress(staged.pollFirstEntry().getValue());
                nextToSave++;
            }
        }

        /** Waits for every submitted block and checkpoint. */
        void finish() throws IOException {
            executor.shutdown();
            try {
                if (!executor.awaitTermination(1, java.util.concurrent.TimeUnit.HOURS)) {
                    throw new IOException("writing the export did not finish");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new java.io.InterruptedIOException("interrupted while writing the export");
            }
            rethrow();
        }

        void abandon() {
            executor.shutdownNow();
        }

        private void rethrow() throws IOException {
            Throwable e = failure.get();
            if (e instanceof IOException io) throw io;
            if (e instanceof RuntimeException re) throw re;
            if (e != null) throw new StageQueue.StageFailedException("export block writer", e);
        }
    }

    /** The scanning stage: reads pages ahead, in key order, through a small bounded queue. */
    private final class PageScanner implements StageQueue.Producer<List<ExportRow>> {
        private final String hub;
        private String afterDevice;
        private String afterModule;

        PageScanner(String hub, String afterDevice, String afterModule) {
            this.hub = hub;
            this.afterDevice = afterDevice;
            this.afterModule = afterModule;
        }

        @Override
        public void produce(StageQueue<List<ExportRow>> out) throws InterruptedException {
            while (!out.stopped()) {
                List<ExportRow> page = run.registryStore().scan(hub, afterDevice, afterModule, PAGE, filter);
                if (!page.isEmpty()) {
                    ExportRow last = page.get(page.size() - 1);
                    afterDevice = last.deviceId();
                    afterModule = last.moduleId();
                }
                if (!out.put(page)) return;
                if (page.size() < PAGE) return;
                StageFaults.reach(StageFaults.EXPORT_SCANNER);
            }
        }
    }

    JobRun.Stop execute() throws IOException {
        Job job = run.job();
        JobRequest req = job.request();
        BlobContainer output = run.containers().open(run.job().hub(), req.outputContainerUri(), req.storageAuth(),
                BlobField.OUTPUT_CONTAINER, true, BlobContainers.Use.JOB);
        Checkpoint.Export cp = job.checkpoint() instanceof Checkpoint.Export resumed ? resumed
                : Checkpoint.startExport(run.registryStore().countIdentities(job.hub(), filter));
        JobCounts counts = job.counts();
        long runStarted = System.nanoTime();
        long processedAtStart = counts.processed();
        String afterDevice = cp.afterDeviceId();
        String afterModule = cp.afterModuleId();
        ByteArrayOutputStream block = new ByteArrayOutputStream(run.tuning().exportBlockBytes() + 64 * 1024);
        long inBlock = 0;
        boolean more = true;
        // Two stages on two threads: a scanner reads the next pages while this thread writes blocks.
        BlockUploader uploader = new BlockUploader(output, req.outputBlobName(), cp.blocks());
        StageQueue<List<ExportRow>> pages = StageQueue.start(2, "registry scanner",
                new PageScanner(job.hub(), afterDevice, afterModule));
        java.util.function.BooleanSupplier interrupter = run.waitInterrupter();
        try {
        while (more) {
            JobRun.Stop stop = run.stopRequested();
            if (stop != JobRun.Stop.NONE) return stop;
            List<ExportRow> page = pages.take(interrupter);
            if (page == null) continue; // stopping or cancelled: the top of the loop says which
            more = page.size() == PAGE;
            for (ExportRow d : page) {
                ExportLineWriter.write(block, d, req.excludeKeys());
                inBlock++;
                afterDevice = d.deviceId();
                afterModule = d.moduleId();
            }
            if (block.size() >= run.tuning().exportBlockBytes() || (!more && inBlock > 0)) {
                String id = cp.nextBlock();
                counts = counts.plus(inBlock, 0);
                cp = cp.afterBlock(afterDevice, afterModule);
                uploader.submit(id, block.toByteArray(), new JobProgress(job.id(), run.owner(), counts,
                        Math.min(99, ImportJob.percent(counts.processed(), cp.total())),
                        ImportJob.rate(counts.processed() - processedAtStart, runStarted), cp));
                block.reset();
                inBlock = 0;
            }
        }
        uploader.finish();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return JobRun.Stop.NODE_STOPPING;
        } finally {
            pages.stop();
            uploader.abandon();
        }
        output.commit(req.outputBlobName(), cp.blockIds());
        // the hub's configurations, whole, after the devices (written again if a crash comes before the job's end)
        if (req.configurationsBlobName() != null) {
            new ConfigurationLines(json, configurations).export(job.hub(), output, req.configurationsBlobName());
        }
        run.jobs().finish(job.id(), run.owner(), JobPhase.COMPLETED, null, run.clock().instant(),
                new JobProgress(job.id(), run.owner(), counts, 100,
                        ImportJob.rate(counts.processed() - processedAtStart, runStarted), cp));
        return JobRun.Stop.NONE;
    }
}

package dev.iolite.server.jobs;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.iolite.server.blob.BlobContainer;
import dev.iolite.server.blob.BlobContainers;
import dev.iolite.server.blob.BlockIds;
import dev.iolite.server.store.ExportRow;
import dev.iolite.server.registry.ExportLineWriter;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * An export: a keyset scan of the hub's devices and modules in id order, written as JSON Lines into
 * staged blocks; each staged block is checkpointed, and the block list is committed once at the end,
 * so the blob appears whole or not at all.
 */
final class ExportJob {
    private static final int PAGE = 2000;

    private final JobRun run;
    private final ObjectMapper json;

    ExportJob(JobRun run, ObjectMapper json) {
        this.run = run;
        this.json = json;
    }

    /**
     * The writing stage: stages finished blocks, up to {@link #PARALLEL_BLOCKS} at once, while the
     * next block is being filled; a checkpoint is saved only once every block before it is staged,
     * so a resume never skips a block. At most that many blocks wait in memory.
     */
    private final class BlockUploader {
        private static final int PARALLEL_BLOCKS = 3;
        private final java.util.concurrent.ExecutorService executor = java.util.concurrent.Executors.newFixedThreadPool(
                PARALLEL_BLOCKS, r -> {
                    Thread t = new Thread(r, "iolite-export-writer");
                    t.setDaemon(true);
                    return t;
                });
        private final java.util.concurrent.Semaphore slots = new java.util.concurrent.Semaphore(PARALLEL_BLOCKS);
        private final BlobContainer output;
        private final String blob;
        private final java.util.concurrent.atomic.AtomicReference<Exception> failure = new java.util.concurrent.atomic.AtomicReference<>();
        private final java.util.TreeMap<Long, JobProgress> staged = new java.util.TreeMap<>();
        private long nextToSave;
        private long submitted;

        BlockUploader(BlobContainer output, String blob, long firstBlock) {
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
                } catch (Exception e) {
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
            Exception e = failure.get();
            if (e instanceof IOException io) throw io;
            if (e instanceof RuntimeException re) throw re;
        }
    }

    /** The scanning stage: reads pages ahead, in key order, through a small bounded queue. */
    private final class PageScanner implements Runnable {
        private final java.util.concurrent.BlockingQueue<Object> queue = new java.util.concurrent.ArrayBlockingQueue<>(2);
        private final String hub;
        private String afterDevice;
        private String afterModule;
        private volatile boolean stopped;

        PageScanner(String hub, String afterDevice, String afterModule) {
            this.hub = hub;
            this.afterDevice = afterDevice;
            this.afterModule = afterModule;
        }

        @Override
        public void run() {
            try {
                while (!stopped) {
                    List<ExportRow> page = run.registryStore().scan(hub, afterDevice, afterModule, PAGE);
                    if (!page.isEmpty()) {
                        ExportRow last = page.get(page.size() - 1);
                        afterDevice = last.deviceId();
                        afterModule = last.moduleId();
                    }
                    put(page);
                    if (page.size() < PAGE) return;
                }
            } catch (RuntimeException e) {
                put(e);
            }
        }

        private void put(Object o) {
            try {
                while (!stopped && !queue.offer(o, 100, java.util.concurrent.TimeUnit.MILLISECONDS)) {
                    // the writing stage is busy
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        @SuppressWarnings("unchecked")
        List<ExportRow> take() throws IOException {
            Object o;
            try {
                o = queue.take();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new java.io.InterruptedIOException("interrupted while scanning the registry");
            }
            if (o instanceof RuntimeException e) throw e;
            return (List<ExportRow>) o;
        }

        void stop() {
            stopped = true;
            queue.clear();
        }
    }

    JobRun.Stop execute() throws IOException {
        Job job = run.job();
        JobRequest req = job.request();
        BlobContainer output = run.containers().open(run.job().hub(), req.outputContainerUri(), req.storageAuth(),
                "outputBlobContainerUri", true, BlobContainers.Use.JOB);
        Checkpoint cp = job.checkpoint() != null ? job.checkpoint()
                : Checkpoint.start(run.registryStore().countIdentities(job.hub()));
        JobCounts counts = job.counts();
        long runStarted = System.nanoTime();
        long processedAtStart = counts.processed();
        String afterDevice = cp.afterDeviceId();
        String afterModule = cp.afterModuleId();
        ByteArrayOutputStream block = new ByteArrayOutputStream(run.tuning().exportBlockBytes() + 64 * 1024);
        long inBlock = 0;
        boolean more = true;
        // Two stages on two threads: a scanner reads the next pages while this thread writes blocks.
        PageScanner scanner = new PageScanner(job.hub(), afterDevice, afterModule);
        long blockCount = cp.outputBlocks().size();
        BlockUploader uploader = new BlockUploader(output, req.outputBlobName(), blockCount);
        Thread scannerThread = new Thread(scanner, "iolite-export-scanner");
        scannerThread.setDaemon(true);
        scannerThread.start();
        try {
        while (more) {
            JobRun.Stop stop = run.stopRequested();
            if (stop != JobRun.Stop.NONE) return stop;
            List<ExportRow> page = scanner.take();
            more = page.size() == PAGE;
            for (ExportRow d : page) {
                ExportLineWriter.write(block, d, req.excludeKeys());
                inBlock++;
                afterDevice = d.deviceId();
                afterModule = d.moduleId();
            }
            if (block.size() >= run.tuning().exportBlockBytes() || (!more && inBlock > 0)) {
                String id = BlockIds.of("exp", blockCount++);
                List<String> blocks = new ArrayList<>(cp.outputBlocks());
                blocks.add(id);
                counts = counts.plus(inBlock, 0);
                cp = new Checkpoint(0, 0, List.of(), afterDevice, afterModule, blocks, cp.total());
                uploader.submit(id, block.toByteArray(), new JobProgress(job.id(), run.owner(), counts,
                        Math.min(99, ImportJob.percent(counts.processed(), cp.total())),
                        ImportJob.rate(counts.processed() - processedAtStart, runStarted), cp));
                block.reset();
                inBlock = 0;
            }
        }
        uploader.finish();
        } finally {
            scanner.stop();
            scannerThread.interrupt();
            uploader.abandon();
        }
        output.commit(req.outputBlobName(), cp.outputBlocks());
        run.jobs().finish(job.id(), run.owner(), JobStatus.COMPLETED, null, run.clock().instant(),
                new JobProgress(job.id(), run.owner(), counts, 100,
                        ImportJob.rate(counts.processed() - processedAtStart, runStarted), cp));
        return JobRun.Stop.NONE;
    }
}

package dev.iolite.server.jobs;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.iolite.server.blob.BlobContainer;
import dev.iolite.server.blob.BlockIds;
import dev.iolite.server.registry.Device;
import dev.iolite.server.registry.DeviceLines;

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

    JobRun.Stop execute() throws IOException {
        Job job = run.job();
        JobRequest req = job.request();
        BlobContainer output = run.containers().open(req.outputContainerUri(), req.storageAuth(),
                "outputBlobContainerUri", true);
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
        while (more) {
            JobRun.Stop stop = run.stopRequested();
            if (stop != JobRun.Stop.NONE) return stop;
            List<Device> page = run.registryStore().scan(job.hub(), afterDevice, afterModule, PAGE);
            more = page.size() == PAGE;
            try (JsonGenerator g = json.getFactory().createGenerator(block)) {
                g.setRootValueSeparator(null);
                for (Device d : page) {
                    DeviceLines.write(g, d, req.excludeKeys());
                    g.flush();
                    block.write('\n');
                    inBlock++;
                    afterDevice = d.deviceId();
                    afterModule = d.moduleId();
                }
            }
            if (block.size() >= run.tuning().exportBlockBytes() || (!more && inBlock > 0)) {
                String id = BlockIds.of("exp", cp.outputBlocks().size());
                output.stageBlock(req.outputBlobName(), id, block.toByteArray(), block.size());
                List<String> blocks = new ArrayList<>(cp.outputBlocks());
                blocks.add(id);
                counts = counts.plus(inBlock, 0);
                cp = new Checkpoint(0, 0, List.of(), afterDevice, afterModule, blocks, cp.total());
                run.jobs().saveProgress(new JobProgress(job.id(), run.owner(), counts,
                        Math.min(99, ImportJob.percent(counts.processed(), cp.total())),
                        ImportJob.rate(counts.processed() - processedAtStart, runStarted), cp));
                block.reset();
                inBlock = 0;
            }
        }
        output.commit(req.outputBlobName(), cp.outputBlocks());
        run.jobs().finish(job.id(), run.owner(), JobStatus.COMPLETED, null, run.clock().instant(),
                new JobProgress(job.id(), run.owner(), counts, 100,
                        ImportJob.rate(counts.processed() - processedAtStart, runStarted), cp));
        return JobRun.Stop.NONE;
    }
}

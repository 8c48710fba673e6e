package dev.iolite.server.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iolite.server.blob.BlobContainers;
import dev.iolite.server.jobs.Job;
import dev.iolite.server.jobs.JobRequest;

/**
 * The job fields both surfaces share beside IoT Hub's: container and blob URIs (never with their
 * SAS, which is a secret) and Iolite's counts, rate and ETA (clients ignore fields they do not know).
 */
public final class JobUris {
    private JobUris() {}

    public static void put(ObjectNode n, JobRequest r) {
        String in = r.inputContainerUri() == null ? null : BlobContainers.redact(r.inputContainerUri());
        String out = r.outputContainerUri() == null ? null : BlobContainers.redact(r.outputContainerUri());
        n.put("inputBlobContainerUri", in);
        n.put("inputBlobName", r.inputBlobName());
        n.put("inputBlobUri", in == null || r.inputBlobName() == null ? null : blob(in, r.inputBlobName()));
        n.put("outputBlobContainerUri", out);
        n.put("outputBlobName", r.outputBlobName());
        n.put("outputBlobUri", out == null ? null : blob(out, r.outputBlobName()));
    }

    public static void putCounts(ObjectNode n, Job j) {
        n.put("devicesProcessed", j.counts().processed());
        n.put("devicesSucceeded", j.counts().succeeded());
        n.put("devicesFailed", j.counts().failed());
        n.put("devicesPerSecond", j.devicesPerSecond());
        Long eta = j.etaSeconds();
        if (eta == null) n.putNull("etaSeconds"); else n.put("etaSeconds", eta);
    }

    private static String blob(String container, String name) {
        int q = container.indexOf('?');
        String base = q < 0 ? container : container.substring(0, q);
        String sep = base.endsWith("/") || base.endsWith(":") ? "" : "/";
        return base + sep + name;
    }
}

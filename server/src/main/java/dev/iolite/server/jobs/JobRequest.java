package dev.iolite.server.jobs;

import dev.iolite.server.blob.StorageAuth;

/**
 * What a job was asked to do, in the domain's names (each surface, ARM and the hub API, maps its own).
 * Blob names are resolved to their defaults at creation. {@code filter} is the condition of the query language
 * (what follows WHERE) that selects the devices: Iolite's extension for exports (null exports every identity),
 * and a scheduled job's {@code queryCondition}. {@code requestId} is the id of the HTTP request that created the
 * job, so that the job's log lines lead back to it (null for jobs of earlier versions). {@code schedule} is what a
 * scheduled job does (null for a bulk job).
 */
public record JobRequest(JobKind type, Blobs blobs, String filter, String requestId, Schedule schedule) {
    public static final String DEVICES_BLOB = "devices.txt";
    public static final String IMPORT_ERRORS_BLOB = "importErrors.log";

    /** The blobs of a bulk job and how they are reached (all null and key-based for a scheduled job). */
    public record Blobs(String inputContainerUri, String inputBlobName, String outputContainerUri, String outputBlobName,
                        boolean excludeKeys, StorageAuth storageAuth, String identity) {
        static final Blobs NONE = new Blobs(null, null, null, null, false, StorageAuth.KEY_BASED, null);
    }

    public JobRequest {
        blobs = blobs == null ? Blobs.NONE : blobs;
    }

    /** A bulk job's request. */
    public JobRequest(JobKind type, String inputContainerUri, String inputBlobName, String outputContainerUri,
                      String outputBlobName, boolean excludeKeys, StorageAuth storageAuth, String identity,
                      String filter, String requestId) {
        this(type, new Blobs(inputContainerUri, inputBlobName, outputContainerUri, outputBlobName, excludeKeys,
                storageAuth, identity), filter, requestId, null);
    }

    /** A scheduled job over the devices {@code queryCondition} selects. */
    public static JobRequest scheduled(JobKind type, String queryCondition, Schedule schedule) {
        return new JobRequest(type, Blobs.NONE, queryCondition, null, schedule);
    }

    public String inputContainerUri() { return blobs.inputContainerUri(); }

    public String inputBlobName() { return blobs.inputBlobName(); }

    public String outputContainerUri() { return blobs.outputContainerUri(); }

    public String outputBlobName() { return blobs.outputBlobName(); }

    public boolean excludeKeys() { return blobs.excludeKeys(); }

    public StorageAuth storageAuth() { return blobs.storageAuth(); }

    public String identity() { return blobs.identity(); }

    /** An import from {@code inputContainerUri} (blob {@code inputBlobName}), its error log in {@code outputContainerUri}. */
    public static JobRequest importing(String inputContainerUri, String inputBlobName, String outputContainerUri,
                                       String outputBlobName, StorageAuth storageAuth, String identity) {
        return new JobRequest(JobKind.IMPORT, inputContainerUri, inputBlobName, outputContainerUri, outputBlobName, false,
                storageAuth, identity, null, null);
    }

    /** An export into {@code outputContainerUri} (blob {@code outputBlobName}); an export reads no blob. */
    public static JobRequest exporting(String outputContainerUri, String outputBlobName, boolean excludeKeys,
                                       StorageAuth storageAuth, String identity) {
        return new JobRequest(JobKind.EXPORT, null, null, outputContainerUri, outputBlobName, excludeKeys, storageAuth,
                identity, null, null);
    }

    /** The same request exporting only the devices {@code filter} selects (null: all). */
    public JobRequest withFilter(String filter) {
        return new JobRequest(type, blobs, filter, requestId, schedule);
    }

    /** The same request, made by the HTTP request {@code requestId}. */
    public JobRequest withRequestId(String requestId) {
        return new JobRequest(type, blobs, filter, requestId, schedule);
    }

    /** What is left of a stored request this version cannot read: its kind, and no blobs. */
    public static JobRequest unreadable(JobKind type) {
        return new JobRequest(type, Blobs.NONE, null, null, null);
    }

    public JobRequest withDefaults() {
        if (type.isScheduled()) return this;
        String in = type == JobKind.IMPORT && blank(inputBlobName()) ? DEVICES_BLOB : inputBlobName();
        String out = blank(outputBlobName()) ? (type == JobKind.IMPORT ? IMPORT_ERRORS_BLOB : DEVICES_BLOB) : outputBlobName();
        return new JobRequest(type, new Blobs(inputContainerUri(), in, outputContainerUri(), out, excludeKeys(),
                storageAuth() == null ? StorageAuth.KEY_BASED : storageAuth(), identity()), filter, requestId, schedule);
    }

    private static boolean blank(String s) { return s == null || s.isBlank(); }
}

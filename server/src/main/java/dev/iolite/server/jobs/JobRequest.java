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
    /** The configurations' blob when {@code includeConfigurations} names none (IoT Hub's default). */
    public static final String CONFIGURATIONS_BLOB = "configurations.txt";
    /** The error log of an import's configurations, in the output container (the name IoT Hub's samples read). */
    public static final String CONFIGURATION_ERRORS_BLOB = "importConfigErrors.log";

    /**
     * The blobs of a bulk job and how they are reached (all null and key-based for a scheduled job).
     * {@code configurationsBlobName} is the blob of the hub's configurations when the job includes them (an export
     * writes it to the output container, an import reads it from the input container), null when it does not.
     */
    public record Blobs(String inputContainerUri, String inputBlobName, String outputContainerUri, String outputBlobName,
                        boolean excludeKeys, StorageAuth storageAuth, String identity, String configurationsBlobName) {
        static final Blobs NONE = new Blobs(null, null, null, null, false, StorageAuth.KEY_BASED, null, null);
    }

    public JobRequest {
        blobs = blobs == null ? Blobs.NONE : blobs;
    }

    /** A bulk job's request. */
    public JobRequest(JobKind type, String inputContainerUri, String inputBlobName, String outputContainerUri,
                      String outputBlobName, boolean excludeKeys, StorageAuth storageAuth, String identity,
                      String filter, String requestId) {
        this(type, new Blobs(inputContainerUri, inputBlobName, outputContainerUri, outputBlobName, excludeKeys,
                storageAuth, identity, null), filter, requestId, null);
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

    /** The blob of the hub's configurations, or null when the job does not include them. */
    public String configurationsBlobName() { return blobs.configurationsBlobName(); }

    /**
     * The same request including the hub's configurations ({@code includeConfigurations}) in the blob
     * {@code blobName} (the default when blank), or not including them when {@code include} is false.
     */
    public JobRequest withConfigurations(boolean include, String blobName) {
        String name = !include ? null : blank(blobName) ? CONFIGURATIONS_BLOB : blobName;
        return new JobRequest(type, new Blobs(inputContainerUri(), inputBlobName(), outputContainerUri(), outputBlobName(),
                excludeKeys(), storageAuth(), identity(), name), filter, requestId, schedule);
    }

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
                storageAuth() == null ? StorageAuth.KEY_BASED : storageAuth(), identity(), configurationsBlobName()),
                filter, requestId, schedule);
    }

    private static boolean blank(String s) { return s == null || s.isBlank(); }
}

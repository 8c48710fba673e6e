package dev.iolite.server.jobs;

import dev.iolite.server.blob.StorageAuth;

/**
 * What a job was asked to do, in the domain's names (each surface, ARM and the hub API, maps its own).
 * Blob names are resolved to their defaults at creation. {@code filter} is Iolite's extension for
 * exports: a condition of the query language (what follows WHERE) that selects the devices to export,
 * each with its modules; null exports every identity. {@code requestId} is the id of the HTTP request
 * that created the job, so that the job's log lines lead back to it (null for jobs of earlier versions).
 */
public record JobRequest(JobKind type, String inputContainerUri, String inputBlobName, String outputContainerUri,
                         String outputBlobName, boolean excludeKeys, StorageAuth storageAuth, String identity,
                         String filter, String requestId) {
    public static final String DEVICES_BLOB = "devices.txt";
    public static final String IMPORT_ERRORS_BLOB = "importErrors.log";

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
        return new JobRequest(type, inputContainerUri, inputBlobName, outputContainerUri, outputBlobName, excludeKeys,
                storageAuth, identity, filter, requestId);
    }

    /** The same request, made by the HTTP request {@code requestId}. */
    public JobRequest withRequestId(String requestId) {
        return new JobRequest(type, inputContainerUri, inputBlobName, outputContainerUri, outputBlobName, excludeKeys,
                storageAuth, identity, filter, requestId);
    }

    /** What is left of a stored request this version cannot read: its kind, and no blobs. */
    public static JobRequest unreadable(JobKind type) {
        return new JobRequest(type, null, null, null, null, false, StorageAuth.KEY_BASED, null, null, null);
    }

    public JobRequest withDefaults() {
        String in = type == JobKind.IMPORT && blank(inputBlobName) ? DEVICES_BLOB : inputBlobName;
        String out = blank(outputBlobName) ? (type == JobKind.IMPORT ? IMPORT_ERRORS_BLOB : DEVICES_BLOB) : outputBlobName;
        return new JobRequest(type, inputContainerUri, in, outputContainerUri, out, excludeKeys,
                storageAuth == null ? StorageAuth.KEY_BASED : storageAuth, identity, filter, requestId);
    }

    private static boolean blank(String s) { return s == null || s.isBlank(); }
}

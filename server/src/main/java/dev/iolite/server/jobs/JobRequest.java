package dev.iolite.server.jobs;

import dev.iolite.server.blob.StorageAuth;

/**
 * What a job was asked to do, in the domain's names (each surface maps its own, SPEC §1.3, §1.4, §2.6).
 * Blob names are resolved to their defaults at creation.
 */
public record JobRequest(JobKind type, String inputContainerUri, String inputBlobName, String outputContainerUri,
                         String outputBlobName, boolean excludeKeys, StorageAuth storageAuth, String identity) {
    public static final String DEVICES_BLOB = "devices.txt";
    public static final String IMPORT_ERRORS_BLOB = "importErrors.log";

    public JobRequest withDefaults() {
        String in = type == JobKind.IMPORT && blank(inputBlobName) ? DEVICES_BLOB : inputBlobName;
        String out = blank(outputBlobName) ? (type == JobKind.IMPORT ? IMPORT_ERRORS_BLOB : DEVICES_BLOB) : outputBlobName;
        return new JobRequest(type, inputContainerUri, in, outputContainerUri, out, excludeKeys,
                storageAuth == null ? StorageAuth.KEY_BASED : storageAuth, identity);
    }

    private static boolean blank(String s) { return s == null || s.isBlank(); }
}

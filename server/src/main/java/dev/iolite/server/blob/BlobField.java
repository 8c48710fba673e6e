package dev.iolite.server.blob;

/**
 * The parts of a job request that name blob storage. The domain words its errors with these; each
 * wire surface renames them to its own fields (ARM's export says {@code exportBlobContainerUri}
 * where the hub API says {@code outputBlobContainerUri}).
 */
public enum BlobField {
    INPUT_CONTAINER("the input container URI"),
    INPUT_BLOB("the input blob name"),
    OUTPUT_CONTAINER("the output container URI"),
    OUTPUT_BLOB("the output blob name"),
    /** The blob of the hub's configurations, in the output container of an export and the input container of an import. */
    CONFIGURATIONS_BLOB("the configurations blob name");

    private final String description;

    BlobField(String description) { this.description = description; }

    /** How the domain names the field in a message: "the output container URI". */
    public String description() { return description; }
}

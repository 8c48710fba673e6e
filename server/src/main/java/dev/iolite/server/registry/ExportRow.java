package dev.iolite.server.registry;

/**
 * One identity as an export writes it: stored values with the twin documents and parent scopes
 * still JSON text, so a million-row export never parses and re-serializes them.
 */
public record ExportRow(String deviceId, String moduleId, long version, boolean enabled, String statusReason,
                        String authType, String primaryKey, String secondaryKey, String primaryThumbprint,
                        String secondaryThumbprint, boolean iotEdge, String deviceScope, String parentScopesJson,
                        String managedBy, String tagsJson, String desiredJson, String reportedJson, long twinVersion) {

    public String etag() { return ETags.device(version); }

    public String twinEtag() { return ETags.twin(twinVersion); }
}

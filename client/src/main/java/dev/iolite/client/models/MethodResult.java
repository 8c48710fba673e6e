package dev.iolite.client.models;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A device's answer to a direct method call ({@code CloudToDeviceMethodResult}): the status and payload the device
 * chose. The status is the device's own; a call the hub could not complete throws instead.
 */
public final class MethodResult {
    private final int status;
    private final JsonNode payload;

    /**
     * Creates a result.
     *
     * @param status  the device's status
     * @param payload the device's payload, a JSON null when it sent none
     */
    public MethodResult(int status, JsonNode payload) {
        this.status = status;
        this.payload = payload;
    }

    /** @return the status the device answered with, such as 200 */
    public int getStatus() { return status; }

    /** @return the payload the device answered with (a JSON null node when it sent none) */
    public JsonNode getPayload() { return payload; }
}

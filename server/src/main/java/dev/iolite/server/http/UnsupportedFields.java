package dev.iolite.server.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iolite.server.errors.ErrorCode;
import dev.iolite.server.errors.IoliteException;
import dev.iolite.server.json.JsonBodies;

/**
 * Request fields that ask for something Iolite does not do. A request that sets one is refused with 400
 * rather than accepted and ignored, so that no caller believes its configurations moved; the value the
 * official SDKs send by default (false, or nothing) is accepted. README lists these fields.
 */
public final class UnsupportedFields {
    private UnsupportedFields() {}

    /**
     * An import or export job's request of the hub API: {@code useSecondaryStorageAsSource}. (Configurations are
     * included with {@code includeConfigurations}, on both surfaces.)
     */
    public static void refuseInJobRequest(ObjectNode body) {
        if (Boolean.TRUE.equals(JsonBodies.bool(body, "useSecondaryStorageAsSource", "useSecondaryStorageAsSource"))) {
            throw new IoliteException(ErrorCode.ARGUMENT_INVALID, "'useSecondaryStorageAsSource' is true, but Iolite"
                    + " reads only the container it is given; leave it false or absent");
        }
    }
}

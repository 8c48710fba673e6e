package dev.iolite.server.jobs;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iolite.server.errors.ErrorCode;
import dev.iolite.server.errors.IoliteException;

import java.util.List;

/**
 * A hub's configurations as an import or export job with {@code includeConfigurations} carries them: the server
 * wires it to its configurations at start, so that the job engine does not depend on their rules.
 */
public interface ConfigurationTransfer {
    /** The hub's configurations, each one JSON object as IoT Hub returns it, in id order. */
    List<ObjectNode> export(String hub);

    /**
     * Applies one line of an import (importMode {@code createOrUpdateIfMatchETag}, the only one IoT Hub has).
     *
     * @throws IoliteException saying why the line was not applied, in IoT Hub's codes
     */
    void apply(String hub, ObjectNode line);

    /** What a runner uses before the server wires its configurations: every job that includes them fails. */
    ConfigurationTransfer UNAVAILABLE = new ConfigurationTransfer() {
        @Override
        public List<ObjectNode> export(String hub) {
            throw new JobFailure("configurations are not available on this node");
        }

        @Override
        public void apply(String hub, ObjectNode line) {
            throw new IoliteException(ErrorCode.SERVER_ERROR, "configurations are not available on this node");
        }
    };
}

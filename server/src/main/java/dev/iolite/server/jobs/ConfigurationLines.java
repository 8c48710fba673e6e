package dev.iolite.server.jobs;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iolite.server.blob.BlobContainer;
import dev.iolite.server.blob.BlockIds;
import dev.iolite.server.errors.ErrorCode;
import dev.iolite.server.errors.IoliteException;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * The configurations blob of a job with {@code includeConfigurations}: JSON Lines of configurations, as IoT Hub
 * writes them on export and reads them on import (each import line with {@code importMode}
 * {@code createOrUpdateIfMatchETag}). A hub holds at most a hundred configurations, so the blob is small; it is
 * still read line by line with a bound on each line and on the lines read.
 */
final class ConfigurationLines {
    /** Bound of one line: a configuration's document is at most 512 KiB, its rendering adds times and metrics. */
    static final int MAX_LINE_BYTES = 1 << 20;
    /** Lines read at most: ten times the most configurations a hub holds. */
    static final int MAX_LINES = 1000;
    /** Staged blocks of an export's configurations are at most this large. */
    private static final int BLOCK_BYTES = 4 << 20;
    private static final String EXPORT_BLOCK = "cfg";
    private static final String ERROR_BLOCK = "cfe";

    private final ObjectMapper json;
    private final ConfigurationTransfer configurations;

    ConfigurationLines(ObjectMapper json, ConfigurationTransfer configurations) {
        this.json = json;
        this.configurations = configurations;
    }

    /** Writes the hub's configurations to {@code blob} in {@code output}, whole: it appears when committed. */
    void export(String hub, BlobContainer output, String blob) throws IOException {
        List<String> blocks = new ArrayList<>();
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        for (ObjectNode c : configurations.export(hub)) {
            json.writeValue(buf, c);
            buf.write('\n');
            if (buf.size() >= BLOCK_BYTES) stage(output, blob, blocks, buf);
        }
        if (buf.size() > 0) stage(output, blob, blocks, buf);
        output.commit(blob, blocks);
    }

    private static void stage(BlobContainer output, String blob, List<String> blocks, ByteArrayOutputStream buf)
            throws IOException {
        String id = BlockIds.of(EXPORT_BLOCK, blocks.size());
        output.stageBlock(blob, id, buf.toByteArray(), buf.size());
        blocks.add(id);
        buf.reset();
    }

    /**
     * Applies each line of {@code blob} in {@code input} to the hub, and writes the lines that failed to
     * {@link JobRequest#CONFIGURATION_ERRORS_BLOB} in {@code output} (empty when none did); returns how many failed.
     */
    int importFrom(String hub, BlobContainer input, String blob, BlobContainer output) throws IOException {
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        int failed = 0;
        try (InputStream in = input.read(blob, 0)) {
            LineReader lines = new LineReader(in, 0, 0, MAX_LINE_BYTES);
            LineReader.Line line;
            while ((line = lines.next()) != null) {
                long n = line.number();
                if (n > MAX_LINES) {
                    error(log, null, ErrorCode.ARGUMENT_INVALID, "the configurations blob has more than " + MAX_LINES
                            + " lines, and a hub holds at most 100 configurations; the lines from here on were not read", n);
                    failed++;
                    break;
                }
                if (line.tooLong()) {
                    error(log, null, ErrorCode.DESERIALIZATION_ERROR, "line " + n + " is longer than " + MAX_LINE_BYTES
                            + " bytes", n);
                    failed++;
                    continue;
                }
                if (ImportJob.firstNonBlank(line.bytes(), line.length()) < 0) continue;
                String id = null;
                try {
                    ObjectNode configuration = parse(line);
                    JsonNode idNode = configuration.get("id");
                    id = idNode != null && idNode.isTextual() ? idNode.asText() : null;
                    if (id == null) throw new IoliteException(ErrorCode.ARGUMENT_INVALID, "the line has no 'id' string");
                    configurations.apply(hub, configuration);
                } catch (IoliteException e) {
                    error(log, id, e.errorCode(), e.getMessage(), n);
                    failed++;
                }
            }
        }
        String name = JobRequest.CONFIGURATION_ERRORS_BLOB;
        List<String> blocks = List.of();
        if (log.size() > 0) {
            blocks = List.of(BlockIds.of(ERROR_BLOCK, 0));
            output.stageBlock(name, blocks.get(0), log.toByteArray(), log.size());
        }
        output.commit(name, blocks);
        return failed;
    }

    private ObjectNode parse(LineReader.Line line) {
        byte[] b = line.bytes();
        // a UTF-8 byte-order mark before the first line is tolerated, as in the devices' blob
        int start = line.length() >= 3 && (b[0] & 0xff) == 0xEF && (b[1] & 0xff) == 0xBB && (b[2] & 0xff) == 0xBF ? 3 : 0;
        try (JsonParser p = json.getFactory().createParser(b, start, line.length() - start)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new IoliteException(ErrorCode.DESERIALIZATION_ERROR, "a line must be one JSON object, a configuration");
            }
            ObjectNode node = json.readTree(p);
            if (p.nextToken() != null) {
                throw new IoliteException(ErrorCode.DESERIALIZATION_ERROR, "more than one JSON value on the line");
            }
            return node;
        } catch (JsonProcessingException e) {
            throw new IoliteException(ErrorCode.DESERIALIZATION_ERROR, "the line is not JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new IoliteException(ErrorCode.DESERIALIZATION_ERROR, "the line could not be read: " + e.getMessage());
        }
    }

    /** One line of the error log: the configuration's id when known, IoT Hub's code, the reason and the line number. */
    private void error(ByteArrayOutputStream log, String id, ErrorCode code, String message, long lineNumber) {
        try (JsonGenerator g = json.getFactory().createGenerator(log)) {
            g.writeStartObject();
            if (id != null) g.writeStringField("configurationId", id);
            g.writeNumberField("errorCode", code.code());
            g.writeStringField("errorStatus", message);
            g.writeNumberField("lineNumber", lineNumber);
            g.writeEndObject();
        } catch (IOException e) {
            throw new IllegalStateException("writing to memory failed; this indicates a bug", e);
        }
        log.write('\n');
    }
}

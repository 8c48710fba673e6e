package dev.iolite.server.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Export lines: the shape of https://learn.microsoft.com/azure/iot-hub/iot-hub-bulk-identity-mgmt, valid JSON whatever
 * the text holds, and readable back as import lines.
 */
class ExportLineWriterTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static String line(ExportRow row, boolean excludeKeys) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ExportLineWriter.write(out, row, excludeKeys);
        return out.toString(StandardCharsets.UTF_8);
    }

    private static ExportRow device(String statusReason) {
        return new ExportRow("dev-1", null, 42, false, statusReason, "sas", "a2V5MQ==", "a2V5Mg==", null, null,
                true, "scope-1", "[\"p1\"]", null, "{\"site\":\"n\"}", "{\"rate\":5}", "{}", 3);
    }

    @Test
    void aDeviceLineHasEveryFieldOfTheSpecShape() throws Exception {
        String text = line(device(null), false);
        assertThat(text).endsWith("}\n");
        JsonNode n = JSON.readTree(text);
        assertThat(n.get("id").asText()).isEqualTo("dev-1");
        assertThat(n.get("eTag").asText()).isEqualTo(ETags.device(42));
        assertThat(n.get("status").asText()).isEqualTo("disabled");
        assertThat(n.at("/authentication/symmetricKey/primaryKey").asText()).isEqualTo("a2V5MQ==");
        assertThat(n.at("/authentication/x509Thumbprint/primaryThumbprint").isNull()).isTrue();
        assertThat(n.at("/authentication/type").asText()).isEqualTo("sas");
        assertThat(n.get("twinETag").asText()).isEqualTo(ETags.twin(3));
        assertThat(n.at("/tags/site").asText()).isEqualTo("n");
        assertThat(n.at("/properties/desired/rate").asInt()).isEqualTo(5);
        assertThat(n.at("/properties/reported").isObject()).isTrue();
        assertThat(n.at("/capabilities/iotEdge").asBoolean()).isTrue();
        assertThat(n.get("deviceScope").asText()).isEqualTo("scope-1");
        assertThat(n.at("/parentScopes/0").asText()).isEqualTo("p1");
        assertThat(n.has("statusReason")).isFalse();
    }

    @Test
    void excludedKeysAreNullInsideAnAuthenticationObject() throws Exception {
        JsonNode n = JSON.readTree(line(device(null), true));
        assertThat(n.get("authentication").isObject()).isTrue();
        assertThat(n.at("/authentication/symmetricKey/primaryKey").isNull()).isTrue();
        assertThat(n.at("/authentication/symmetricKey/secondaryKey").isNull()).isTrue();
    }

    @Test
    void freeTextIsEscaped() throws Exception {
        String reason = "quote \" backslash \\ newline \n é 😀";
        JsonNode n = JSON.readTree(line(device(reason), false));
        assertThat(n.get("statusReason").asText()).isEqualTo(reason);
    }

    @Test
    void aModuleLineCarriesModuleIdAndManagedByAndNoDeviceFields() throws Exception {
        ExportRow m = new ExportRow("dev-1", "mod+1#", 7, true, null, "sas", "a2V5MQ==", "a2V5Mg==", null, null,
                false, null, null, "edgeAgent", "{}", "{}", "{}", 1);
        JsonNode n = JSON.readTree(line(m, false));
        assertThat(n.get("moduleId").asText()).isEqualTo("mod+1#");
        assertThat(n.get("managedBy").asText()).isEqualTo("edgeAgent");
        assertThat(n.has("deviceScope")).isFalse();
    }

    @Test
    void anExportLineReadsBackAsTheSameImportItem() throws Exception {
        ImportItem item = new DeviceLineParser(JSON).read((ObjectNode) JSON.readTree(line(device("why"), false)), 1, "id",
                ImportMode.CREATE_OR_UPDATE);
        assertThat(item.deviceId()).isEqualTo("dev-1");
        assertThat(item.status()).isEqualTo(DeviceStatus.DISABLED);
        assertThat(item.statusReason()).isEqualTo("why");
        assertThat(item.authentication().primaryKey()).isEqualTo("a2V5MQ==");
        assertThat(item.tags().toTree().get("site").asText()).isEqualTo("n");
        assertThat(item.desired().toTree().get("rate").asInt()).isEqualTo(5);
        assertThat(item.iotEdge()).isTrue();
    }
}

package dev.iolite.server.registry;

import dev.iolite.server.errors.ErrorCode;
import dev.iolite.server.errors.IoliteException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.security.SecureRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Id, credential, etag and twin rules (https://learn.microsoft.com/azure/iot-hub/iot-hub-devguide-identity-registry,
 * https://learn.microsoft.com/azure/iot-hub/iot-hub-devguide-device-twins).
 */
class RulesTest {
    private final Credentials credentials = new Credentials(new SecureRandom());

    @ParameterizedTest
    @ValueSource(strings = {"a", "Device-1", "x.y_z", "a%b", "(paren)", "!*?,:=@$'"})
    void acceptedDeviceIds(String id) {
        assertThat(IdRules.requireDeviceId(id, "id")).isEqualTo(id);
    }

    @ParameterizedTest
    @ValueSource(strings = {"has space", "slash/", "plus+", "hash#", "été", "tab\t"})
    void refusedDeviceIds(String id) {
        assertThatThrownBy(() -> IdRules.requireDeviceId(id, "id")).isInstanceOfSatisfying(IoliteException.class,
                e -> assertThat(e.errorCode()).isEqualTo(ErrorCode.ARGUMENT_INVALID));
    }

    @Test
    void deviceIdsAreAtMost128Characters() {
        assertThat(IdRules.requireDeviceId("a".repeat(128), "id")).hasSize(128);
        assertThatThrownBy(() -> IdRules.requireDeviceId("a".repeat(129), "id")).isInstanceOf(IoliteException.class);
        assertThatThrownBy(() -> IdRules.requireDeviceId("", "id")).isInstanceOfSatisfying(IoliteException.class,
                e -> assertThat(e.errorCode()).isEqualTo(ErrorCode.ARGUMENT_NULL));
    }

    @Test
    void moduleIdsMayHoldPlusAndHash() {
        assertThat(IdRules.requireModuleId("m+1#", "moduleId")).isEqualTo("m+1#");
    }

    @Test
    void hubNamesFollowArm() {
        assertThat(IdRules.isHubName("my-hub")).isTrue();
        assertThat(IdRules.isHubName("123")).isFalse();
        assertThat(IdRules.isHubName("-hub")).isFalse();
        assertThat(IdRules.isHubName("ab")).isFalse();
    }

    @Test
    void keysMustBe16To64BytesOfBase64AndComeInPairs() {
        String k16 = "MDEyMzQ1Njc4OTAxMjM0NQ==";
        assertThat(credentials.resolve(Authentication.sas(k16, k16)).primaryKey()).isEqualTo(k16);
        assertThatThrownBy(() -> credentials.resolve(Authentication.sas("AAAA", "AAAA")))
                .hasMessageContaining("decodes to 3 bytes");
        assertThatThrownBy(() -> credentials.resolve(Authentication.sas(k16, null)))
                .hasMessageContaining("both primaryKey and secondaryKey");
        String k65 = java.util.Base64.getEncoder().encodeToString(new byte[65]);
        assertThatThrownBy(() -> credentials.resolve(Authentication.sas(k65, k65))).hasMessageContaining("65 bytes");
    }

    @Test
    void thumbprintsAre40Or64HexAndExcludeKeys() {
        String sha1 = "a".repeat(40);
        String sha256 = "B".repeat(64);
        Authentication x509 = credentials.resolve(new Authentication(null, null, null, sha1, sha256));
        assertThat(x509.type()).isEqualTo(AuthType.SELF_SIGNED);
        assertThatThrownBy(() -> credentials.resolve(new Authentication(AuthType.SELF_SIGNED, null, null, "abc", null)))
                .hasMessageContaining("40 or 64");
        assertThatThrownBy(() -> credentials.resolve(new Authentication(AuthType.SAS, "", "", sha1, null)))
                .hasMessageContaining("must be empty");
    }

    @Test
    void enumsParseLenientlyWhereClientsDifferAndStrictlyElsewhere() {
        assertThat(DeviceStatus.parse("Enabled", "status")).isEqualTo(DeviceStatus.ENABLED);
        assertThat(ImportMode.parse("UpdateIfMatchETag")).isEqualTo(ImportMode.UPDATE_IF_MATCH_ETAG);
        assertThat(AuthType.parse("selfSigned", "t")).isEqualTo(AuthType.SELF_SIGNED);
        assertThatThrownBy(() -> AuthType.parse("SELF_SIGNED", "authentication.type"))
                .hasMessageContaining("'authentication.type'");
    }

    @Test
    void etagsHaveIotHubsWireForms() {
        assertThat(ETags.device(0)).isEqualTo("MA==");
        assertThat(ETags.device(234404404)).isEqualTo("MjM0NDA0NDA0");
        assertThat(ETags.twin(1)).isEqualTo("AAAAAAAAAAE=");
        assertThat(ETags.unquote("\"*\"")).isEqualTo("*");
        assertThat(ETags.unquote("W/\"abc\"")).isEqualTo("abc");
        assertThat(ETags.unquote("  ")).isNull();
    }

    @Test
    void twinRulesCheckKeysDepthAndSizes() {
        ObjectMapper json = new ObjectMapper();
        ObjectNode ok = json.createObjectNode();
        ok.putObject("a").put("b", 1);
        TwinRules.validateTags(ok);
        ObjectNode control = json.createObjectNode().put("bad\u0001key", 1);
        assertThatThrownBy(() -> TwinRules.validateTags(control)).hasMessageContaining("control character");
        ObjectNode bigDesired = json.createObjectNode();
        for (int i = 0; i < 9; i++) bigDesired.put("k" + i, "x".repeat(4000));
        assertThatThrownBy(() -> TwinRules.validateDesired(bigDesired)).hasMessageContaining("32768");
    }

    @Test
    void storedTextRefusesNulAndUnpairedSurrogatesAnywhereInATwinAndKeepsPairs() {
        ObjectMapper json = new ObjectMapper();
        ObjectNode pair = json.createObjectNode();
        pair.putArray("list").addObject().put("emoji", "\ud83d\ude00");
        TwinRules.validateTags(pair);
        ObjectNode nul = json.createObjectNode();
        nul.putObject("a").putArray("b").add("x\u0000");
        assertThatThrownBy(() -> TwinRules.validateTags(nul)).hasMessageContaining("'tags.a.b.[]'").hasMessageContaining("U+0000");
        ObjectNode half = json.createObjectNode().put("k\ud800", 1);
        assertThatThrownBy(() -> TwinRules.validateDesired(half)).hasMessageContaining("unpaired surrogate (U+D800)");
        ObjectNode trailingHigh = json.createObjectNode().put("k", "x\ud83d");
        assertThatThrownBy(() -> TwinRules.validateDesired(trailingHigh)).hasMessageContaining("unpaired surrogate");
    }
}

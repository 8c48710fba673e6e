package dev.iolite.server.registry;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TwinDocumentTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void aDocumentIsNotChangedByWhatItWasMadeFromNorByWhatItHandsOut() throws Exception {
        ObjectNode source = (ObjectNode) JSON.readTree("{\"site\":\"north\",\"n\":{\"x\":1}}");
        TwinDocument d = TwinDocument.of(source);
        source.put("site", "south");
        ((ObjectNode) source.get("n")).put("x", 2);
        d.toTree().put("site", "west");

        assertThat(d.json()).isEqualTo("{\"site\":\"north\",\"n\":{\"x\":1}}");
        assertThat(d.toTree().get("site").asText()).isEqualTo("north");
    }

    @Test
    void documentsAreEqualWhenTheirObjectsAreWhateverTheSpellingOfTheirText() {
        TwinDocument stored = TwinDocument.parse("{\"b\": 2, \"a\": {\"x\": [1, 2.5]}}");
        TwinDocument written = TwinDocument.parse("{\"a\":{\"x\":[1,2.5]},\"b\":2}");
        assertThat(stored).isEqualTo(written).hasSameHashCodeAs(written);
        assertThat(TwinDocument.parse("{}")).isSameAs(TwinDocument.EMPTY);
        assertThatThrownBy(() -> TwinDocument.parse("[1]")).isInstanceOf(IllegalArgumentException.class);
    }
}

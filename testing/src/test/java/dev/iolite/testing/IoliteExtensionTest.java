package dev.iolite.testing;

import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import static org.assertj.core.api.Assertions.assertThat;

/** The extension injects one running server per class into constructors, fields and methods. */
@ExtendWith(IoliteExtension.class)
class IoliteExtensionTest {
    static IoliteServer inStaticField;
    IoliteServer inField;
    private final IoliteServer inConstructor;

    IoliteExtensionTest(IoliteServer server) {
        this.inConstructor = server;
    }

    @Test
    void everyInjectionPointGetsTheSameRunningServer(IoliteServer inMethod) throws Exception {
        assertThat(inMethod).isSameAs(inField).isSameAs(inConstructor).isSameAs(inStaticField);
        assertThat(IoliteServerTest.get(inMethod, "/health/ready", null).statusCode()).isEqualTo(200);
        assertThat(IoliteServerTest.get(inMethod, "/statistics/devices?api-version=2021-04-12", inMethod.sasToken())
                .statusCode()).isEqualTo(200);
    }

    @Nested
    class Inner {
        @Test
        void aNestedClassSharesItsEnclosingClassesServer(IoliteServer inMethod) {
            assertThat(inMethod).isSameAs(inConstructor);
        }
    }
}

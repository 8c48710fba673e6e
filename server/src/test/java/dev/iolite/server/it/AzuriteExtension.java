package dev.iolite.server.it;

import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/** Gives a test class the shared Azurite instance (register it before the server). */
final class AzuriteExtension implements BeforeAllCallback {
    private Azurite azurite;

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        azurite = Azurite.get(context);
    }

    Azurite get() { return azurite; }
}

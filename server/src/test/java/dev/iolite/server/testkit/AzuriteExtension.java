package dev.iolite.server.testkit;

import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/** Gives a test class the shared Azurite instance (register it before the server). */
public final class AzuriteExtension implements BeforeAllCallback {
    private Azurite azurite;

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        azurite = Azurite.get(context);
    }

    public Azurite get() { return azurite; }
}
